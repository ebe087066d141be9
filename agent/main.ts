#!/usr/bin/env node
// edge-agent composition root: parses the command line, builds loggers, wires deps.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { describeError, isEdgeError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/log.js';
import { runLocalDeploy } from './cli/deploy-command.js';
import { DEFAULT_AGENT_CONFIG, DEFAULT_CONFIG_PATH, loadAgentConfig, type AgentConfig } from './config/agent-config.js';
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

export function buildProgram(): Command {
  const program = new Command('edge-agent').description('CodeDeploy-compatible deployment agent for edge devices').version(AGENT_VERSION, '-v, --version');
  program
    .command('deploy')
    .description('run a deployment of a local revision on this machine (the codedeploy-local equivalent)')
    .addOption(new Option('-l, --bundle-location <path>', 'bundle file or directory').default(process.cwd(), 'current directory'))
    .addOption(new Option('-t, --type <type>', 'tar | tgz | zip | directory').default('directory'))
    .addOption(new Option('-b, --file-exists-behavior <behavior>', 'DISALLOW | OVERWRITE | RETAIN (the AppSpec value wins)').default('DISALLOW'))
    .addOption(new Option('-g, --deployment-group <id>', 'deployment group id (the folder under the root dir)').default('default-local-deployment-group'))
    .addOption(new Option('-d, --deployment-group-name <name>', 'DEPLOYMENT_GROUP_NAME for hooks').default('LocalFleet'))
    .option('-a, --application-name <name>', 'APPLICATION_NAME for hooks (default: the bundle location)')
    .option('-e, --events <list>', 'comma-separated events to run, in order (custom events allowed)')
    .option('-A, --appspec-filename <name>', 'AppSpec file name (default appspec.yml, then appspec.yaml)')
    .option('-c, --agent-configuration-file <path>', 'agent config file (default /etc/edge-agent/agent.yml when present)')
    .option('--root-dir <dir>', 'deployment root directory (overrides the config)')
    .option('--verbose', 'debug-level agent log')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const str = (k: string): string | undefined => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      const events = str('events');
      const code = await runLocalDeploy(
        {
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
        },
        {
          out: (line) => process.stdout.write(`${line}\n`),
          makeLogger: (config, logDir) => fileLogger(logDir, opts['verbose'] === true || config.verbose),
          env: { ...process.env, ...agentCliEnv(process, configFileInUse(str('agentConfigurationFile'))) },
          signal: controller.signal,
        },
      );
      process.exitCode = code;
    });
  program
    .command('run')
    .description('run the agent: poll CodeDeploy for lifecycle commands until SIGTERM (what systemd starts)')
    .option('-c, --config <path>', 'agent config file (default /etc/edge-agent/agent.yml when present)')
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
    .option('-c, --config <path>', 'agent config file (default /etc/edge-agent/agent.yml when present)')
    .option('--on-premises-config <path>', 'on-premises identity file (default: from the agent config)')
    .option('--json', 'print one JSON document')
    .action(async (opts: { config?: string; onPremisesConfig?: string; json?: boolean }) => {
      const { runCheckConfig } = await import('./cli/check-config.js');
      process.exitCode = await runCheckConfig(
        { ...(opts.config ? { config: opts.config } : {}), ...(opts.onPremisesConfig ? { onPremisesConfig: opts.onPremisesConfig } : {}), json: opts.json === true },
        (line) => process.stdout.write(`${line}\n`),
      );
    });
  program
    .command('health')
    .description('sample the device health checks; exit 0 healthy, 1 unhealthy (a check failed), 2 a probe could not read')
    .option('-c, --config <path>', 'agent config file (default $EDGE_AGENT_CONFIG, else /etc/edge-agent/agent.yml when present)')
    .option('-f, --checks-file <path>', 'more checks (YAML with a checks: map), e.g. a revision\'s own sensor checks')
    .option('--check <name...>', 'only these checks (repeat, or separate with commas)')
    .option('--json', 'print one JSON document')
    .action(async (opts: { config?: string; checksFile?: string; check?: string[]; json?: boolean }) => {
      const { runHealthCommand } = await import('./cli/health-command.js');
      process.exitCode = await runHealthCommand(
        {
          ...(opts.config ? { config: opts.config } : {}),
          ...(opts.checksFile ? { checksFile: opts.checksFile } : {}),
          ...(opts.check ? { checks: opts.check.flatMap((c) => c.split(',')).map((c) => c.trim()).filter((c) => c !== '') } : {}),
          json: opts.json === true,
        },
        { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`), env: process.env },
      );
    });
  program
    .command('status')
    .description('what the agent is doing or last did, read from its state on disk')
    .option('-c, --config <path>', 'agent config file (for root_dir)')
    .option('--root-dir <dir>', 'deployment root directory (overrides the config)')
    .option('--json', 'print one JSON document')
    .action(async (opts: { config?: string; rootDir?: string; json?: boolean }) => {
      const { agentStatus, renderStatus } = await import('./cli/status-command.js');
      const rootDir = opts.rootDir ?? agentConfigOrDefault(opts.config).rootDir;
      const status = agentStatus(rootDir);
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
    });
  return program;
}

/** The agent config file a command uses (absolute), for hooks calling `edge-agent health`. */
function configFileInUse(path: string | undefined): string | undefined {
  const file = path ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  return file === undefined ? undefined : resolve(file);
}

function agentConfigOrDefault(path: string | undefined): AgentConfig {
  const file = path ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  return file ? loadAgentConfig(file).config : DEFAULT_AGENT_CONFIG;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(`ERROR: ${isEdgeError(e) ? describeError(e) : (e as Error).message}\n`);
    // exit now: an MQTT5 client or SDK sockets opened before the failure must not hold the process
    process.exit(1);
  });
