// The command gate with real /bin/sh processes: the environment a command sees, stdin closed, the
// merged output's tail bounded, exit codes and signals, a timeout that kills the whole group (also a
// background grandchild, and with SIGKILL what ignores SIGTERM), what a finished command left running
// killed, and the groups killed when the controller exits, or (through the watchdog) when it is killed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { checkCommand, runGateCommand, type CommandDeps, type SpawnFn } from '../../../../../controller/rollout/gates/command.js';
import { GATE_DETAIL_BYTES } from '../../../../../controller/rollout/gates/types.js';
import { waitFor } from '../../../../helpers/agent-fleet.js';
import { PROJECT_ROOT, TSX_IMPORT } from '../../../../helpers/cli.js';
import { killGroupOf, processesUnder, trackGroup } from '../../../../helpers/process-groups.js';
import { tempDir } from '../../../../helpers/temp-dir.js';
import { stackTarget } from './gate-fixtures.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

/** Whether a process runs (a zombie does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

/**
 * spawn that returns only once `file` exists: the gate's timeout starts after spawn returns, so the
 * command is known to be running (its grandchild started) when the timeout can fire.
 */
function spawnAwaiting(file: string): SpawnFn {
  return (cmd, args, opts) => {
    const child = spawn(cmd, [...args], opts);
    if (child.pid !== undefined) trackGroup(child.pid);
    const end = Date.now() + 30_000;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(file) && Date.now() < end) Atomics.wait(pause, 0, 0, 10);
    return child;
  };
}

t.test('the environment, stdin closed, stdout and stderr merged, exit 0 passes', async (t) => {
  const ctx = {
    rolloutId: 'app@v1@prod',
    version: 'v1',
    environment: 'prod',
    wave: 'tenants',
    target: stackTarget('t1', '300000000000'),
    outputs: { 'api-url': 'https://t1/api' },
  };
  const run = [
    'echo "$FLEETCTL_ROLLOUT_ID|$FLEETCTL_RELEASE|$FLEETCTL_ENVIRONMENT|$FLEETCTL_WAVE|$FLEETCTL_TARGET|$FLEETCTL_TARGET_KIND"',
    'echo "$FLEETCTL_ACCOUNT|$FLEETCTL_REGION|$FLEETCTL_OUTPUT_API_URL|$FLEETCTL_OUTPUTS_JSON|${FLEETCTL_OUTPUT_OLD-unset}|$KEEP"',
    'echo to-stderr >&2',
    'read line; echo "read=$?"',
  ].join('; ');
  const [r] = await checkCommand({ env: { ...env, KEEP: 'kept', FLEETCTL_OUTPUT_OLD: 'x' } }, { run, timeoutMs: 60_000 }, [ctx]);
  t.same(r, {
    gate: 'command',
    passed: true,
    value: 'exit 0',
    threshold: 'exit 0 within 1m',
    target: 't1',
    detail: [
      'app@v1@prod|v1|prod|tenants|t1|stack',
      '300000000000|eu-west-1|https://t1/api|{"api-url":"https://t1/api"}|unset|kept',
      'to-stderr',
      'read=1',
      '',
    ].join('\n'),
  });
});

t.test("one result per target, in the targets' order", async (t) => {
  const contexts = Array.from({ length: 6 }, (_, i) => ({
    rolloutId: 'r',
    version: 'v',
    environment: 'e',
    wave: 'w',
    target: stackTarget(`t${i}`, '300000000000'),
    outputs: {},
  }));
  const results = await checkCommand(
    { env },
    { run: 'echo "$FLEETCTL_TARGET"; test "$FLEETCTL_TARGET" != t4', timeoutMs: 60_000 },
    contexts,
  );
  t.same(
    results.map((r) => [r.target, r.passed, r.detail]),
    contexts.map((c, i) => [c.target.name, i !== 4, `${c.target.name}\n`]),
  );
});

t.test('exit codes and signals', async (t) => {
  const gate = (run: string) =>
    checkCommand({ env }, { run, timeoutMs: 60_000 }, [
      { rolloutId: 'r', version: 'v', environment: 'e', wave: 'w', target: stackTarget('t1', '300000000000'), outputs: {} },
    ]);
  t.match(await gate('echo failing; exit 3'), [{ passed: false, value: 'exit 3', detail: 'failing\n' }]);
  t.match(await gate('kill -TERM $$'), [{ passed: false, value: 'killed by SIGTERM' }]);
  const [none] = await gate('true');
  t.notOk(none && 'detail' in none, 'no output, no detail');
  t.match(
    await runGateCommand(
      {
        spawn: () => {
          throw new Error('spawn EAGAIN');
        },
      },
      'true',
      env,
      1000,
    ),
    { error: 'spawn EAGAIN' },
  );
});

t.test('only the tail of a long output is kept, control characters replaced', async (t) => {
  const r = await runGateCommand({}, "head -c 100000 /dev/zero | tr '\\0' a; printf '\\033[1mbold\\r\\nEND\\n'", env, 60_000);
  t.equal(r.exitCode, 0);
  t.ok(Buffer.byteLength(r.output) <= GATE_DETAIL_BYTES, `bounded (${Buffer.byteLength(r.output)} bytes)`);
  t.ok(r.output.startsWith('…aaa'), 'cut at the start');
  t.ok(r.output.endsWith('a?[1mbold?\nEND\n'), 'the end kept, escapes replaced');
});

t.test('a timeout kills the whole group, a background grandchild included', async (t) => {
  const dir = tempDir(t, 'gate-cmd');
  const run = 'sleep 1000 & echo $! > child.pid; echo started; echo $$ > leader.pid; sleep 1000';
  const r = await runGateCommand({ cwd: dir, spawn: spawnAwaiting(join(dir, 'leader.pid')) }, run, env, 200);
  t.match(r, { timedOut: true, signal: 'SIGTERM', output: 'started\n' });
  const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
  t.notOk(alive(child), 'the grandchild is gone');
  t.same(processesUnder(dir), [], 'no process of the command remains');
});

t.test('a group that ignores SIGTERM is killed after the grace period', async (t) => {
  const dir = tempDir(t, 'gate-cmd');
  const run = "trap '' TERM; sleep 1000 & echo $$ > leader.pid; sleep 1000";
  const r = await runGateCommand({ cwd: dir, killGraceMs: 100, spawn: spawnAwaiting(join(dir, 'leader.pid')) }, run, env, 200);
  t.match(r, { timedOut: true, signal: 'SIGKILL' });
  t.same(processesUnder(dir), [], 'no process remains');
});

t.test('what a finished command left running in its group is killed', async (t) => {
  const dir = tempDir(t, 'gate-cmd');
  const r = await runGateCommand({ cwd: dir }, 'sleep 1000 & echo $! > child.pid; echo done', env, 60_000);
  t.match(r, { exitCode: 0, timedOut: false, output: 'done\n' });
  t.notOk(alive(Number(readFileSync(join(dir, 'child.pid'), 'utf8'))), 'the background child is gone');
  t.same(processesUnder(dir), []);
});

t.test('the controller exiting kills the groups still running', async (t) => {
  const dir = tempDir(t, 'gate-cmd');
  const hooks = new Set<() => void>();
  const deps: CommandDeps = { cwd: dir, onExit: (fn) => (hooks.add(fn), () => void hooks.delete(fn)) };
  const running = runGateCommand(deps, 'sleep 1000 & echo $$ > leader.pid; sleep 1000', env, 600_000);
  await waitFor(() => existsSync(join(dir, 'leader.pid')), 30_000, 'the command to start');
  t.equal(hooks.size, 1, 'a hook while it runs');
  for (const fn of hooks) fn();
  t.match(await running, { timedOut: false, signal: 'SIGKILL' });
  t.equal(hooks.size, 0, 'the hook removed');
  t.same(processesUnder(dir), []);
});

t.test('a controller killed outright: the watchdog kills the group', async (t) => {
  const dir = tempDir(t, 'gate-cmd');
  const script = join(dir, 'controller.ts');
  const module = join(PROJECT_ROOT, 'controller', 'rollout', 'gates', 'command.ts');
  writeFileSync(
    script,
    [
      `import { runGateCommand } from ${JSON.stringify(module)};`,
      `const run = 'sleep 1000 & echo $! > child.pid; echo $$ > leader.pid; sleep 1000';`,
      `void runGateCommand({ cwd: ${JSON.stringify(dir)} }, run, { PATH: process.env.PATH ?? '' }, 600_000);`,
    ].join('\n'),
  );
  const controller = spawn(process.execPath, ['--import', TSX_IMPORT, script], { cwd: dir, stdio: 'ignore', detached: true });
  trackGroup(controller);
  t.teardown(() => killGroupOf(controller));
  await waitFor(() => existsSync(join(dir, 'leader.pid')) && existsSync(join(dir, 'child.pid')), 60_000, 'the command to start');
  const leader = Number(readFileSync(join(dir, 'leader.pid'), 'utf8'));
  t.ok(alive(leader), 'the command runs');
  process.kill(controller.pid as number, 'SIGKILL'); // the controller alone: its commands are in groups of their own
  await waitFor(() => processesUnder(dir).every((pid) => !alive(pid)), 30_000, 'the command group to die');
  t.notOk(alive(leader));
  t.notOk(alive(Number(readFileSync(join(dir, 'child.pid'), 'utf8'))), 'the grandchild too');
});
