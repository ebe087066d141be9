// Real child processes, scripts generated into t.testdir.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { runHookScripts, type HookScript, type RunHookScriptsRequest } from '../../../../agent/hooks/hook-runner.js';
import { buildHookEnv } from '../../../../agent/hooks/script-env.js';
import { SCRIPT_LOG_TAIL_LIMIT } from '../../../../agent/hooks/script-log.js';
import { isEdgeError, type EdgeError } from '../../../../shared/errors.js';
import { logLines, makeArchive, running } from './fixtures.js';

const sh = (body: string): string => `#!/bin/sh\n${body}\n`;
const script = (location: string, extra: Partial<HookScript> = {}): HookScript => ({ location, timeout: 30, sudo: false, ...extra });
const env = buildHookEnv(process.env, { LIFECYCLE_EVENT: 'AfterInstall', DEPLOYMENT_ID: 'd-1', APPLICATION_NAME: 'app', DEPLOYMENT_GROUP_NAME: 'grp', DEPLOYMENT_GROUP_ID: 'gid' });

type Archive = ReturnType<typeof makeArchive>;
const request = (a: Archive, scripts: HookScript[], extra: Partial<RunHookScriptsRequest> = {}): RunHookScriptsRequest => ({
  event: 'AfterInstall',
  scripts,
  archiveDir: a.archiveDir,
  env,
  log: a.log,
  ...extra,
});

/** Run and return the EdgeError it must throw. */
async function failure(t: Test, req: RunHookScriptsRequest): Promise<EdgeError> {
  try {
    await runHookScripts(req);
  } catch (e) {
    if (isEdgeError(e)) return e;
    throw e;
  }
  t.fail('expected runHookScripts to throw');
  throw new Error('unreachable');
}

const pidsIn = (e: EdgeError, label: string): number[] =>
  [...String(e.details.log).matchAll(new RegExp(`${label} (\\d+)`, 'g'))].map((m) => Number(m[1]));

t.test('runs scripts in order and writes scripts.log in the official format', async (t) => {
  const a = makeArchive(t, {
    'scripts/a.sh': sh('echo one\necho warn >&2\necho two'),
    'scripts/b.sh': sh('printf "last line without newline"'),
  });
  await runHookScripts(request(a, [script('scripts/a.sh'), script('/scripts/b.sh')]));
  for (const line of readFileSync(a.logPath, 'utf8').trimEnd().split('\n')) t.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (LifecycleEvent - |Script - |\[stdout\]|\[stderr\])/);
  const lines = logLines(a.logPath);
  t.equal(lines[0], 'LifecycleEvent - AfterInstall');
  t.equal(lines[1], 'Script - scripts/a.sh');
  t.same(lines.filter((l) => l.startsWith('[stdout]')), ['[stdout]one', '[stdout]two', '[stdout]last line without newline']);
  t.ok(lines.indexOf('[stderr]warn') > 1 && lines.indexOf('[stderr]warn') < lines.indexOf('Script - /scripts/b.sh'), 'stderr logged within its script');
  t.equal(lines.filter((l) => l.startsWith('LifecycleEvent')).length, 1, 'one event line');
});

t.test('no scripts: nothing runs and nothing is logged', async (t) => {
  const a = makeArchive(t, {});
  await runHookScripts(request(a, []));
  t.throws(() => statSync(a.logPath));
});

t.test('hooks see the CodeDeploy variables and no secrets', async (t) => {
  const a = makeArchive(t, { 'env.sh': sh('env') });
  const base = { PATH: process.env.PATH, AWS_SECRET_ACCESS_KEY: 'fake-secret', AWS_ACCESS_KEY_ID: 'AKIAFAKE', API_TOKEN: 'tok', AWS_REGION: 'eu-west-1' };
  const hookEnv = buildHookEnv(base, { LIFECYCLE_EVENT: 'ValidateService', DEPLOYMENT_ID: 'd-XYZ', APPLICATION_NAME: 'app', DEPLOYMENT_GROUP_NAME: 'grp', DEPLOYMENT_GROUP_ID: 'gid-9', BUNDLE_COMMIT: 'abc123' });
  await runHookScripts(request(a, [script('env.sh')], { env: hookEnv, event: 'ValidateService' }));
  const lines = logLines(a.logPath);
  for (const v of ['LIFECYCLE_EVENT=ValidateService', 'DEPLOYMENT_ID=d-XYZ', 'APPLICATION_NAME=app', 'DEPLOYMENT_GROUP_NAME=grp', 'DEPLOYMENT_GROUP_ID=gid-9', 'BUNDLE_COMMIT=abc123', 'AWS_REGION=eu-west-1']) {
    t.ok(lines.includes(`[stdout]${v}`), v);
  }
  const text = lines.join('\n');
  t.notMatch(text, /fake-secret|AKIAFAKE|API_TOKEN|AWS_SECRET_ACCESS_KEY/);
});

t.test('missing script: code 1 with the absolute path; later scripts do not run', async (t) => {
  const a = makeArchive(t, { 'after.sh': sh('echo should-not-run') });
  const e = await failure(t, request(a, [script('scripts/nope.sh'), script('after.sh')]));
  t.equal(e.code, 'HOOK_SCRIPT_MISSING');
  t.equal(e.diagnostic, 1);
  t.equal(e.message, `Script does not exist at specified location: ${join(a.archiveDir, 'scripts/nope.sh')}`);
  t.same(e.details, { scriptName: 'scripts/nope.sh', log: 'LifecycleEvent - AfterInstall\n' });
  t.notMatch(logLines(a.logPath).join('\n'), /should-not-run/);
});

t.test('a location that leaves the revision is refused', async (t) => {
  const a = makeArchive(t, { 'link.sh': sh('echo hi') });
  writeFileSync(join(a.dir, 'outside.sh'), sh('echo escaped'), { mode: 0o755 });
  const e = await failure(t, request(a, [script('../outside.sh')]));
  t.equal(e.code, 'HOOK_SCRIPT_MISSING');
  t.match(e.message, /^Script at specified location: \.\.\/outside\.sh leaves the revision/);
  t.equal(e.details.scriptName, '../outside.sh');
  // A symlink inside the archive that points out of it is refused too.
  execFileSync('ln', ['-sf', '../outside.sh', join(a.archiveDir, 'link.sh')]);
  const l = await failure(t, request(a, [script('link.sh')]));
  t.equal(l.code, 'HOOK_SCRIPT_MISSING');
  t.match(l.message, /leaves the revision/);
  t.notMatch(logLines(a.logPath).join('\n'), /escaped/);
});

t.test('a non-executable script is made executable (chmod +x) and runs', async (t) => {
  const a = makeArchive(t, { 'plain.sh': { body: sh('echo ran'), mode: 0o640 } });
  const warnings: string[] = [];
  await runHookScripts(request(a, [script('plain.sh')], { logger: { warn: (_o, msg) => warnings.push(msg) } }));
  t.equal(statSync(join(a.archiveDir, 'plain.sh')).mode & 0o777, 0o751);
  t.ok(logLines(a.logPath).includes('[stdout]ran'));
  t.same(warnings, ['hook script is not executable; trying chmod +x']);
});

t.test('chmod failure: code 2 with the official message', async (t) => {
  const a = makeArchive(t, { 'plain.sh': { body: sh('echo ran'), mode: 0o644 } });
  const e = await failure(t, request(a, [script('plain.sh')], { chmod: () => Promise.reject(Object.assign(new Error('EROFS'), { code: 'EROFS' })), logger: pino({ level: 'silent' }) }));
  t.equal(e.code, 'HOOK_SCRIPT_NOT_EXECUTABLE');
  t.equal(e.message, 'Unable to set script at specified location: plain.sh as executable');
  t.equal(e.details.scriptName, 'plain.sh');
  t.match(e.cause, { code: 'EROFS' });
});

t.test('non-zero exit: code 4, official message, output in the tail', async (t) => {
  const a = makeArchive(t, { 'ok.sh': sh('echo fine'), 'fail.sh': sh('echo about to fail\necho bad >&2\nexit 3') });
  const e = await failure(t, request(a, [script('ok.sh'), script('fail.sh')]));
  t.equal(e.code, 'HOOK_SCRIPT_FAILED');
  t.equal(e.message, 'Script at specified location: fail.sh failed with exit code 3');
  t.equal(e.details.scriptName, 'fail.sh');
  const log = String(e.details.log);
  t.match(log, /^LifecycleEvent - AfterInstall\nScript - ok\.sh\n\[stdout\]fine\nScript - fail\.sh\n/);
  t.match(log, /\[stdout\]about to fail\n/);
  t.match(log, /\[stderr\]bad\n/);
});

t.test('killed by a signal: empty exit code, as official', async (t) => {
  const a = makeArchive(t, { 'die.sh': sh('kill -9 $$') });
  const e = await failure(t, request(a, [script('die.sh')]));
  t.equal(e.message, 'Script at specified location: die.sh failed with exit code ');
});

t.test('spawn error (bad interpreter): code 4 with the error class and message', async (t) => {
  const a = makeArchive(t, { 'bad.sh': '#!/nonexistent/interpreter\necho no\n' });
  const e = await failure(t, request(a, [script('bad.sh')]));
  t.equal(e.code, 'HOOK_SCRIPT_FAILED');
  t.equal(e.message, `Script at specified location: bad.sh failed with error Error with message spawn ${join(a.archiveDir, 'bad.sh')} ENOENT`);
});

t.test('a script without a shebang runs under /bin/sh (as with Ruby)', async (t) => {
  const a = makeArchive(t, { 'nobang.sh': 'echo via sh\n' });
  await runHookScripts(request(a, [script('nobang.sh')]));
  t.ok(logLines(a.logPath).includes('[stdout]via sh'));
});

t.test('timeout: SIGTERM, then SIGKILL after the grace; returns promptly and the group is dead', async (t) => {
  const a = makeArchive(t, { 'stubborn.sh': "#!/bin/bash\ntrap '' TERM\necho \"pid $$\"\nsleep 60 &\necho \"child $!\"\nwait\nwait\n" });
  const started = performance.now();
  const e = await failure(t, request(a, [script('stubborn.sh', { timeout: 1 })], { killGraceMs: 500 }));
  const elapsed = performance.now() - started;
  t.ok(elapsed < 3000, `returned after ${Math.round(elapsed)} ms`);
  t.ok(elapsed >= 1400, 'waited for the timeout and the grace');
  t.equal(e.code, 'HOOK_SCRIPT_TIMED_OUT');
  t.equal(e.diagnostic, 3);
  t.equal(e.message, 'Script at specified location: stubborn.sh failed to complete in 1 seconds');
  const pids = [...pidsIn(e, 'pid'), ...pidsIn(e, 'child')];
  t.equal(pids.length, 2, 'both pids were printed');
  for (const pid of pids) t.notOk(running(pid), `pid ${pid} is dead`);
});

t.test('timeout: a script that obeys SIGTERM does not wait for the grace', async (t) => {
  const a = makeArchive(t, { 'slow.sh': sh('echo "pid $$"\nsleep 60') });
  const started = performance.now();
  const e = await failure(t, request(a, [script('slow.sh', { timeout: 1 })], { killGraceMs: 5000 }));
  t.ok(performance.now() - started < 2500);
  t.equal(e.code, 'HOOK_SCRIPT_TIMED_OUT');
  for (const pid of pidsIn(e, 'pid')) t.notOk(running(pid));
});

for (const [stream, redirect] of [['STDOUT', '2>/dev/null'], ['STDERR', '>/dev/null']] as const) {
  t.test(`a background child holding ${stream} open: code 6 within the drain period, child stopped`, async (t) => {
    const a = makeArchive(t, { 'bg.sh': sh(`(sleep 30 ${redirect} &\necho "bg $!")\necho done`) });
    const started = performance.now();
    const e = await failure(t, request(a, [script('bg.sh')], { outputDrainMs: 300, killGraceMs: 1000 }));
    const elapsed = performance.now() - started;
    t.ok(elapsed < 2000, `returned after ${Math.round(elapsed)} ms`);
    t.equal(e.code, 'HOOK_OUTPUTS_LEFT_OPEN');
    t.equal(e.diagnostic, 6);
    t.equal(e.message, `Script at specified location: bg.sh failed to close ${stream}`);
    t.match(String(e.details.log), /\[stdout\]done\n/);
    const [bg] = pidsIn(e, 'bg');
    t.ok(bg, 'background pid printed');
    t.notOk(running(bg as number), 'background child was stopped');
  });
}

t.test('the drain period never runs past the script deadline', async (t) => {
  const a = makeArchive(t, { 'bg.sh': sh('sleep 30 &\nsleep 0.5') });
  const started = performance.now();
  const e = await failure(t, request(a, [script('bg.sh', { timeout: 1 })], { outputDrainMs: 10000, killGraceMs: 200 }));
  t.equal(e.code, 'HOOK_OUTPUTS_LEFT_OPEN');
  t.ok(performance.now() - started < 2500);
});

t.test('output: ANSI stripped, CRLF handled, tail bounded to whole entries', async (t) => {
  const a = makeArchive(t, {
    'colour.sh': sh(`printf '\\033[31mred\\033[0m\\r\\n'\ni=0\nwhile [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); done\nexit 1`),
  });
  const e = await failure(t, request(a, [script('colour.sh')]));
  const lines = logLines(a.logPath);
  t.equal(lines[2], '[stdout]red');
  const log = String(e.details.log);
  t.ok(log.length <= SCRIPT_LOG_TAIL_LIMIT, `tail ${log.length}`);
  t.match(log, /^\[stdout\]line \d+\n/, 'whole entries');
  t.match(log, /\[stdout\]line 399\n$/);
});

t.test('abort: a running script is stopped and the event fails', async (t) => {
  const a = makeArchive(t, { 'long.sh': sh('echo "pid $$"\nsleep 60'), 'next.sh': sh('echo next') });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const started = performance.now();
  const e = await failure(t, request(a, [script('long.sh'), script('next.sh')], { signal: ac.signal, killGraceMs: 500 }));
  t.ok(performance.now() - started < 2000);
  t.equal(e.code, 'HOOK_SCRIPT_FAILED');
  t.equal(e.message, 'Script at specified location: long.sh was stopped because the agent is shutting down');
  for (const pid of pidsIn(e, 'pid')) t.notOk(running(pid));
  t.notOk(logLines(a.logPath).includes('[stdout]next'));
});

t.test('abort before a script starts: it never runs', async (t) => {
  const b = makeArchive(t, { 'x.sh': sh('echo x') });
  const pre = await failure(t, request(b, [script('x.sh')], { signal: AbortSignal.abort() }));
  t.equal(pre.message, 'Script at specified location: x.sh was stopped because the agent is shutting down');
  t.same(logLines(b.logPath), ['LifecycleEvent - AfterInstall']);
});

t.test('abort while waiting for the outputs to close', async (t) => {
  const a = makeArchive(t, { 'bg.sh': sh('sleep 30 &\necho "bg $!"') });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const e = await failure(t, request(a, [script('bg.sh')], { signal: ac.signal, outputDrainMs: 5000, killGraceMs: 500 }));
  t.equal(e.code, 'HOOK_SCRIPT_FAILED');
  t.match(e.message, /stopped because the agent is shutting down/);
  for (const pid of pidsIn(e, 'bg')) t.notOk(running(pid));
});

t.test('runas: the script runs as that user through su', async (t) => {
  const user = 'edgehooktest';
  try {
    execFileSync('id', ['-u', user], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', user], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`runas test needs the user ${user}; useradd failed (are we root, is useradd installed?): ${String(e)}`, { cause: e });
    }
  }
  const a = makeArchive(t, { 'who.sh': sh('id -un\necho "event=$LIFECYCLE_EVENT"'), 'fail.sh': sh('exit 2') });
  await runHookScripts(request(a, [script('who.sh', { runas: user })]));
  const lines = logLines(a.logPath);
  t.ok(lines.includes(`[stdout]${user}`), 'id -un printed the runas user');
  t.ok(lines.includes('[stdout]event=AfterInstall'), 'su keeps the environment');
  const e = await failure(t, request(a, [script('fail.sh', { runas: user })]));
  t.equal(e.message, `Script at specified location: fail.sh run as user ${user} failed with exit code 2`);
});

t.test('a properly detached background process is left running and the hook succeeds', async (t) => {
  const a = makeArchive(t, { 'daemon.sh': sh('sleep 30 >/dev/null 2>&1 </dev/null &\necho "bg $!"') });
  await runHookScripts(request(a, [script('daemon.sh')], { outputDrainMs: 300 }));
  const line = logLines(a.logPath).find((l) => l.startsWith('[stdout]bg '));
  const pid = Number(line?.slice('[stdout]bg '.length));
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  t.ok(running(pid), 'the daemon still runs');
});

t.test('spawn throwing synchronously (invalid env) is a script failure too', async (t) => {
  const a = makeArchive(t, { 'x.sh': sh('echo x') });
  const e = await failure(t, request(a, [script('x.sh')], { env: { BAD: 'a\u0000b' } }));
  t.equal(e.code, 'HOOK_SCRIPT_FAILED');
  t.match(e.message, /^Script at specified location: x\.sh failed with error TypeError with message /);
});

t.test('tracking: the token is recorded before the spawn and carried by the script; then its group and start time', async (t) => {
  const a = makeArchive(t, { 'tok.sh': sh('echo "$EDGE_AGENT_HOOK_TOKEN $$"'), 'missing-next.sh': sh('exit 3') });
  const events: string[] = [];
  let token = '';
  await failure(
    t,
    request(a, [script('tok.sh'), script('missing-next.sh')], {
      tracking: {
        starting: (s, tok) => {
          token ||= tok;
          events.push(`starting ${s}`);
        },
        started: (pgid, startTime) => events.push(`started ${pgid} ${typeof startTime}`),
        ended: () => events.push('ended'),
      },
    }),
  );
  const [line] = logLines(a.logPath).filter((l) => l.startsWith('[stdout]'));
  const [seenToken, pid] = (line ?? '').replace('[stdout]', '').split(' ');
  t.ok(token.length >= 32 && seenToken === token, 'the script saw the recorded token', { line, token });
  t.same(events.slice(0, 3), ['starting tok.sh', `started ${pid} number`, 'ended'], 'its pid leads its group; the start time is read');
  t.same(events.slice(3).map((e) => e.replace(/\d+/, 'N')), ['starting missing-next.sh', 'started N number', 'ended'], 'a failing script is ended too');
});
