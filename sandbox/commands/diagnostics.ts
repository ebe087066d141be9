// The agent's PutHostCommandComplete diagnostics payload → CodeDeploy's Diagnostics shape.
// Payload (Format "JSON"): {"error_code": int, "script_name": str, "message": str, "log": str}
// (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_poller.rb and hook_executor.rb). The service keeps the last 4 KB of the log as logTail.
import type { Diagnostics } from '../types.js';

export const LOG_TAIL_BYTES = 4096;

const BY_CODE: Readonly<Record<number, Diagnostics['errorCode']>> = {
  0: 'Success',
  1: 'ScriptMissing',
  2: 'ScriptNotExecutable',
  3: 'ScriptTimedOut',
  4: 'ScriptFailed',
  // 5 UnknownError, 6 outputs left open, 7 failed after an agent restart, and anything else
  // (incl. the agent's `"error_code":"Unknown"` fallback) are shown as UnknownError.
};

/** The console errorCode for an agent error_code. */
export function errorCodeName(code: unknown): Diagnostics['errorCode'] {
  return (typeof code === 'number' && Number.isInteger(code) ? BY_CODE[code] : undefined) ?? 'UnknownError';
}

/** The last `maxBytes` of `log` (UTF-8), never splitting a character. */
export function logTail(log: string, maxBytes = LOG_TAIL_BYTES): string {
  const bytes = Buffer.from(log, 'utf8');
  if (bytes.length <= maxBytes) return log;
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}

/**
 * Parse a completion payload. Returns undefined when it is not a JSON object (the caller decides
 * whether that is an error); missing or mistyped members become empty strings / UnknownError.
 */
export function parseCompletionDiagnostics(payload: string): Diagnostics | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  return {
    errorCode: errorCodeName(v['error_code']),
    scriptName: str(v['script_name']),
    message: str(v['message']),
    logTail: logTail(str(v['log'])),
  };
}
