import t from 'tap';
import { addExitCodeHelp, CliSession, commandPath, createProgram, runCli } from '../../../../shared/cli/commander.js';
import { ExitCode } from '../../../../shared/cli/exit-codes.js';
import { EdgeError } from '../../../../shared/errors.js';

function harness(body: (session: CliSession) => (json: boolean | undefined) => Promise<void>) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
  const session = new CliSession();
  const program = createProgram('fleetctl', 'test', '9.8.7', io);
  const run = body(session);
  program
    .command('work')
    .option('--json', 'json')
    .option('--count <n>', 'a number')
    .argument('<what>', 'what')
    .action((_what: string, o: { json?: boolean }) => run(o.json));
  addExitCodeHelp(program);
  return { out, err, go: (...args: string[]) => runCli(program, session, ['node', 'fleetctl', ...args], io) };
}

const ok = (exit: 0 | 1 | 3) => (session: CliSession) => (json: boolean | undefined) =>
  session.run({ command: 'work', schemaVersion: 1, json: json === true, human: (d: { n: number }) => `n=${d.n}\n` }, async () => ({ data: { n: 1 }, exit }));

t.test('results: human or the envelope on stdout, the command’s exit code', async (t) => {
  const h = harness(ok(ExitCode.OK));
  t.equal(await h.go('work', 'x'), 0);
  t.same(h.out, ['n=1\n']);
  const j = harness(ok(ExitCode.FAILED));
  t.equal(await j.go('work', 'x', '--json'), 1);
  t.same(JSON.parse(j.out.join('')), { schema: 'fleetctl.work/v1', n: 1 });
  t.equal(await harness(ok(ExitCode.WAITING)).go('work', 'x'), 3);
});

t.test('usage errors exit 2 with a suggestion; help and version exit 0', async (t) => {
  const h = harness(ok(0));
  t.equal(await h.go('work', 'x', '--jsn'), 2);
  t.match(h.err.join(''), /unknown option '--jsn'\n\(Did you mean --json\?\)/);
  t.equal(await h.go('wrok', 'x'), 2);
  t.match(h.err.join(''), /Did you mean work\?/);
  t.equal(await h.go('work'), 2, 'missing argument');
  t.equal(await h.go('work', 'a', 'b'), 2, 'excess argument');
  t.equal(await h.go('work', 'x', '--count'), 2, 'missing option value');
  t.same(h.out, [], 'nothing on stdout');
  const v = harness(ok(0));
  t.equal(await v.go('-V'), 0);
  t.same(v.out, ['9.8.7\n']);
  const help = harness(ok(0));
  t.equal(await help.go('work', '--help'), 0);
  t.match(help.out.join(''), /Exit codes:\n {2}0 {2}success/);
});

t.test('a thrown error: its exit code, the line on stderr, the error envelope with --json', async (t) => {
  const fail = (session: CliSession) => (json: boolean | undefined) =>
    session.run({ command: 'work', schemaVersion: 1, json: json === true, human: () => '' }, async () => {
      throw new EdgeError('CLI_AWS_CONFIG', 'no region');
    });
  const h = harness(fail);
  t.equal(await h.go('work', 'x', '--json'), 2);
  t.match(JSON.parse(h.out.join('')), { schema: 'fleetctl.work/v1', error: { code: 'CLI_AWS_CONFIG', exit: 2 } });
  t.match(h.err.join(''), /^ERROR: no region \[CLI_AWS_CONFIG\] Set AWS_REGION/);
  const plain = harness((session) => () => session.run({ command: 'work', schemaVersion: 1, json: false, human: () => '' }, () => Promise.reject(new Error('bug'))));
  t.equal(await plain.go('work', 'x'), 1, 'an unexpected error is INTERNAL: the work failed');
  t.same(plain.out, []);
});

t.test('a long-running command: the result is printed first, then its final exit code', async (t) => {
  let release = (): void => {};
  const stopped = new Promise<void>((r) => (release = r));
  const h = harness((session) => () =>
    session.run({ command: 'work', schemaVersion: 1, json: false, human: () => 'up\n' }, async () => ({
      data: {},
      exit: 0,
      untilDone: async () => {
        await stopped;
        return ExitCode.FAILED;
      },
    })),
  );
  const done = h.go('work', 'x');
  await new Promise((r) => setImmediate(r));
  t.same(h.out, ['up\n'], 'printed before it stops');
  release();
  t.equal(await done, 1);
});

t.test('a usage error with --json: the failure envelope on stdout too, named after the command', async (t) => {
  const h = harness(ok(0));
  t.equal(await h.go('work', 'x', '--jsn', '--json'), 2);
  t.match(JSON.parse(h.out.join('')), {
    schema: 'fleetctl.work/v1',
    error: { code: 'CLI_USAGE', message: /^unknown option '--jsn'\n\(Did you mean --json\?\)$/, action: /see --help/, exit: 2 },
  });
  t.match(h.err.join(''), /unknown option '--jsn'/, 'still on stderr');
  const missing = harness(ok(0));
  t.equal(await missing.go('work', '--json'), 2);
  t.match(JSON.parse(missing.out.join('')), { schema: 'fleetctl.work/v1', error: { message: /missing required argument 'what'/ } });
  const unknown = harness(ok(0));
  t.equal(await unknown.go('wrok', '--json'), 2);
  t.match(JSON.parse(unknown.out.join('')), { schema: 'fleetctl/v1', error: { code: 'CLI_USAGE', exit: 2 } }, 'no known command: the program');
  const after = harness(ok(0));
  t.equal(await after.go('work', '--jsn', '--', '--json'), 2);
  t.same(after.out, [], '--json after -- is an operand, not the flag');
});

t.test('commandPath follows subcommands and stops at the first unknown word', async (t) => {
  const io = { out: () => undefined, err: () => undefined };
  const program = createProgram('fleetctl', 'test', '1.0.0', io);
  program.command('sandbox').command('start').option('--dir <d>', 'dir');
  program.command('ls');
  t.same(commandPath(program, ['sandbox', '--verbose', 'start', '--dir', 'x']), ['sandbox', 'start']);
  t.same(commandPath(program, ['ls', 'sandbox']), ['ls'], 'a command without subcommands ends the path');
  t.same(commandPath(program, ['nosuch', 'ls']), []);
  t.same(commandPath(program, ['--', 'ls']), []);
});

t.test('a returned failure: the data with `error` beside it (exit = the run’s), its line on stderr; people get the rendering', async (t) => {
  const failed = (json: boolean) => (session: CliSession) => () =>
    session.run({ command: 'work', schemaVersion: 1, json, human: (d: { n: number }, e?: unknown) => `n=${d.n} ${String(e)}\n` }, async () => ({
      data: { n: 2 },
      exit: ExitCode.USAGE,
      error: new EdgeError('HOOK_SCRIPT_FAILED', 'script failed'),
    }));
  const j = harness(failed(true));
  t.equal(await j.go('work', 'x'), 2);
  t.same(JSON.parse(j.out.join('')), {
    schema: 'fleetctl.work/v1',
    n: 2,
    error: { code: 'HOOK_SCRIPT_FAILED', message: 'script failed', action: 'See scripts.log for its output.', exit: 2 },
  });
  t.match(j.err.join(''), /^ERROR: script failed \[HOOK_SCRIPT_FAILED\]/);
  const h = harness(failed(false));
  t.equal(await h.go('work', 'x'), 2);
  t.same(h.out, ['n=2 EdgeError: script failed\n'], 'the human rendering gets the error');
  t.same(h.err, [], 'and shows it itself');
});
