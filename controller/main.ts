#!/usr/bin/env node
// fleetctl composition root. Fleet registration and rollouts arrive with their issues; for now
// fleetctl offers the one thing the shared AppSpec model already supports: validating a bundle.
import { Command } from 'commander';
import { describeError, isEdgeError } from '../shared/errors.js';
import type { LimitFlags } from '../sandbox/limits/limits-config.js';
import { fleetCommands } from './commands/fleet.js';
import { validateBundleCommand } from './commands/validate.js';

const program = new Command('fleetctl').description('fleet controller for edge-agent devices').version('0.1.0');
program
  .command('validate')
  .description('validate the AppSpec of a revision folder (or an AppSpec file) before release')
  .argument('<path>', 'revision folder or AppSpec file')
  .option('-A, --appspec-filename <name>', 'AppSpec file name inside a folder', 'appspec.yml')
  .option('--json', 'print one JSON document')
  .action((path: string, opts: { appspecFilename: string; json?: boolean }) => {
    const { code, output } = validateBundleCommand(path, { appspecFilename: opts.appspecFilename, json: opts.json === true });
    process.stdout.write(output);
    process.exitCode = code;
  });
fleetCommands(program);
const sandbox = program.command('sandbox').description('the local AWS stand-in (no AWS account needed)');
sandbox
  .command('start')
  .description('serve STS, IAM, S3, CodeDeploy and the CodeDeploy Commands API on loopback until interrupted')
  .option('--dir <dir>', 'keep state, credentials and the CA here (default: a new temporary directory)')
  .option('--port-base <port>', 'port of the AWS API endpoint (all HTTP services); the MQTT broker uses port+1 and the IoT credentials provider port+2 (default: free ports)', (v) => Number(v))
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--config <file>', 'sandbox config (region, pipelineAccountId, tenants)')
  .option('--pickup-timeout <seconds>', 'fail a lifecycle command no host picked up within this time (default 300)', (v) => Number(v))
  .option('--tps <list>', 'requests per second per operation, e.g. RegisterOnPremisesInstance=5,codedeploy:ListOnPremisesInstances=2')
  .option('--tps-default <n>', 'requests per second for every other operation (not the Commands API)')
  .option('--latency-ms <n|list>', 'delay added to every answer (not the Commands API), or per operation: Op=N,...')
  .option('--throttle-rate <p>', 'probability 0..1 that a request gets the throttling error anyway (not the Commands API)')
  .option('--throttle-seed <n>', 'seed for --throttle-rate, for reproducible runs')
  .action(async (opts: { dir?: string; portBase?: number; host: string; config?: string; pickupTimeout?: number } & LimitFlags) => {
    const { sandboxStart } = await import('./commands/sandbox-start.js');
    const running = await sandboxStart(
      {
        host: opts.host,
        ...(opts.dir ? { dir: opts.dir } : {}),
        ...(opts.config ? { config: opts.config } : {}),
        ...(opts.portBase !== undefined ? { port: opts.portBase } : {}),
        ...(opts.pickupTimeout !== undefined ? { pickupTimeoutSeconds: opts.pickupTimeout } : {}),
        limits: { tps: opts.tps, tpsDefault: opts.tpsDefault, latencyMs: opts.latencyMs, throttleRate: opts.throttleRate, throttleSeed: opts.throttleSeed },
      },
      (line) => process.stdout.write(`${line}\n`),
    );
    const stop = (): void => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`ERROR: ${isEdgeError(e) ? describeError(e) : (e as Error).message}\n`);
  process.exitCode = 2;
});
