// Runs a whole deployment locally through the same CommandExecutor the daemon uses.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ORDERED_LIFECYCLE_EVENTS, RESERVED_COMMANDS } from '../../appspec/index.js';
import { describeError, EdgeError, toEdgeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { DEFAULT_AGENT_CONFIG, DEFAULT_CONFIG_PATH, loadAgentConfig, type AgentConfig } from '../config/agent-config.js';
import { CommandExecutor } from '../deployment/command-executor.js';
import { executorDepsFromConfig } from '../deployment/executor-from-config.js';
import { deploymentLayout } from '../deployment/layout.js';
import { RootLock } from '../deployment/root-lock.js';
import { buildLocalSpec, orderedEvents, validateLocalOptions, type LocalDeployOptions } from './local-deploy-options.js';

export interface DeployCommandInput extends LocalDeployOptions {
  readonly agentConfigurationFile?: string;
  readonly rootDir?: string;
}

export interface DeployIo {
  readonly out: (line: string) => void;
  readonly makeLogger: (config: AgentConfig, logDir: string) => Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

function resolveConfig(input: DeployCommandInput, io: DeployIo): { config: AgentConfig; logDir: string } {
  let config = DEFAULT_AGENT_CONFIG;
  let fromFile = false;
  const path = input.agentConfigurationFile ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  if (path) {
    const loaded = loadAgentConfig(path);
    for (const w of loaded.warnings) io.out(`warning: ${w}`);
    config = loaded.config;
    fromFile = true;
  }
  if (input.rootDir) config = { ...config, rootDir: input.rootDir };
  const logDir = !fromFile && input.rootDir ? join(input.rootDir, 'deployment-logs') : config.logDir;
  return { config, logDir };
}

/** Returns the process exit code: 0 success, 1 failure (as codedeploy-local). */
export async function runLocalDeploy(input: DeployCommandInput, io: DeployIo): Promise<number> {
  let lock: RootLock | undefined;
  try {
    validateLocalOptions(input);
    const { config, logDir } = resolveConfig(input, io);
    const layout = deploymentLayout(config.rootDir);
    mkdirSync(layout.rootDir, { recursive: true });
    lock = new RootLock(layout.rootDir);
    lock.acquire();
    const log = io.makeLogger(config, logDir);
    const events = orderedEvents(input.events);
    const spec = buildLocalSpec(input, events);
    const customEvents = events.filter((e) => !(RESERVED_COMMANDS as readonly string[]).includes(e));
    const hookMappingKeys = [...new Set([...DEFAULT_ORDERED_LIFECYCLE_EVENTS, ...customEvents])].filter((e) => !(RESERVED_COMMANDS as readonly string[]).includes(e));
    const executor = new CommandExecutor({ ...executorDepsFromConfig(config, { layout, log, env: io.env }), hookMappingKeys });
    await executor.recoverInterrupted((cmd, diagnostics) => {
      // local deploys track `local:<group>/<deployment>/<event>`; the daemon tracks service ids
      const [groupId, deploymentId, command] = cmd.hostCommandIdentifier.replace(/^local:/, '').split('/');
      io.out(`Recovered an interrupted deployment: ${cmd.deploymentId} was stopped during ${command ?? 'a command'}; it is reported failed: ${diagnostics}`);
      if (groupId && deploymentId) {
        const scriptsLog = layout.scriptsLog(groupId, deploymentId);
        if (existsSync(join(scriptsLog, '..'))) appendFileSync(scriptsLog, `[edge-agent] ${command ?? ''} failed after an agent restart: ${diagnostics}\n`);
      }
    });
    const deploymentDir = layout.deploymentDir(spec.deploymentGroupId, spec.deploymentId);
    io.out(`Starting to execute deployment from within folder ${deploymentDir}`);
    for (const event of events) {
      if (io.signal?.aborted) throw new EdgeError('HOOK_SCRIPT_FAILED', 'The deployment was stopped before it finished.');
      const result = await executor.execute(event, spec, {
        hostCommandIdentifier: `local:${spec.deploymentGroupId}/${spec.deploymentId}/${event}`,
        ...(io.signal ? { signal: io.signal } : {}),
        report: () => undefined,
      });
      if (result.status === 'Failed' && result.error) {
        const err = result.error;
        io.out(`  ${event}: failed: ${err.message}`);
        const script = err.details['scriptName'];
        if (typeof script === 'string' && script !== '') {
          io.out(`Your local deployment failed while trying to execute your script at ${join(deploymentDir, 'deployment-archive', script)}`);
        } else {
          io.out(`ERROR: ${describeError(err)}`);
        }
        io.out(`See the deployment log at ${layout.scriptsLog(spec.deploymentGroupId, spec.deploymentId)} for more details`);
        return 1;
      }
      io.out(`  ${event}: ${result.noop ? 'nothing to run' : 'succeeded'}`);
    }
    io.out('AppSpec file valid. Local deployment successful');
    io.out(`See the deployment log at ${layout.scriptsLog(spec.deploymentGroupId, spec.deploymentId)} for more details`);
    return 0;
  } catch (e) {
    io.out(`ERROR: ${describeError(toEdgeError(e))}`);
    return 1;
  } finally {
    lock?.release();
  }
}
