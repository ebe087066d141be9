// The completion diagnostics JSON sent with PutHostCommandComplete (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_poller.rb and hook_executor.rb): exactly the keys
// error_code, script_name, message, log, in that order, and at most 8192 characters (the service
// model's Payload limit). Pure.
import { stripVTControlCharacters } from 'node:util';
import { diagnosticOf, isEdgeError } from '../../shared/errors.js';

export const DIAGNOSTICS_MAX_CHARS = 8192;

export type CompletionOutcome =
  | { readonly ok: true; readonly noop?: boolean }
  | { readonly ok: false; readonly error: unknown };

interface Diagnostics {
  error_code: number;
  script_name: string;
  message: string;
  log: string;
}

/** Script errors carry the script name and the log tail; the others do not, except the health
 * gate, which names itself as the script and carries its sample as the log. */
const SCRIPT_DIAGNOSTICS: ReadonlySet<number> = new Set([1, 2, 3, 4, 6]);
const SCRIPT_LIKE_CODES: ReadonlySet<string> = new Set(['HEALTH_GATE_UNHEALTHY']);
const TRUNCATED = '…';

const render = (d: Diagnostics): string =>
  JSON.stringify({ error_code: d.error_code, script_name: d.script_name, message: d.message, log: d.log });
const fits = (d: Diagnostics): boolean => render(d).length <= DIAGNOSTICS_MAX_CHARS;

function toDiagnostics(outcome: CompletionOutcome): Diagnostics {
  if (outcome.ok) return { error_code: 0, script_name: '', message: outcome.noop ? 'Succeeded: CompletedNoopCommand' : 'Succeeded: ', log: '' };
  const e = outcome.error;
  if (!isEdgeError(e)) {
    return { error_code: 5, script_name: '', message: e instanceof Error ? e.message : String(e), log: '' };
  }
  const code: number = diagnosticOf(e.code);
  const { scriptName, log } = e.details;
  if (!SCRIPT_DIAGNOSTICS.has(code) && !SCRIPT_LIKE_CODES.has(e.code)) return { error_code: code, script_name: '', message: e.message, log: '' };
  return {
    error_code: code,
    script_name: typeof scriptName === 'string' ? scriptName : '',
    message: e.message,
    log: typeof log === 'string' ? log : '',
  };
}

/** Smallest k in [lo, hi] with ok(k) true, for ok monotone (false…true); hi when none below. */
function firstTrue(lo: number, hi: number, ok: (k: number) => boolean): number {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `s` cut to its first n characters plus a marker, never ending inside a surrogate pair. */
function head(s: string, n: number): string {
  if (n >= s.length) return s;
  const c = s.charCodeAt(n - 1);
  const end = n > 0 && c >= 0xd800 && c <= 0xdbff ? n - 1 : n;
  return s.slice(0, end) + TRUNCATED;
}

/** Trim the log from the front (whole lines), then the message, then the script name, to fit. */
function fit(d: Diagnostics): Diagnostics {
  if (fits(d)) return d;
  const starts = [0];
  for (let i = d.log.indexOf('\n'); i !== -1 && i + 1 < d.log.length; i = d.log.indexOf('\n', i + 1)) starts.push(i + 1);
  starts.push(d.log.length);
  const k = firstTrue(0, starts.length - 1, (j) => fits({ ...d, log: d.log.slice(starts[j]) }));
  const trimmed = { ...d, log: d.log.slice(starts[k]) };
  if (fits(trimmed)) return trimmed;
  for (const key of ['message', 'script_name'] as const) {
    const s = trimmed[key];
    // Largest prefix length that fits = (first length that does not fit) - 1.
    const n = firstTrue(0, s.length, (len) => !fits({ ...trimmed, [key]: head(s, len + 1) }));
    trimmed[key] = head(s, n);
    if (fits(trimmed)) return trimmed;
  }
  return trimmed;
}

/** The completion diagnostics payload for a finished command. */
export function renderCompletionDiagnostics(outcome: CompletionOutcome): string {
  const d = toDiagnostics(outcome);
  // v2: no terminal escape sequences in diagnostics.
  return render(fit({ ...d, message: stripVTControlCharacters(d.message), log: stripVTControlCharacters(d.log) }));
}
