// `node --import ./test/helpers/module-recorder.mjs ...` appends the URL of every module the ESM
// loader resolves to the file named by EDGE_RECORD_MODULES (one per line). Used to check that a
// command loads only what it needs (e.g. `fleetctl validate` no AWS SDK).
import { register } from 'node:module';

if (process.env.EDGE_RECORD_MODULES) {
  register(
    'data:text/javascript,' +
      encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.EDGE_RECORD_MODULES, r.url + '\\n');
  return r;
}`),
  );
}
