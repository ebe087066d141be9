import t from 'tap';
import { readFileSync } from 'node:fs';
import { ExitCode } from '../../../shared/cli/exit-codes.js';
import {
  ERROR_CODES,
  EdgeError,
  describeError,
  diagnosticOf,
  exitCodeOf,
  isEdgeError,
  toEdgeError,
  type ErrorCode,
  type ErrorCodeInfo,
} from '../../../shared/errors.js';

const entries = Object.entries(ERROR_CODES as Record<string, ErrorCodeInfo>);

t.test('every code is one kind: an agent diagnostic or a CLI exit code, never both, never neither', async (t) => {
  for (const [code, info] of entries) {
    t.match(code, /^[A-Z][A-Z0-9_]+$/, `${code} is SCREAMING_SNAKE`);
    const hasDiagnostic = Object.hasOwn(info, 'diagnostic');
    const hasExit = Object.hasOwn(info, 'exit');
    t.ok(hasDiagnostic !== hasExit, `${code} has exactly one of diagnostic/exit`);
    if (hasDiagnostic) t.ok(Number.isInteger(info.diagnostic) && info.diagnostic! >= 1 && info.diagnostic! <= 7, `${code} diagnostic in 1..7`);
    if (hasExit) t.ok(([ExitCode.FAILED, ExitCode.USAGE, ExitCode.WAITING] as number[]).includes(info.exit!), `${code} exit is 1, 2 or 3`);
    t.ok(Object.hasOwn(info, 'retryable'), `${code} sets retryable explicitly`);
    t.type(info.retryable, 'boolean', `${code} retryable is a boolean`);
    t.ok(info.summary.length > 5, `${code} has a summary`);
    t.ok(info.action.length > 5, `${code} says what to do`);
  }
});

t.test('every code is documented in docs/error-codes.md', async (t) => {
  const doc = readFileSync(new URL('../../../docs/error-codes.md', import.meta.url), 'utf8');
  for (const [code] of entries) t.match(doc, `| \`${code}\` |`, `${code} documented`);
});

t.test('diagnostics for agent codes, exit codes for CLI codes, with the documented fallbacks', async (t) => {
  t.equal(diagnosticOf('HOOK_SCRIPT_MISSING'), 1);
  t.equal(diagnosticOf('AGENT_RESTARTED'), 7);
  t.equal(diagnosticOf('CLI_USAGE'), 5, 'a CLI code reaching a completion report is UnknownError');
  t.equal(exitCodeOf('CLI_USAGE'), ExitCode.USAGE);
  t.equal(exitCodeOf('CONFIG_INVALID'), ExitCode.USAGE);
  t.equal(exitCodeOf('CLI_AWS_CONFIG'), ExitCode.USAGE);
  t.equal(exitCodeOf('FLEET_DEVICE_FAILED'), ExitCode.FAILED);
  t.equal(exitCodeOf('HOOK_SCRIPT_FAILED'), ExitCode.FAILED, 'an agent code ends a command-line run with 1');
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  for (const c of codes) t.ok([1, 2, 3].includes(exitCodeOf(c)) && diagnosticOf(c) >= 1, `${c} maps to both`);
});

t.test('EdgeError carries code, diagnostic, exit and details; guards test the code', async (t) => {
  const e = new EdgeError('HOOK_SCRIPT_TIMED_OUT', 'too slow', { details: { scriptName: 'a.sh' } });
  t.equal(e.diagnostic, 3);
  t.equal(e.exit, 1);
  t.equal(e.retryable, false);
  t.equal(new EdgeError('CONFIG_NOT_FOUND', 'x').exit, 2);
  t.ok(isEdgeError(e, 'HOOK_SCRIPT_TIMED_OUT'));
  t.notOk(isEdgeError(e, 'HOOK_SCRIPT_FAILED'));
  t.notOk(isEdgeError(new Error('x')));
  t.notOk(isEdgeError({ name: 'EdgeError', code: 'NOT_A_CODE' }));
  t.ok(isEdgeError({ name: 'EdgeError', code: 'INTERNAL' }), 'a copy from another module instance still matches');
  const wrapped = toEdgeError(new Error('boom'));
  t.equal(wrapped.code, 'INTERNAL');
  t.equal(wrapped.message, 'boom');
  t.equal(toEdgeError(e), e);
  t.match(describeError(e), /too slow \[HOOK_SCRIPT_TIMED_OUT\] Make the script/);
});
