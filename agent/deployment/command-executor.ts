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
import { runHookScripts } from '../hooks/hook-runner.js';
import { buildHookEnv } from '../hooks/script-env.js';
import { ScriptLog } from '../hooks/script-log.js';
import { appSpecCandidates, loadAppSpec } from '../revision/appspec-loader.js';
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
  private readonly tracker: CommandTracker;
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

  /** The folder whose deployment-archive a hook's scripts come from, or undefined for "nothing to run" (§3.2). */
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

  /** Whether a command has nothing to do (sent as IsCommandNoop in the acknowledgement, §3.6). */
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
    try {
      if (commandName !== 'DownloadBundle' && commandName !== 'Install' && !this.hookKeys.has(commandName)) {
        throw new EdgeError('COMMAND_UNSUPPORTED', `Unsupported command type: ${commandName}.`);
      }
      mkdirSync(this.deps.layout.deploymentDir(spec.deploymentGroupId, spec.deploymentId), { recursive: true });
      const state = this.deploymentState(spec);
      const transition = nextDeploymentState(state, commandName);
      if (!transition.ok) throw new EdgeError('COMMAND_OUT_OF_ORDER', transition.reason);
      this.tracker.track(spec.deploymentId, options.hostCommandIdentifier);
      tracked = true;
      step('track');
      step('start');
      log.info({ state }, 'command started');
      const noop = await this.run(commandName, spec, options.signal);
      step('succeed');
      result = { commandName, status: 'Succeeded', noop, diagnostics: renderCompletionDiagnostics({ ok: true }) };
      log.info({ noop, next: transition.next }, 'command succeeded');
    } catch (e) {
      const error = toEdgeError(e);
      step('fail');
      result = { commandName, status: 'Failed', noop: false, error, diagnostics: renderCompletionDiagnostics({ ok: false, error }) };
      log.error({ err: { code: error.code, message: error.message } }, 'command failed');
    }
    await options.report(result);
    step('report');
    if (tracked) this.tracker.untrack(spec.deploymentId);
    return result;
  }

  /**
   * After a crash: the command that was running is reported failed (error_code 7) exactly once.
   * `report` runs before the tracking files are removed, so a crash while reporting retries.
   */
  async recoverInterrupted(report: (cmd: InterruptedCommand, diagnostics: string) => Promise<void> | void): Promise<InterruptedCommand | undefined> {
    const interrupted = this.tracker.findInterrupted();
    if (interrupted) {
      const error = new EdgeError('AGENT_RESTARTED', RESTART_MESSAGE);
      this.deps.log.warn({ deploymentId: interrupted.deploymentId, hostCommandIdentifier: interrupted.hostCommandIdentifier }, 'deployment tracking file found: failing the interrupted lifecycle event');
      await report(interrupted, renderCompletionDiagnostics({ ok: false, error }));
    }
    this.tracker.clearInterrupted();
    return interrupted;
  }

  /** Drop the tracking files without reporting (the service no longer knows the command). */
  clearInterrupted(): void {
    this.tracker.clearInterrupted();
  }

  private async run(commandName: string, spec: DeploymentSpec, signal?: AbortSignal): Promise<boolean> {
    const { deps } = this;
    if (commandName === 'DownloadBundle') {
      await deps.healthGate?.check({ scriptsLogPath: deps.layout.scriptsLog(spec.deploymentGroupId, spec.deploymentId), deploymentId: spec.deploymentId, event: commandName });
      await downloadBundle(spec, { layout: deps.layout, log: deps.log.child({ deploymentId: spec.deploymentId }), maxRevisions: deps.maxRevisions, archiveLimits: deps.archiveLimits, ...(deps.fetchRemote ? { fetchRemote: deps.fetchRemote } : {}) }, signal);
      return false;
    }
    if (commandName === 'Install') {
      await install(spec, { layout: deps.layout, run: deps.run, log: deps.log.child({ deploymentId: spec.deploymentId }), preserveOwner: deps.preserveOwner, hookMappingKeys: this.hookMappingKeys });
      return false;
    }
    return this.runHook(commandName, spec, signal);
  }

  private async runHook(event: string, spec: DeploymentSpec, signal?: AbortSignal): Promise<boolean> {
    const { layout } = this.deps;
    const revisionDir = this.hookRevisionDir(event, spec);
    if (!revisionDir) return true;
    const archiveDir = join(revisionDir, 'deployment-archive');
    const scripts = loadAppSpec(archiveDir, spec.appSpecFilename).appspec.hooks[event];
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
    await runHookScripts({
      event,
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
