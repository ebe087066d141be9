// `node --import ./test/helpers/block-device-modules.mjs ...` runs a program as a pipeline container
// that installed edge-fleet with `npm install --omit=optional` would: the device-side packages
// (aws-iot-device-sdk-v2 with its native aws-crt, and onoff for GPIO) cannot be resolved. Both
// loaders are covered: ESM imports through a resolve hook, require() through the CommonJS
// resolver; a name or any file under those packages' folders fails as a missing module does.
import Module, { register } from 'node:module';

const NAMES = String.raw`(?:aws-crt|aws-iot-device-sdk-v2|onoff)`;
const SPECIFIER = `^${NAMES}(?:/|$)`;
const FOLDER = String.raw`[\\/]node_modules[\\/]${NAMES}[\\/]`;
const blocked = (specifier, resolved) => new RegExp(SPECIFIER).test(specifier) || new RegExp(FOLDER).test(resolved);

const cjsResolve = Module._resolveFilename;
Module._resolveFilename = function resolveFilename(request, ...rest) {
  const resolved = blocked(request, '') ? '' : cjsResolve.call(this, request, ...rest);
  if (blocked(request, resolved)) {
    throw Object.assign(new Error(`Cannot find module '${request}' (a device-side package, blocked)`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolved;
};

register(
  'data:text/javascript,' +
    encodeURIComponent(`
const SPECIFIER = new RegExp(${JSON.stringify(SPECIFIER)});
const FOLDER = new RegExp(${JSON.stringify(FOLDER)});
const blocked = (specifier, url) => SPECIFIER.test(specifier) || FOLDER.test(url);
export async function resolve(specifier, context, next) {
  const fail = () => {
    const message = "Cannot find package '" + specifier + "' (a device-side package, blocked)";
    throw Object.assign(new Error(message), { code: 'ERR_MODULE_NOT_FOUND' });
  };
  if (blocked(specifier, '')) fail();
  const r = await next(specifier, context);
  if (blocked(specifier, decodeURIComponent(r.url))) fail();
  return r;
}`),
);
