import t from 'tap';
import { DIAGNOSTICS_MAX_CHARS, renderCompletionDiagnostics } from '../../../../agent/hooks/diagnostics.js';
import { EdgeError } from '../../../../shared/errors.js';

const scriptError = (code: ConstructorParameters<typeof EdgeError>[0], message: string, log: string, scriptName = 'scripts/a.sh'): EdgeError =>
  new EdgeError(code, message, { details: { scriptName, log } });

t.test('success and no-op payloads are the official strings', async (t) => {
  t.equal(renderCompletionDiagnostics({ ok: true }), '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}');
  t.equal(renderCompletionDiagnostics({ ok: true, noop: false }), '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}');
  t.equal(renderCompletionDiagnostics({ ok: true, noop: true }), '{"error_code":0,"script_name":"","message":"Succeeded: CompletedNoopCommand","log":""}');
});

t.test('script errors carry the code, the location and the log tail', async (t) => {
  const cases = [
    ['HOOK_SCRIPT_MISSING', 1],
    ['HOOK_SCRIPT_NOT_EXECUTABLE', 2],
    ['HOOK_SCRIPT_TIMED_OUT', 3],
    ['HOOK_SCRIPT_FAILED', 4],
    ['HOOK_OUTPUTS_LEFT_OPEN', 6],
  ] as const;
  for (const [code, n] of cases) {
    const json = renderCompletionDiagnostics({ ok: false, error: scriptError(code, 'Script at specified location: scripts/a.sh failed with exit code 1', 'LifecycleEvent - AfterInstall\n[stdout]"quoted"\n') });
    t.equal(json, `{"error_code":${n},"script_name":"scripts/a.sh","message":"Script at specified location: scripts/a.sh failed with exit code 1","log":"LifecycleEvent - AfterInstall\\n[stdout]\\"quoted\\"\\n"}`, code);
  }
  const bare = new EdgeError('HOOK_SCRIPT_FAILED', 'x');
  t.equal(renderCompletionDiagnostics({ ok: false, error: bare }), '{"error_code":4,"script_name":"","message":"x","log":""}', 'missing details → empty strings');
});

t.test('other errors: the registry diagnostic (5 or 7), no script name or log', async (t) => {
  const restart = new EdgeError('AGENT_RESTARTED', 'Failed: Failing in-progress lifecycle event after an agent restart.', { details: { scriptName: 'no', log: 'no' } });
  t.equal(renderCompletionDiagnostics({ ok: false, error: restart }), '{"error_code":7,"script_name":"","message":"Failed: Failing in-progress lifecycle event after an agent restart.","log":""}');
  t.equal(renderCompletionDiagnostics({ ok: false, error: new EdgeError('INSTALL_FILE_EXISTS', 'exists') }), '{"error_code":5,"script_name":"","message":"exists","log":""}');
  t.equal(renderCompletionDiagnostics({ ok: false, error: new TypeError('bad thing') }), '{"error_code":5,"script_name":"","message":"bad thing","log":""}');
  t.equal(renderCompletionDiagnostics({ ok: false, error: 'a string' }), '{"error_code":5,"script_name":"","message":"a string","log":""}');
});

t.test('the health gate names itself as the script and carries its sample as the log', async (t) => {
  const gate = new EdgeError('HEALTH_GATE_UNHEALTHY', 'Health gate: unhealthy', { details: { scriptName: 'edge-agent health gate', log: '[stdout]disk_free fail\n' } });
  t.equal(renderCompletionDiagnostics({ ok: false, error: gate }), '{"error_code":5,"script_name":"edge-agent health gate","message":"Health gate: unhealthy","log":"[stdout]disk_free fail\\n"}');
});

t.test('ANSI escapes are removed from message and log', async (t) => {
  const json = renderCompletionDiagnostics({ ok: false, error: scriptError('HOOK_SCRIPT_FAILED', '\u001b[1mbold\u001b[0m', '[stdout]\u001b[32mgreen\u001b[0m\n') });
  t.equal(json, '{"error_code":4,"script_name":"scripts/a.sh","message":"bold","log":"[stdout]green\\n"}');
});

t.test('the payload never exceeds 8192 characters: the log is trimmed from the front by whole lines', async (t) => {
  const lines = Array.from({ length: 2000 }, (_, i) => `[stdout]line number ${i}\n`);
  const json = renderCompletionDiagnostics({ ok: false, error: scriptError('HOOK_SCRIPT_FAILED', 'failed', lines.join('')) });
  t.ok(json.length <= DIAGNOSTICS_MAX_CHARS, `${json.length} chars`);
  t.ok(json.length > DIAGNOSTICS_MAX_CHARS - 40, 'keeps as much as fits');
  const parsed = JSON.parse(json) as { error_code: number; script_name: string; message: string; log: string };
  t.same(Object.keys(parsed), ['error_code', 'script_name', 'message', 'log']);
  t.match(parsed.log, /^\[stdout\]line number \d+\n/, 'starts at a whole line');
  t.ok(parsed.log.endsWith('[stdout]line number 1999\n'), 'keeps the newest lines');
  t.equal(parsed.message, 'failed');
});

t.test('escaping growth is accounted for', async (t) => {
  const log = Array.from({ length: 600 }, () => `[stdout]${'\u0001'.repeat(20)}\n`).join(''); // 29 chars, ~130 once escaped
  const json = renderCompletionDiagnostics({ ok: false, error: scriptError('HOOK_SCRIPT_FAILED', 'm', log) });
  t.ok(json.length <= DIAGNOSTICS_MAX_CHARS);
  t.ok((JSON.parse(json) as { log: string }).log.startsWith('[stdout]\u0001'), 'starts at a whole line');
});

t.test('a huge message is cut after the log is emptied; then the script name', async (t) => {
  const message = `Script at specified location: x ${'m'.repeat(20000)} 😀`;
  const parsed = JSON.parse(renderCompletionDiagnostics({ ok: false, error: scriptError('HOOK_SCRIPT_FAILED', message, '[stdout]a\n[stdout]b\n') })) as { message: string; log: string };
  t.equal(parsed.log, '');
  t.ok(parsed.message.startsWith('Script at specified location: x mmm'));
  t.ok(parsed.message.endsWith('…'));
  const huge = renderCompletionDiagnostics({ ok: false, error: scriptError('HOOK_SCRIPT_FAILED', 'boom', 'l\n', 's'.repeat(9000)) });
  t.ok(huge.length <= DIAGNOSTICS_MAX_CHARS, `${huge.length}`);
  const h = JSON.parse(huge) as { script_name: string; message: string };
  t.equal(h.message, '…');
  t.ok(h.script_name.startsWith('sss') && h.script_name.endsWith('…'));
  const other = renderCompletionDiagnostics({ ok: false, error: new Error('e'.repeat(10000)) });
  t.ok(other.length <= DIAGNOSTICS_MAX_CHARS);
  t.ok(other.length > DIAGNOSTICS_MAX_CHARS - 5);
});

t.test('a cut never leaves half a surrogate pair', async (t) => {
  for (let pad = 0; pad < 4; pad++) {
    const json = renderCompletionDiagnostics({ ok: false, error: new Error('x'.repeat(pad) + '😀'.repeat(5000)) });
    t.notMatch(json, /\\ud83d(?!\\ude00)/, `pad ${pad}`);
    t.ok(json.length <= DIAGNOSTICS_MAX_CHARS);
    t.notMatch(json, /\\ud8/, 'no escaped lone surrogates');
  }
});
