// Runs one deployment command at a time, driven by command names exactly as CodeDeploy sends
// them (DownloadBundle, Install, the lifecycle hooks). The Commands-protocol poller and the local
// `edge-agent deploy` both drive this class; neither knows how a command is carried out.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOOK_EVENTS, revisionSourceFor } from '../../appspec/index.js';
import { EdgeError, toEdgeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { HealthGatePort } from '../health/gate.js';
import { renderCompletionDiagnostics } from '../hooks/diagnostics.js';
import { runHookScripts, type HookProcessTracking } from '../hooks/hook-runner.js';
import { stopInterruptedHook, type StopInterruptedHookDeps } from '../hooks/interrupted-hook.js';
import { buildHookEnv } from '../hooks/script-env.js';
import { ScriptLog } from '../hooks/script-log.js';
import { appSpecCandidates, loadAppSpec, loadAppSpecAsync } from '../revision/appspec-loader.js';
import { downloadBundle, type ArchiveLimits, type RemoteBundleFetcher } from '../revision/download-bundle.js';
import { install } from '../revision/installer.js';
import type { ProcessRunner } from '../revision/process-runner.js';
import { CommandTracker, type InterruptedCommand } from './command-tracker.js';
import type { DeploymentSpec } from './deployment-spec.js';
import type { DeploymentLayout } from './layout.js';
import { nextCommandPhase, nextDeploymentState, type CommandPhase, type DeploymentState } from './transitions.js';

export interface CommandExecutorDeps {
  readonly layout: DeploymentLayout;
  readonly log: Logger;
  readonly run: ProcessRunner;
  /** The agent's environment; secrets are removed before hooks see it. */
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly maxRevisions: number;
  readonly archiveLimits: ArchiveLimits;
  readonly killGraceMs: number;
  readonly outputDrainMs?: number;
  readonly enableDeploymentsLog: boolean;
  readonly preserveOwner: boolean;
  /** Hook commands this executor accepts; defaults to the 9 standard hooks. */
  readonly hookMappingKeys?: readonly string[];
  readonly fetchRemote?: RemoteBundleFetcher;
  /** Samples device health before DownloadBundle and refuses unhealthy devices (agent/health/gate.ts). */
  readonly healthGate?: HealthGatePort;
  /** Install symlinks that resolve outside every destination (config allow_external_symlinks). */
  readonly allowExternalSymlinks?: boolean;
  /** How the process groups of hooks left by a crash are found and stopped (tests replace /proc). */
  readonly interruptedHooks?: Omit<StopInterruptedHookDeps, 'graceMs'>;
}

export interface CommandResult {
  readonly commandName: string;
  readonly status: 'Succeeded' | 'Failed';
  /** True when nothing had to run (e.g. ApplicationStop on a first deployment). */
  readonly noop: boolean;
  readonly error?: EdgeError;
  /** The official completion diagnostics JSON (error_code, script_name, message, log). */
  readonly diagnostics: string;
}

export interface ExecuteOptions {
  readonly hostCommandIdentifier: string;
  readonly signal?: AbortSignal;
  /** Records the result (PutHostCommandComplete, or printing for local deploys) before untracking. */
  readonly report: (result: CommandResult) => Promise<void> | void;
}

/** Reports one interrupted command: `status` and `diagnostics` are what to send. */
export type InterruptedReport = (cmd: InterruptedCommand & { status: 'Succeeded' | 'Failed' }, diagnostics: string) => Promise<void> | void;

const RESTART_MESSAGE = 'Failed: Failing in-progress lifecycle event after an agent restart.';

function readPointer(file: string): string | undefined {
  try {
    const v = readFileSync(file, 'utf8').trim();
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
}

export class CommandExecutor {
  /** The crash records: the poller records each command here the moment it is received. */
  readonly tracker: CommandTracker;
  private readonly hookKeys: ReadonlySet<string>;

  constructor(private readonly deps: CommandExecutorDeps) {
    this.tracker = new CommandTracker({ layout: deps.layout });
    this.hookKeys = new Set(deps.hookMappingKeys ?? HOOK_EVENTS);
  }

  get hookMappingKeys(): readonly string[] {
    return [...this.hookKeys];
  }

  /** The deployment's state, derived from disk so it survives crashes. */
  deploymentState(spec: DeploymentSpec): DeploymentState {
    const { layout } = this.deps;
    const dir = layout.deploymentDir(spec.deploymentGroupId, spec.deploymentId);
    if (readPointer(layout.lastSuccessfulFile(spec.deploymentGroupId)) === dir) return 'Installed';
    return existsSync(layout.archiveDir(spec.deploymentGroupId, spec.deploymentId)) ? 'Downloaded' : 'Pending';
  }

  /** The folder whose deployment-archive a hook's scripts come from, or undefined for "nothing to run" (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/hook_executor.rb). */
  hookRevisionDir(event: string, spec: DeploymentSpec): string | undefined {
    const { layout } = this.deps;
    const current = layout.deploymentDir(spec.deploymentGroupId, spec.deploymentId);
    if (existsSync(join(current, 'deployment-archive'))) return current;
    const source = revisionSourceFor(event, { deploymentType: spec.deploymentType, deploymentCreator: spec.deploymentCreator });
    if (source === 'New') return current;
    const pointer = source === 'LastSuccessfulOrIgnore' ? layout.lastSuccessfulFile(spec.deploymentGroupId) : layout.mostRecentFile(spec.deploymentGroupId);
    const dir = readPointer(pointer);
    // A previous revision deleted by hand would otherwise block every future deployment.
    return dir && existsSync(join(dir, 'deployment-archive')) ? resolve(dir) : undefined;
  }

  /** Whether a command has nothing to do (sent as IsCommandNoop in the acknowledgement, aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb). */
  isNoop(commandName: string, spec: DeploymentSpec): boolean {
    if (commandName === 'DownloadBundle' || commandName === 'Install') return false;
    if (!this.hookKeys.has(commandName)) return true;
    const dir = this.hookRevisionDir(commandName, spec);
    if (!dir) return true;
    const archive = join(dir, 'deployment-archive');
    if (!appSpecCandidates(spec.appSpecFilename).some((n) => existsSync(join(archive, n)))) return false; // will fail: not a no-op
    try {
      const scripts = loadAppSpec(archive, spec.appSpecFilename).appspec.hooks[commandName];
      return !scripts || scripts.length === 0;
    } catch {
      return false;
    }
  }

  async execute(commandName: string, spec: DeploymentSpec, options: ExecuteOptions): Promise<CommandResult> {
    const log = this.deps.log.child({ deploymentId: spec.deploymentId, lifecycleEvent: commandName });
    let phase: CommandPhase = 'received';
    const step = (signal: Parameters<typeof nextCommandPhase>[1]): void => {
      const to = nextCommandPhase(phase, signal);
      log.debug({ from: phase, to }, 'command transition');
      phase = to;
    };
    let result: CommandResult;
    let tracked = false;
    const id = options.hostCommandIdentifier;
    try {
      if (commandName !== 'DownloadBundle' && commandName !== 'Install' && !this.hookKeys.has(commandName)) {
        throw new EdgeError('COMMAND_UNSUPPORTED', `Unsupported command type: ${commandName}.`);
      }
      mkdirSync(this.deps.layout.deploymentDir(spec.deploymentGroupId, spec.deploymentId), { recursive: true });
      const state = this.deploymentState(spec);
      const transition = nextDeploymentState(state, commandName);
      if (!transition.ok) throw new EdgeError('COMMAND_OUT_OF_ORDER', transition.reason);
      this.tracker.track(spec.deploymentId, id, commandName);
      tracked = true;
      step('track');
      step('start');
      log.info({ state }, 'command started');
      const noop = await this.run(commandName, spec, id, options.signal);
      step('succeed');
      result = { commandName, status: 'Succeeded', noop, diagnostics: renderCompletionDiagnostics({ ok: true }) };
      log.info({ noop, next: transition.next }, 'command succeeded');
    } catch (e) {
      const error = toEdgeError(e);
      step('fail');
      result = { commandName, status: 'Failed', noop: false, error, diagnostics: renderCompletionDiagnostics({ ok: false, error }) };
      log.error({ err: { code: error.code, message: error.message } }, 'command failed');
    }
    // from here a crash reports this result, not code 7; the records go once it reached the service
    this.tracker.reporting(id, { status: result.status, diagnostics: result.diagnostics, noop: result.noop });
    await options.report(result);
    step('report');
    this.tracker.untrack(tracked ? spec.deploymentId : undefined, id);
    return result;
  }

  /**
   * After a crash, for every command the agent had received and not finished reporting: the hook
   * it was running is stopped (SIGTERM, grace, SIGKILL on its process group), then `report` gets
   * the command with the recorded result, or Failed with error code 7. Each record is removed only
   * after its report, so a crash while reporting reports again rather than never (the poller asks
   * the service first, so nothing reaches it twice). Returns the last command reported.
   */
  async recoverInterrupted(report: InterruptedReport): Promise<InterruptedCommand | undefined> {
    const restart = renderCompletionDiagnostics({ ok: false, error: new EdgeError('AGENT_RESTARTED', RESTART_MESSAGE) });
    const records = this.tracker.interruptedRecords();
    const official = this.tracker.findInterrupted();
    const pending = official && !records.some((r) => r.hostCommandIdentifier === official.hostCommandIdentifier) ? [...records, official] : records;
    let last: InterruptedCommand | undefined;
    for (const cmd of pending) {
      const { deploymentId, hostCommandIdentifier } = cmd;
      const log = this.deps.log.child({ deploymentId, hostCommandIdentifier, lifecycleEvent: cmd.commandName });
      if (cmd.hook) {
        const stopped = await stopInterruptedHook(cmd.hook, { graceMs: this.deps.killGraceMs, ...this.deps.interruptedHooks });
        log.warn({ script: cmd.hook.script, pgid: cmd.hook.pgid, stopped }, 'stopped the hook script an agent restart interrupted');
      }
      if (!cmd.stale) {
        if (cmd.result) log.warn({ status: cmd.result.status }, 'the agent stopped while reporting a result: reporting it again');
        else log.warn({ phase: cmd.phase ?? 'running' }, 'deployment tracking file found: failing the interrupted lifecycle event');
        await report({ ...cmd, status: cmd.result?.status ?? 'Failed' }, cmd.result?.diagnostics ?? restart);
        last = cmd;
      }
      this.tracker.untrack(cmd.deploymentId === '' ? undefined : cmd.deploymentId, cmd.hostCommandIdentifier);
    }
    this.tracker.clearInterrupted();
    return last;
  }

  /** Drop the tracking files without reporting (the service no longer knows the command). */
  clearInterrupted(): void {
    this.tracker.clearInterrupted();
  }

  private async run(commandName: string, spec: DeploymentSpec, id: string, signal?: AbortSignal): Promise<boolean> {
    const { deps } = this;
    if (commandName === 'DownloadBundle') {
      await deps.healthGate?.check({ scriptsLogPath: deps.layout.scriptsLog(spec.deploymentGroupId, spec.deploymentId), deploymentId: spec.deploymentId, event: commandName });
      await downloadBundle(spec, { layout: deps.layout, log: deps.log.child({ deploymentId: spec.deploymentId }), maxRevisions: deps.maxRevisions, archiveLimits: deps.archiveLimits, ...(deps.fetchRemote ? { fetchRemote: deps.fetchRemote } : {}) }, signal);
      return false;
    }
    if (commandName === 'Install') {
      await install(spec, { layout: deps.layout, run: deps.run, log: deps.log.child({ deploymentId: spec.deploymentId }), preserveOwner: deps.preserveOwner, hookMappingKeys: this.hookMappingKeys, allowExternalSymlinks: deps.allowExternalSymlinks === true });
      return false;
    }
    return this.runHook(commandName, spec, id, signal);
  }

  private async runHook(event: string, spec: DeploymentSpec, id: string, signal?: AbortSignal): Promise<boolean> {
    const { layout } = this.deps;
    const revisionDir = this.hookRevisionDir(event, spec);
    if (!revisionDir) return true;
    const archiveDir = join(revisionDir, 'deployment-archive');
    const scripts = (await loadAppSpecAsync(archiveDir, spec.appSpecFilename)).appspec.hooks[event];
    if (!scripts || scripts.length === 0) return true;
    const rev = spec.revision;
    const env = buildHookEnv(this.deps.baseEnv, {
      LIFECYCLE_EVENT: event,
      DEPLOYMENT_ID: spec.deploymentId,
      APPLICATION_NAME: spec.applicationName,
      DEPLOYMENT_GROUP_NAME: spec.deploymentGroupName,
      DEPLOYMENT_GROUP_ID: spec.deploymentGroupId,
      ...(rev.type === 'S3' ? { BUNDLE_BUCKET: rev.bucket, BUNDLE_KEY: rev.key, BUNDLE_VERSION: rev.version, BUNDLE_ETAG: rev.etag } : {}),
      ...(rev.type === 'GitHub' ? { BUNDLE_COMMIT: rev.commitId } : {}),
    });
    const scriptLog = new ScriptLog({
      path: layout.scriptsLog(spec.deploymentGroupId, spec.deploymentId),
      ...(this.deps.enableDeploymentsLog ? { deploymentsLogPath: layout.deploymentsLog, deploymentId: spec.deploymentId } : {}),
    });
    const tracking: HookProcessTracking = {
      starting: (script, token) => this.tracker.hookStarting(id, { event, script, token }),
      started: (pgid, startTime) => this.tracker.hookStarted(id, pgid, startTime),
      ended: () => this.tracker.hookEnded(id),
    };
    await runHookScripts({
      event,
      tracking,
      scripts,
      archiveDir,
      env,
      log: scriptLog,
      killGraceMs: this.deps.killGraceMs,
      logger: this.deps.log.child({ deploymentId: spec.deploymentId, lifecycleEvent: event, component: 'hook-runner' }),
      ...(this.deps.outputDrainMs !== undefined ? { outputDrainMs: this.deps.outputDrainMs } : {}),
      ...(signal ? { signal } : {}),
    });
    return false;
  }
}
