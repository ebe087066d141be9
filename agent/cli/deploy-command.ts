// `edge-agent deploy`: runs a whole deployment locally through the same CommandExecutor the daemon
// uses, and returns what it did (progress lines go through deps.progress; main.ts prints the result).
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ORDERED_LIFECYCLE_EVENTS, RESERVED_COMMANDS } from '../../appspec/index.js';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { errorLine } from '../../shared/cli/envelope.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { DEFAULT_AGENT_CONFIG, loadAgentConfig, type AgentConfig } from '../config/agent-config.js';
import { resolveAgentConfigPath } from '../config/config-path.js';
import { CommandExecutor } from '../deployment/command-executor.js';
import { executorDepsFromConfig } from '../deployment/executor-from-config.js';
import { deploymentLayout, type DeploymentLayout } from '../deployment/layout.js';
import { RootLock } from '../deployment/root-lock.js';
import { customHookEvents, suggestedEventList } from '../../appspec/lifecycle.js';
import { loadAppSpec } from '../revision/appspec-loader.js';
import { buildLocalSpec, isEventName, orderedEvents, validateLocalOptions, type LocalDeployOptions } from './local-deploy-options.js';

export interface DeployCommandInput extends LocalDeployOptions {
  readonly agentConfigurationFile?: string;
  readonly rootDir?: string;
}

export interface DeployDeps {
  /** One progress line (stdout for people, as codedeploy-local prints it; stderr with --json). */
  readonly progress: (line: string) => void;
  readonly makeLogger: (config: AgentConfig, logDir: string) => Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

export interface DeployEventResult {
  readonly name: string;
  readonly status: 'Succeeded' | 'Failed';
  /** True when the event had nothing to run (e.g. ApplicationStop on a first deployment). */
  readonly noop: boolean;
}

/** What `edge-agent deploy` did (the `edge-agent.deploy/v1` document). */
export interface DeployReport {
  readonly deploymentId: string;
  readonly deploymentGroupId: string;
  readonly applicationName: string;
  readonly status: 'Succeeded' | 'Failed';
  readonly deploymentDir: string;
  readonly scriptsLog: string;
  /** The events that ran, in order, up to the one that failed. */
  readonly events: readonly DeployEventResult[];
  /** An earlier deployment the agent was killed in, reported failed before this one started. */
  readonly recovered?: { readonly deploymentId: string; readonly event: string; readonly diagnostics: unknown };
  readonly failedEvent?: string;
  /** The script that failed, as a path inside the deployment archive. */
  readonly scriptPath?: string;
  /** The CodeDeploy completion diagnostics of the failed event (error_code, script_name, message, log). */
  readonly diagnostics?: unknown;
  /** How to run the AppSpec's custom events, when they were the problem. */
  readonly hint?: readonly string[];
}

function resolveConfig(input: DeployCommandInput, deps: DeployDeps): { config: AgentConfig; logDir: string } {
  let config = DEFAULT_AGENT_CONFIG;
  let fromFile = false;
  const path = resolveAgentConfigPath({ flag: input.agentConfigurationFile, env: deps.env });
  if (path) {
    const loaded = loadAgentConfig(path);
    for (const w of loaded.warnings) deps.progress(`warning: ${w}`);
    config = loaded.config;
    fromFile = true;
  }
  if (input.rootDir) config = { ...config, rootDir: input.rootDir };
  const logDir = !fromFile && input.rootDir ? join(input.rootDir, 'deployment-logs') : config.logDir;
  return { config, logDir };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/**
 * How to run an AppSpec's custom events: codedeploy-local runs them only when listed with -e/--events.
 * Names that are not PascalCase cannot be listed; they are named as such.
 */
export function customEventHint(archiveDir: string, appSpecFilename: string, given: readonly string[] | undefined): string[] {
  let hooks: string[];
  try {
    hooks = Object.keys(loadAppSpec(archiveDir, appSpecFilename).appspec.hooks);
  } catch {
    return [];
  }
  const custom = customHookEvents(hooks).filter((e) => !given?.includes(e));
  if (custom.length === 0) return [];
  const runnable = custom.filter(isEventName);
  const lines = [];
  if (runnable.length > 0) {
    const list = given && given.length > 0 ? [...given, ...runnable] : suggestedEventList(hooks.filter(isEventName));
    lines.push(
      `The AppSpec has custom lifecycle events (${runnable.join(', ')}); they run only when listed with -e/--events. ` +
        'Run the same command again with:',
      `  -e ${list.join(',')}`,
      '(DownloadBundle and Install are added; move the custom events to where they belong in the list.)',
    );
  }
  const unusable = custom.filter((e) => !isEventName(e));
  if (unusable.length > 0) {
    lines.push(`Hook names that are not PascalCase cannot run at all: ${unusable.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  return lines;
}

/**
 * Runs the deployment. Returns the report: exit 0 when every event succeeded, 1 when one failed (as
 * codedeploy-local), with the error. Throws (exit 2) on a bad flag, a missing bundle or config, and
 * when another deployment holds the root.
 */
export async function localDeploy(input: DeployCommandInput, deps: DeployDeps): Promise<CommandOutcome<DeployReport>> {
  validateLocalOptions(input);
  const { config, logDir } = resolveConfig(input, deps);
  const layout = deploymentLayout(config.rootDir);
  mkdirSync(layout.rootDir, { recursive: true });
  const lock = new RootLock(layout.rootDir);
  lock.acquire();
  try {
    return await runEvents(input, deps, { config, logDir, layout });
  } finally {
    lock.release();
  }
}

interface Setup {
  readonly config: AgentConfig;
  readonly logDir: string;
  readonly layout: DeploymentLayout;
}

async function runEvents(
  input: DeployCommandInput,
  deps: DeployDeps,
  { config, logDir, layout }: Setup,
): Promise<CommandOutcome<DeployReport>> {
  const log = deps.makeLogger(config, logDir);
  const events = orderedEvents(input.events);
  const spec = buildLocalSpec(input, events);
  const reserved: readonly string[] = RESERVED_COMMANDS;
  const customEvents = events.filter((e) => !reserved.includes(e));
  const hookMappingKeys = [...new Set([...DEFAULT_ORDERED_LIFECYCLE_EVENTS, ...customEvents])].filter((e) => !reserved.includes(e));
  const executor = new CommandExecutor({ ...executorDepsFromConfig(config, { layout, log, env: deps.env }), hookMappingKeys });
  let recovered: DeployReport['recovered'];
  await executor.recoverInterrupted((cmd, diagnostics) => {
    // local deploys track `local:<group>/<deployment>/<event>`; the daemon tracks service ids
    const [groupId, deploymentId, command] = cmd.hostCommandIdentifier.replace(/^local:/, '').split('/');
    const event = command ?? 'a command';
    deps.progress(
      `Recovered an interrupted deployment: ${cmd.deploymentId} was stopped during ${event}; it is reported failed: ${diagnostics}`,
    );
    recovered = { deploymentId: cmd.deploymentId, event, diagnostics: parseJson(diagnostics) };
    if (groupId && deploymentId) {
      const scriptsLog = layout.scriptsLog(groupId, deploymentId);
      if (existsSync(join(scriptsLog, '..'))) {
        appendFileSync(scriptsLog, `[edge-agent] ${command ?? ''} failed after an agent restart: ${diagnostics}\n`);
      }
    }
  });
  const deploymentDir = layout.deploymentDir(spec.deploymentGroupId, spec.deploymentId);
  const ran: DeployEventResult[] = [];
  const report = (status: DeployReport['status'], more: Partial<DeployReport> = {}): DeployReport => ({
    deploymentId: spec.deploymentId,
    deploymentGroupId: spec.deploymentGroupId,
    applicationName: spec.applicationName,
    status,
    deploymentDir,
    scriptsLog: layout.scriptsLog(spec.deploymentGroupId, spec.deploymentId),
    events: ran,
    ...(recovered ? { recovered } : {}),
    ...more,
  });
  deps.progress(`Starting to execute deployment from within folder ${deploymentDir}`);
  for (const event of events) {
    if (deps.signal?.aborted) {
      const error = new EdgeError('HOOK_SCRIPT_FAILED', 'The deployment was stopped before it finished.');
      return { data: report('Failed', { failedEvent: event }), exit: ExitCode.FAILED, error };
    }
    const result = await executor.execute(event, spec, {
      hostCommandIdentifier: `local:${spec.deploymentGroupId}/${spec.deploymentId}/${event}`,
      ...(deps.signal ? { signal: deps.signal } : {}),
      report: () => undefined,
    });
    ran.push({ name: event, status: result.status, noop: result.noop });
    if (result.status === 'Failed') {
      const error = result.error ?? new EdgeError('INTERNAL', `${event} failed without an error`);
      deps.progress(`  ${event}: failed: ${error.message}`);
      const script = error.details['scriptName'];
      const archive = layout.archiveDir(spec.deploymentGroupId, spec.deploymentId);
      const hint = error.code === 'APPSPEC_UNKNOWN_LIFECYCLE_EVENTS' ? customEventHint(archive, spec.appSpecFilename, input.events) : [];
      const failure: Partial<DeployReport> = {
        failedEvent: event,
        diagnostics: parseJson(result.diagnostics),
        ...(typeof script === 'string' && script !== '' ? { scriptPath: join(deploymentDir, 'deployment-archive', script) } : {}),
        ...(hint.length > 0 ? { hint } : {}),
      };
      return { data: report('Failed', failure), exit: ExitCode.FAILED, error };
    }
    deps.progress(`  ${event}: ${result.noop ? 'nothing to run' : 'succeeded'}`);
  }
  return { data: report('Succeeded'), exit: ExitCode.OK };
}

/** The summary for people, after the progress lines (codedeploy-local's last lines). */
export function renderDeployReport(r: DeployReport, error?: unknown): string {
  const lines: string[] = [];
  if (r.status === 'Succeeded') lines.push('AppSpec file valid. Local deployment successful');
  else if (r.scriptPath !== undefined) lines.push(`Your local deployment failed while trying to execute your script at ${r.scriptPath}`);
  else lines.push(errorLine(error), ...(r.hint ?? []));
  lines.push(`See the deployment log at ${r.scriptsLog} for more details`);
  return `${lines.join('\n')}\n`;
}
