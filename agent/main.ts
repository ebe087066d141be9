#!/usr/bin/env node
// edge-agent composition root: parses the command line, builds loggers, wires deps.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import { addExitCodeHelp, CliSession, createProgram, runCli, type CliIo } from '../shared/cli/commander.js';
import { createLogger, type Logger } from '../shared/log.js';
import { resolveAgentConfigPath } from './config/config-path.js';
import { parseEventList } from './cli/local-deploy-options.js';
import { agentCliEnv } from './health/agent-cli-env.js';
import { AGENT_VERSION } from './version.js';

function fileLogger(logDir: string, verbose: boolean): Logger {
  try {
    mkdirSync(logDir, { recursive: true });
    const dest = pino.destination({ dest: join(logDir, 'edge-agent-local.log'), sync: true, mkdir: true });
    return createLogger({ name: 'edge-agent', level: verbose ? 'debug' : 'info', destination: dest });
  } catch {
    // no writable log dir: keep warnings on stderr rather than failing the deployment
    return createLogger({ name: 'edge-agent', level: 'warn', destination: pino.destination(2) });
  }
}

// The AWS SDK warns on Node 20 that future versions need Node 22; the agent supports both.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const io: CliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };
const CONFIG_HELP = 'agent config file (default $EDGE_AGENT_CONFIG, else /etc/edge-agent/agent.yml when present)';

export function buildProgram(session: CliSession): Command {
  const program = createProgram('edge-agent', 'CodeDeploy-compatible deployment agent for edge devices', AGENT_VERSION, io);
  // -v was the version flag before -V (both programs now share -V/--version); kept, hidden
  program.addOption(new Option('-v').hideHelp()).on('option:v', () => {
    io.out(`${AGENT_VERSION}\n`);
    process.exit(0);
  });
  program
    .command('deploy')
    .description('run a deployment of a local revision on this machine (the codedeploy-local equivalent)')
    .addOption(new Option('-l, --bundle-location <path>', 'bundle file or directory').default(process.cwd(), 'current directory'))
    .addOption(new Option('-t, --type <type>', 'tar | tgz | zip | directory').default('directory'))
    .addOption(
      new Option('-b, --file-exists-behavior <behavior>', 'DISALLOW | OVERWRITE | RETAIN (the AppSpec value wins)').default('DISALLOW'),
    )
    .addOption(
      new Option('-g, --deployment-group <id>', 'deployment group id (the folder under the root dir)')
        .default('default-local-deployment-group'),
    )
    .addOption(new Option('-d, --deployment-group-name <name>', 'DEPLOYMENT_GROUP_NAME for hooks').default('LocalFleet'))
    .option('-a, --application-name <name>', 'APPLICATION_NAME for hooks (default: the bundle location)')
    .option('-e, --events <list>', 'comma-separated events to run, in order (custom events allowed)')
    .option('-A, --appspec-filename <name>', 'AppSpec file name (default appspec.yml, then appspec.yaml)')
    .option('-c, --agent-configuration-file <path>', CONFIG_HELP)
    .option('--root-dir <dir>', 'deployment root directory (overrides the config)')
    .option('--verbose', 'debug-level agent log')
    .option('--json', 'print one JSON document (schema edge-agent.deploy/v1); progress lines go to stderr')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { localDeploy, renderDeployReport } = await import('./cli/deploy-command.js');
      const str = (k: string): string | undefined => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
      const json = opts['json'] === true;
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      const events = str('events');
      const input = {
        bundleLocation: str('bundleLocation') ?? process.cwd(),
        type: str('type') ?? 'directory',
        fileExistsBehavior: str('fileExistsBehavior') ?? 'DISALLOW',
        deploymentGroup: str('deploymentGroup') ?? 'default-local-deployment-group',
        deploymentGroupName: str('deploymentGroupName') ?? 'LocalFleet',
        ...(str('applicationName') ? { applicationName: str('applicationName') as string } : {}),
        ...(events ? { events: parseEventList(events) } : {}),
        ...(str('appspecFilename') ? { appspecFilename: str('appspecFilename') as string } : {}),
        ...(str('agentConfigurationFile') ? { agentConfigurationFile: str('agentConfigurationFile') as string } : {}),
        ...(str('rootDir') ? { rootDir: str('rootDir') as string } : {}),
      };
      await session.run({ command: 'deploy', schemaVersion: 1, json, human: renderDeployReport }, () =>
        localDeploy(input, {
          // codedeploy-local prints its progress on stdout; with --json stdout is the document alone
          progress: (line) => (json ? io.err : io.out)(`${line}\n`),
          makeLogger: (config, logDir) => fileLogger(logDir, opts['verbose'] === true || config.verbose),
          env: { ...process.env, ...agentCliEnv(process, configFileInUse(str('agentConfigurationFile'))) },
          signal: controller.signal,
        }),
      );
    });
  program
    .command('run')
    .description('run the agent: poll CodeDeploy for lifecycle commands until SIGTERM (what systemd starts)')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('--on-premises-config <path>', 'on-premises identity file (default: from the agent config)')
    .action(async (opts: { config?: string; onPremisesConfig?: string }) => {
      const { runDaemon } = await import('./daemon.js');
      const stop = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
      const backoffScale = Number(process.env['EDGE_AGENT_BACKOFF_SCALE'] ?? 1);
      await runDaemon({
        ...(opts.config ? { configPath: opts.config } : {}),
        ...(opts.onPremisesConfig ? { onPremisesConfigPath: opts.onPremisesConfig } : {}),
        env: { ...process.env, ...agentCliEnv(process, configFileInUse(opts.config)) },
        // JSON lines on stdout: journald keeps them (pino-pretty is a dev-only pipe)
        makeLogger: (config) => createLogger({ name: 'edge-agent', level: config.verbose ? 'debug' : 'info' }),
        stop: stop.signal,
        ...(Number.isFinite(backoffScale) && backoffScale > 0 ? { backoffScale } : {}),
      });
      // pending keep-alive sockets and SDK timers must not hold the process after a stop
      process.exit(process.exitCode ?? 0);
    });
  program
    .command('check-config')
    .description('validate the agent and on-premises configuration and print the effective values (secrets redacted)')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('--on-premises-config <path>', 'on-premises identity file (default: from the agent config)')
    .option('--json', 'print one JSON document (schema edge-agent.check-config/v1)')
    .action(async (opts: { config?: string; onPremisesConfig?: string; json?: boolean }) => {
      const { checkConfig, renderCheckConfig } = await import('./cli/check-config.js');
      await session.run({ command: 'check-config', schemaVersion: 1, json: opts.json === true, human: renderCheckConfig }, () =>
        checkConfig({
          ...(opts.config ? { config: opts.config } : {}),
          ...(opts.onPremisesConfig ? { onPremisesConfig: opts.onPremisesConfig } : {}),
        }),
      );
    });
  program
    .command('health')
    .description('sample the device health checks; exit 0 healthy, 1 unhealthy (a check failed), 2 a probe could not read')
    .option('-c, --config <path>', CONFIG_HELP)
    .option('-f, --checks-file <path>', 'more checks (YAML with a checks: map), e.g. a revision\'s own sensor checks')
    .option('--check <name...>', 'only these checks (repeat, or separate with commas)')
    .option('--json', 'print one JSON document (schema edge-agent.health/v1)')
    .action(async (opts: { config?: string; checksFile?: string; check?: string[]; json?: boolean }) => {
      const { healthCommand, renderHealthText } = await import('./cli/health-command.js');
      const checks = opts.check?.flatMap((c) => c.split(',')).map((c) => c.trim()).filter((c) => c !== '');
      await session.run({ command: 'health', schemaVersion: 1, json: opts.json === true, human: renderHealthText }, () =>
        healthCommand(
          {
            ...(opts.config ? { config: opts.config } : {}),
            ...(opts.checksFile ? { checksFile: opts.checksFile } : {}),
            ...(checks ? { checks } : {}),
          },
          { env: process.env },
        ),
      );
    });
  program
    .command('status')
    .description('what the agent is doing or last did, read from its state on disk')
    .option('-c, --config <path>', `${CONFIG_HELP}, for root_dir`)
    .option('--root-dir <dir>', 'deployment root directory (overrides the config)')
    .option('--json', 'print one JSON document (schema edge-agent.status/v1)')
    .action(async (opts: { config?: string; rootDir?: string; json?: boolean }) => {
      const { statusCommand, renderStatus, STATUS_SCHEMA_VERSION } = await import('./cli/status-command.js');
      const spec = { command: 'status', schemaVersion: STATUS_SCHEMA_VERSION, json: opts.json === true, human: renderStatus };
      await session.run(spec, async () =>
        statusCommand({
          ...(opts.config ? { config: opts.config } : {}),
          ...(opts.rootDir ? { rootDir: opts.rootDir } : {}),
          env: process.env,
        }),
      );
    });
  return program;
}

/** The agent config file a command uses (absolute), for hooks calling `edge-agent health`. */
function configFileInUse(path: string | undefined): string | undefined {
  const file = resolveAgentConfigPath({ flag: path, env: process.env });
  return file === undefined ? undefined : resolve(file);
}

const session = new CliSession();
const program = buildProgram(session);
addExitCodeHelp(program);
void runCli(program, session, process.argv, io).then((code) => {
  // exit once stdout is flushed: an MQTT5 client or SDK sockets opened before must not hold the process
  process.stdout.write('', () => process.exit(code));
});
