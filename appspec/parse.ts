// parseAppSpec: AppSpec text (YAML or JSON) -> AppSpec, with every problem collected (never only the first) and
// the official agent's exact messages. Pure; never throws.
//
// YAML 1.1 decisions (the official agent parses with Ruby Psych, YAML 1.1 typing; see yaml-load.ts, psych-scalar.ts):
// - version: the Float 0.0 and the Integer 0 are accepted (the agent accepts anything == 0.0). The quoted string
//   "0.0" is ACCEPTED with a VERSION_STRING warning, although the official agent rejects it (a deliberate fix).
//   Any other value gets the official invalid-version message, the value shown as Ruby shows it ("1.0", "abc", "").
// - mode: 0644 unquoted is the YAML 1.1 octal number 420, and the official agent then applies mode "420". We read
//   the digits as written ("0644") and warn MODE_OCTAL_LITERAL when the official result would differ. 644 -> "644",
//   "755" -> "755", 7 -> "007"; more than 4 characters and non-octal digits get the official messages.
// - timeout: Ruby to_i: "300" -> 300, 1.5 -> 1, "foo" / 0 / negative -> invalid; absent or null -> 3600.
// - booleans are Psych's: yes/no/on/off/true/false in any case; y and n are strings. `sudo` is Ruby-truthy.
// - os is case-sensitive; linux and windows are valid (windows with permissions gets the official Windows message).
// - files: source and destination are required, kept as written (not stripped).
// - hooks: event -> list of {location (to_s.strip), timeout, runas (to_s.strip), sudo}; a null list is left out,
//   [] stays as an empty hook; event names are not checked here (lifecycle.ts validateHookSet does that).
// - duplicate keys: the last one wins, like Psych. Unknown top-level keys are ignored.
// - file_exists_behavior: DISALLOW | OVERWRITE | RETAIN, exact case.
// - Not the official agent's: an empty/whitespace/null document is APPSPEC_EMPTY with the official text; any other
//   non-map document is APPSPEC_NOT_A_MAP; wrong section types are APPSPEC_INVALID_SHAPE (Ruby would crash).
// - Warning HOOK_TIMEOUT_SUM_EXCEEDED when one event's script timeouts add up past 3600 s (the agent does not check).

import { APPSPEC_MESSAGES } from './messages.js';
import { ParseContext } from './parse-context.js';
import { parseHooks } from './parse-hooks.js';
import { parsePermissions } from './parse-permissions.js';
import { describeRubyType, isRubyHash, rubyToS, rubyTruthy, type RubyHash, type RubyValue } from './ruby-value.js';
import { FILE_EXISTS_BEHAVIORS, type AppSpec, type AppSpecFile, type FileExistsBehavior, type ParseResult } from './types.js';
import { loadYaml } from './yaml-load.js';

export function parseAppSpec(text: string): ParseResult {
  try {
    return parseLoaded(typeof text === 'string' ? text : String(text));
  } catch (e) {
    // Not expected; the contract is "never throws".
    return { ok: false, issues: [{ code: 'INTERNAL', message: `The AppSpec parser failed unexpectedly: ${String(e)}` }], warnings: [] };
  }
}

function parseLoaded(text: string): ParseResult {
  const loaded = loadYaml(text);
  if (!loaded.ok) return { ok: false, issues: loaded.issues, warnings: [] };
  const doc = loaded.value;
  if (doc === null) return { ok: false, issues: [{ code: 'APPSPEC_EMPTY', message: APPSPEC_MESSAGES.empty() }], warnings: [] };
  if (!isRubyHash(doc)) {
    const message = `The AppSpec file must be a map with version, os, files, permissions and hooks, but it is ${describeRubyType(doc)}.`;
    return { ok: false, issues: [{ code: 'APPSPEC_NOT_A_MAP', message }], warnings: [] };
  }

  const ctx = new ParseContext(loaded.plainText);
  const version = parseVersion(ctx, doc.get('version'));
  const os = parseOs(ctx, doc.get('os'));
  const fileExistsBehavior = parseFileExistsBehavior(ctx, doc.get('file_exists_behavior'));
  const hooks = parseHooks(ctx, doc.get('hooks'));
  const files = parseFiles(ctx, doc);
  const osRaw = doc.get('os');
  const permissions = parsePermissions(ctx, doc.get('permissions'), typeof osRaw === 'string' ? osRaw : undefined);

  if (ctx.issues.length > 0 || version === undefined || os === undefined) {
    return { ok: false, issues: ctx.issues, warnings: ctx.warnings };
  }
  const appspec: AppSpec = {
    version,
    os,
    files,
    permissions,
    hooks,
    ...(fileExistsBehavior === undefined ? {} : { fileExistsBehavior }),
  };
  return { ok: true, appspec, warnings: ctx.warnings };
}

function parseVersion(ctx: ParseContext, raw: RubyValue | undefined): number | undefined {
  if (raw === 0 || raw === 0n) return 0;
  if (raw === '0.0') {
    ctx.warn(
      'VERSION_STRING',
      'version is the quoted string "0.0". It is accepted here, but the official CodeDeploy agent rejects a quoted version; write version: 0.0 without quotes.',
      'version',
    );
    return 0;
  }
  ctx.issue('APPSPEC_INVALID_VERSION', APPSPEC_MESSAGES.invalidVersion(rubyToS(raw)), 'version');
  return undefined;
}

function parseOs(ctx: ParseContext, raw: RubyValue | undefined): AppSpec['os'] | undefined {
  if (raw === 'linux' || raw === 'windows') return raw;
  ctx.issue('APPSPEC_UNSUPPORTED_OS', APPSPEC_MESSAGES.unsupportedOs(rubyToS(raw)), 'os');
  return undefined;
}

function parseFileExistsBehavior(ctx: ParseContext, raw: RubyValue | undefined): FileExistsBehavior | undefined {
  if (raw === undefined || raw === null) return undefined;
  const found = FILE_EXISTS_BEHAVIORS.find((b) => b === raw);
  if (found === undefined) {
    ctx.issue('APPSPEC_INVALID_FILE_EXISTS_BEHAVIOR', APPSPEC_MESSAGES.invalidFileExistsBehavior(rubyToS(raw)), 'file_exists_behavior');
  }
  return found;
}

function parseFiles(ctx: ParseContext, doc: RubyHash): AppSpecFile[] {
  const raw = doc.get('files');
  if (!rubyTruthy(raw)) return [];
  if (!Array.isArray(raw)) {
    ctx.shape('files', 'a list of {source, destination} maps', raw);
    return [];
  }
  const files: AppSpecFile[] = [];
  raw.forEach((entry, i) => {
    const path = `files[${i}]`;
    if (!isRubyHash(entry)) {
      ctx.shape(path, 'a map with source and destination', entry);
      return;
    }
    const source = entry.get('source');
    const destination = entry.get('destination');
    if (source === undefined || source === null) {
      ctx.issue('APPSPEC_FILE_NO_SOURCE', APPSPEC_MESSAGES.fileNoSource(), `${path}.source`);
    } else if (destination === undefined || destination === null) {
      ctx.issue('APPSPEC_FILE_NO_DESTINATION', APPSPEC_MESSAGES.fileNoDestination(rubyToS(source)), `${path}.destination`);
    } else {
      files.push({ source: rubyToS(source), destination: rubyToS(destination) });
    }
  });
  return files;
}
