import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { SCRIPT_LOG_TAIL_LIMIT, ScriptLog, formatLocalTimestamp, keepLastChars } from '../../../../agent/hooks/script-log.js';

const fixed = (): Date => new Date(2024, 4, 1, 9, 3, 7, 45); // local time 2024-05-01 09:03:07.045

t.test('writes the official scripts.log format and creates the logs folder', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'grp', 'd-1', 'logs', 'scripts.log');
  const log = new ScriptLog({ path, now: fixed });
  log.beginEvent('AfterInstall');
  log.beginScript('scripts/a.sh');
  log.stdout('hello');
  log.stderr('oops');
  log.output('stdout', ['one', 'two']);
  log.output('stderr', []);
  t.equal(
    readFileSync(path, 'utf8'),
    [
      '2024-05-01 09:03:07 LifecycleEvent - AfterInstall',
      '2024-05-01 09:03:07 Script - scripts/a.sh',
      '2024-05-01 09:03:07 [stdout]hello',
      '2024-05-01 09:03:07 [stderr]oops',
      '2024-05-01 09:03:07 [stdout]one',
      '2024-05-01 09:03:07 [stdout]two',
      '',
    ].join('\n'),
  );
  t.equal(log.tail(), 'LifecycleEvent - AfterInstall\nScript - scripts/a.sh\n[stdout]hello\n[stderr]oops\n[stdout]one\n[stdout]two\n');
  t.equal(log.path, path);
});

t.test('appends to an existing log and uses the real clock by default', async (t) => {
  const dir = t.testdir({ logs: { 'scripts.log': 'earlier\n' } });
  const path = join(dir, 'logs', 'scripts.log');
  new ScriptLog({ path }).beginEvent('ApplicationStart');
  const lines = readFileSync(path, 'utf8').split('\n');
  t.equal(lines[0], 'earlier');
  t.match(lines[1], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d LifecycleEvent - ApplicationStart$/);
});

t.test('local timestamps are zero padded', async (t) => {
  t.equal(formatLocalTimestamp(new Date(2031, 11, 31, 23, 59, 58)), '2031-12-31 23:59:58');
  t.equal(formatLocalTimestamp(new Date(2001, 0, 2, 3, 4, 5)), '2001-01-02 03:04:05');
});

t.test('mirrors lines to the deployments log with milliseconds and the deployment id', async (t) => {
  const dir = t.testdir();
  const deploymentsLogPath = join(dir, 'deployment-logs', 'codedeploy-agent-deployments.log');
  const log = new ScriptLog({ path: join(dir, 'logs', 'scripts.log'), deploymentsLogPath, deploymentId: 'd-ABC123', now: fixed });
  log.beginEvent('ValidateService');
  log.stdout('  padded  ');
  t.equal(
    readFileSync(deploymentsLogPath, 'utf8'),
    '[2024-05-01 09:03:07.045] [d-ABC123]LifecycleEvent - ValidateService\n[2024-05-01 09:03:07.045] [d-ABC123][stdout]  padded\n',
  );
  t.equal(readFileSync(join(dir, 'logs', 'scripts.log'), 'utf8').split('\n')[1], '2024-05-01 09:03:07 [stdout]  padded  ');
});

t.test('no mirror without a deployment id', async (t) => {
  const dir = t.testdir();
  const log = new ScriptLog({ path: join(dir, 'logs', 'scripts.log'), deploymentsLogPath: join(dir, 'dl', 'x.log') });
  log.beginEvent('E');
  t.throws(() => readFileSync(join(dir, 'dl', 'x.log')));
});

t.test('ANSI escape sequences are stripped from the file and the tail', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'scripts.log');
  const log = new ScriptLog({ path, now: fixed });
  log.beginEvent('E');
  log.stdout('\u001b[31mred\u001b[0m \u001b]0;title\u0007plain \u001b[2K\u001b[1Gdone');
  t.equal(log.tail(), 'LifecycleEvent - E\n[stdout]red plain done\n');
  t.match(readFileSync(path, 'utf8'), /\[stdout\]red plain done\n$/);
  t.notOk(readFileSync(path, 'utf8').includes('\u001b'));
});

t.test('tail: the newest whole entries within 2048 characters, reset per event', async (t) => {
  const dir = t.testdir();
  const log = new ScriptLog({ path: join(dir, 'scripts.log'), now: fixed });
  log.beginEvent('First');
  log.stdout('from the first event');
  log.beginEvent('Second');
  t.equal(log.tail(), 'LifecycleEvent - Second\n');
  for (let i = 0; i < 500; i++) log.stdout(`line ${i}`);
  const tail = log.tail();
  t.ok(tail.length <= SCRIPT_LOG_TAIL_LIMIT, `tail is ${tail.length} chars`);
  t.ok(tail.length > SCRIPT_LOG_TAIL_LIMIT - 20, 'as many whole lines as fit');
  t.match(tail, /^\[stdout\]line \d+\n/, 'starts with a whole entry');
  t.match(tail, /\[stdout\]line 499\n$/);
  t.notMatch(tail, /First|Second/);
});

t.test('tail: Ruby off-by-ones fixed at the 2048 boundary', async (t) => {
  const dir = t.testdir();
  const log = new ScriptLog({ path: join(dir, 'scripts.log'), now: fixed });
  log.beginEvent('E'); // 'LifecycleEvent - E\n' = 19 chars
  const exact = 'x'.repeat(SCRIPT_LOG_TAIL_LIMIT - 19 - '[stdout]\n'.length);
  log.stdout(exact);
  t.equal(log.tail().length, SCRIPT_LOG_TAIL_LIMIT, 'exactly 2048 is kept whole');
  t.match(log.tail(), /^LifecycleEvent - E\n/);
  log.stdout('y');
  t.equal(log.tail(), `[stdout]${exact}\n[stdout]y\n`, 'one more char drops the oldest entry');
  // Ruby keeps 10 + 2040 (2050 > 2048); we never exceed the limit.
  log.beginEvent('E');
  log.stdout('x'); // '[stdout]x\n' = 10 chars
  const big = `[stdout]${'z'.repeat(2031)}\n`; // 2040 chars
  log.stdout('z'.repeat(2031));
  t.equal(log.tail(), big, 'only the 2040-char entry is kept');
});

t.test('tail: one huge entry keeps its last 2048 characters instead of vanishing', async (t) => {
  const dir = t.testdir();
  const log = new ScriptLog({ path: join(dir, 'scripts.log'), now: fixed });
  log.beginEvent('E');
  const huge = `${'a'.repeat(5000)}END`;
  log.stderr(huge);
  const tail = log.tail();
  t.equal(tail.length, SCRIPT_LOG_TAIL_LIMIT);
  t.ok(tail.endsWith('aEND\n'));
  log.stdout('next');
  t.equal(log.tail(), '[stdout]next\n', 'the cut entry goes first when more arrives');
  t.ok(readFileSync(join(dir, 'scripts.log'), 'utf8').includes(huge), 'the file keeps the whole line');
});

t.test('keepLastChars never splits a surrogate pair', async (t) => {
  t.equal(keepLastChars('abc', 5), 'abc');
  t.equal(keepLastChars('a😀b', 2), 'b', 'drops the orphaned low surrogate');
  t.equal(keepLastChars('a😀b', 3), '😀b');
});

t.test('a failing write does not throw; the tail keeps the line and the error is reported', async (t) => {
  const dir = t.testdir({ logs: { 'scripts.log': {} } }); // a folder where the file should be
  const errors: string[] = [];
  const log = new ScriptLog({ path: join(dir, 'logs', 'scripts.log'), now: fixed, onWriteError: (_e, p) => errors.push(p) });
  log.beginEvent('E');
  log.stdout('kept');
  t.equal(log.tail(), 'LifecycleEvent - E\n[stdout]kept\n');
  t.equal(errors.length, 2);
  t.match(log.writeError, { code: 'EISDIR' });
  const quiet = new ScriptLog({ path: join(dir, 'logs', 'scripts.log') });
  quiet.stdout('no callback');
  t.ok(quiet.writeError);
});
