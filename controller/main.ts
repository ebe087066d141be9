#!/usr/bin/env node
// fleetctl composition root: the only place that reads process.env, writes to stdout/stderr and sets
// the exit code. Commands are defined here (flags only) and imported when they run.
import { Option } from 'commander';
import { addExitCodeHelp, CliSession, createProgram, runCli, type CliIo } from '../shared/cli/commander.js';
import type { LimitFlags } from '../sandbox/limits/limits-config.js';
import { fleetCommands, positiveInt } from './cli/fleet-options.js';
import { processRolloutDeps } from './cli/rollout-process.js';
import { releaseCommands } from './cli/release-options.js';
import { rolloutCommands } from './cli/rollout-options.js';
import { createReporter, streamSink } from './output/progress.js';
import { CONTROLLER_VERSION } from './version.js';

// The AWS SDK warns on Node 20 that future versions need Node 22; fleetctl supports both.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const io: CliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };
const session = new CliSession();
// positional options: the root's -V/-h count only before the subcommand (`release push --version V`)
const program = createProgram('fleetctl', 'fleet controller for edge-agent devices', CONTROLLER_VERSION, io).enablePositionalOptions();

program
  .command('validate')
  .description('validate the AppSpec of a revision folder (or an AppSpec file) before release')
  .argument('<path>', 'revision folder or AppSpec file')
  .option('-A, --appspec-filename <name>', 'AppSpec file name inside a folder', 'appspec.yml')
  .option('--json', 'print one JSON document (schema fleetctl.validate/v1)')
  .action(async (path: string, opts: { appspecFilename: string; json?: boolean }) => {
    const { validate, renderValidateReport } = await import('./commands/validate.js');
    await session.run({ command: 'validate', schemaVersion: 1, json: opts.json === true, human: renderValidateReport }, () =>
      validate(path, { appspecFilename: opts.appspecFilename }),
    );
  });

fleetCommands(program, {
  session,
  fleetDeps: (o) => ({
    env: process.env,
    logStream: process.stderr,
    git: (...a) => import('./commands/bundle-dir.js').then((m) => m.runGit(...a)),
    reporter: createReporter(streamSink(process.stderr), { quiet: o.json === true }),
  }),
});

releaseCommands(program, { session, env: process.env });

rolloutCommands(program, {
  session,
  rolloutDeps: () =>
    processRolloutDeps({
      env: process.env,
      stderr: process.stderr,
      self: [process.execPath, ...process.execArgv, process.argv[1] ?? ''],
      pid: process.pid,
      onceSignal: (sig, handler) => void process.once(sig, handler),
    }),
});

const sandbox = program.command('sandbox').description('the local AWS stand-in (no AWS account needed)');
sandbox
  .command('start')
  .description('serve STS, IAM, S3, CodeDeploy and the CodeDeploy Commands API on loopback until interrupted')
  .option('--dir <dir>', 'keep state, credentials and the CA here (default: a new temporary directory); one sandbox per folder')
  .addOption(
    new Option('--port-base <port>', 'port of the AWS API endpoint (all HTTP services); the MQTT broker uses port+1 and the IoT credentials provider port+2 (default: free ports)').argParser(positiveInt),
  )
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--config <file>', 'sandbox config (region, pipelineAccountId, tenants)')
  .option('--pickup-timeout <seconds>', 'fail a lifecycle command no host picked up within this time (default 300)', positiveInt)
  .option('--tps <list>', 'requests per second per operation, e.g. RegisterOnPremisesInstance=5,codedeploy:ListOnPremisesInstances=2')
  .option('--tps-default <n>', 'requests per second for every other operation (not the Commands API)')
  .option('--latency-ms <n|list>', 'delay added to every answer (not the Commands API), or per operation: Op=N,...')
  .option('--throttle-rate <p>', 'probability 0..1 that a request gets the throttling error anyway (not the Commands API)')
  .option('--throttle-seed <n>', 'seed for --throttle-rate, for reproducible runs')
  .option('--json', 'print one JSON document once every listener is up (schema fleetctl.sandbox.start/v1)')
  .action(async (opts: { dir?: string; portBase?: number; host: string; config?: string; pickupTimeout?: number; json?: boolean } & LimitFlags) => {
    const { sandboxStart, renderSandboxInfo } = await import('./commands/sandbox-start.js');
    const stop = new AbortController();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
    await session.run({ command: 'sandbox.start', schemaVersion: 1, json: opts.json === true, human: renderSandboxInfo }, () =>
      sandboxStart(
        {
          host: opts.host,
          ...(opts.dir ? { dir: opts.dir } : {}),
          ...(opts.config ? { config: opts.config } : {}),
          ...(opts.portBase !== undefined ? { port: opts.portBase } : {}),
          ...(opts.pickupTimeout !== undefined ? { pickupTimeoutSeconds: opts.pickupTimeout } : {}),
          limits: { tps: opts.tps, tpsDefault: opts.tpsDefault, latencyMs: opts.latencyMs, throttleRate: opts.throttleRate, throttleSeed: opts.throttleSeed },
        },
        { stop: stop.signal, now: () => performance.now(), note: (line) => void process.stderr.write(`${line}\n`) },
      ),
    );
  });

addExitCodeHelp(program);
void (async () => {
  const code = await runCli(program, session, process.argv, io);
  // exit explicitly once stdout is flushed: SDK sockets or timers must not keep the process alive
  process.stdout.write('', () => process.exit(code));
})();
