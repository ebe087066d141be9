// The `hooks` section (official: ApplicationSpecification#parse_hooks and ScriptInfo). Event names are not checked
// here (see lifecycle.ts validateHookSet). A null script list is left out; [] stays as an empty hook.

import { APPSPEC_MESSAGES } from './messages.js';
import type { ParseContext } from './parse-context.js';
import { isRubyHash, rubyStrip, rubyToI, rubyToS, rubyTruthy, type RubyValue } from './ruby-value.js';
import type { AppSpecHookScript } from './types.js';

export const DEFAULT_HOOK_TIMEOUT_SECONDS = 3600;
/** AWS documents 3600 s as the most all the scripts of one lifecycle event may take together. */
export const MAX_EVENT_TIMEOUT_SECONDS = 3600;

type Hooks = Record<string, readonly AppSpecHookScript[]>;

export function parseHooks(ctx: ParseContext, raw: RubyValue | undefined): Hooks {
  // A prototype-less record, so an event named "__proto__" or "toString" is just a key.
  const hooks: Hooks = Object.create(null) as Hooks;
  if (!rubyTruthy(raw)) return hooks;
  if (!isRubyHash(raw)) {
    ctx.shape('hooks', 'a map of lifecycle event name to a list of scripts', raw);
    return hooks;
  }
  for (const [key, scriptsRaw] of raw) {
    const event = rubyToS(key);
    const path = `hooks.${event}`;
    if (scriptsRaw === null) {
      delete hooks[event];
      continue;
    }
    if (!Array.isArray(scriptsRaw)) {
      ctx.shape(path, 'a list of scripts', scriptsRaw);
      continue;
    }
    const before = ctx.issues.length;
    const scripts: AppSpecHookScript[] = [];
    scriptsRaw.forEach((scriptRaw, i) => {
      const script = parseScript(ctx, scriptRaw, `${path}[${i}]`);
      if (script) scripts.push(script);
    });
    if (ctx.issues.length > before) continue;
    hooks[event] = scripts;
    const sum = scripts.reduce((acc, s) => acc + s.timeout, 0);
    if (sum > MAX_EVENT_TIMEOUT_SECONDS) {
      ctx.warn(
        'HOOK_TIMEOUT_SUM_EXCEEDED',
        `The scripts of lifecycle event ${event} have timeouts that add up to ${sum} seconds, more than the ${MAX_EVENT_TIMEOUT_SECONDS} seconds CodeDeploy allows for one lifecycle event; the deployment may time out before they finish.`,
        path,
      );
    }
  }
  return hooks;
}

function parseScript(ctx: ParseContext, raw: RubyValue, path: string): AppSpecHookScript | undefined {
  if (!isRubyHash(raw)) {
    ctx.shape(path, 'a map with location, timeout, runas', raw);
    return undefined;
  }
  const locationRaw = raw.get('location');
  const location = locationRaw === undefined || locationRaw === null ? '' : rubyStrip(rubyToS(locationRaw));
  const before = ctx.issues.length;
  if (location === '') ctx.issue('APPSPEC_HOOK_NO_LOCATION', APPSPEC_MESSAGES.hookNoLocation(), `${path}.location`);

  // ScriptInfo: (timeout || 3600).to_i, then > 0.
  const timeoutRaw = raw.get('timeout');
  const timeoutInt = rubyTruthy(timeoutRaw) ? rubyToI(timeoutRaw as RubyValue) : BigInt(DEFAULT_HOOK_TIMEOUT_SECONDS);
  if (timeoutInt === undefined || timeoutInt <= 0n) ctx.issue('APPSPEC_HOOK_BAD_TIMEOUT', APPSPEC_MESSAGES.hookBadTimeout(), `${path}.timeout`);

  const runasRaw = raw.get('runas');
  const runas = runasRaw === undefined || runasRaw === null ? undefined : rubyStrip(rubyToS(runasRaw));
  if (ctx.issues.length > before) return undefined;
  return {
    location,
    timeout: Number(timeoutInt),
    ...(runas === undefined ? {} : { runas }),
    sudo: rubyTruthy(raw.get('sudo')),
  };
}
