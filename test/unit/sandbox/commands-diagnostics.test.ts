import t from 'tap';
import { LOG_TAIL_BYTES, errorCodeName, logTail, parseCompletionDiagnostics } from '../../../sandbox/commands/diagnostics.js';

t.test('agent error_code → console errorCode', async (t) => {
  const table: [unknown, string][] = [
    [0, 'Success'],
    [1, 'ScriptMissing'],
    [2, 'ScriptNotExecutable'],
    [3, 'ScriptTimedOut'],
    [4, 'ScriptFailed'],
    [5, 'UnknownError'],
    [6, 'UnknownError'],
    [7, 'UnknownError'],
    [42, 'UnknownError'],
    [-1, 'UnknownError'],
    [1.5, 'UnknownError'],
    ['Unknown', 'UnknownError'],
    ['1', 'UnknownError'],
    [null, 'UnknownError'],
    [undefined, 'UnknownError'],
  ];
  for (const [code, name] of table) t.equal(errorCodeName(code), name, `${JSON.stringify(code)} → ${name}`);
});

t.test('parses the four-key completion payload', async (t) => {
  const payload = JSON.stringify({ error_code: 4, script_name: 'scripts/start.sh', message: 'Script at specified location: scripts/start.sh run as user root failed with exit code 1', log: '[stdout]starting\n[stderr]boom\n' });
  t.same(parseCompletionDiagnostics(payload), {
    errorCode: 'ScriptFailed',
    scriptName: 'scripts/start.sh',
    message: 'Script at specified location: scripts/start.sh run as user root failed with exit code 1',
    logTail: '[stdout]starting\n[stderr]boom\n',
  });
  t.same(parseCompletionDiagnostics('{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}'), { errorCode: 'Success', scriptName: '', message: 'Succeeded: ', logTail: '' });
  t.same(
    parseCompletionDiagnostics('{"error_code":"Unknown","script_name":"a.sh","message":"Attempting minimal diagnostics","log":"Exception X occured"}'),
    { errorCode: 'UnknownError', scriptName: 'a.sh', message: 'Attempting minimal diagnostics', logTail: 'Exception X occured' },
    'the agent fallback with a string error_code',
  );
  t.same(parseCompletionDiagnostics('{"error_code":7,"message":5}'), { errorCode: 'UnknownError', scriptName: '', message: '', logTail: '' }, 'missing/mistyped members');
});

t.test('non-object payloads are not diagnostics', async (t) => {
  for (const p of ['', 'nope', '[]', '"x"', '3', 'null']) t.equal(parseCompletionDiagnostics(p), undefined, JSON.stringify(p));
});

t.test('logTail keeps the last 4 KB without splitting characters', async (t) => {
  t.equal(LOG_TAIL_BYTES, 4096);
  t.equal(logTail('short'), 'short');
  const long = 'a'.repeat(5000) + 'END';
  t.equal(logTail(long), long.slice(-4096));
  const multi = 'é'.repeat(3000); // 6000 bytes
  const tail = logTail(multi);
  t.equal(tail, 'é'.repeat(2048));
  t.ok(Buffer.byteLength(tail) <= 4096);
  const odd = 'x' + '€'.repeat(2000); // 3-byte chars: the cut lands mid-character
  const oddTail = logTail(odd);
  t.notMatch(oddTail, /\uFFFD/);
  t.ok(Buffer.byteLength(oddTail) <= 4096 && Buffer.byteLength(oddTail) > 4090);
  t.same(parseCompletionDiagnostics(JSON.stringify({ error_code: 4, log: long }))?.logTail, long.slice(-4096));
});
