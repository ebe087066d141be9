// Runs one lifecycle event's hook scripts, in order, the way the official agent does
// (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/hook_executor.rb), with the fixes of its v2 rewrite:
//   - the location must stay inside the revision archive (also after following symlinks);
//   - a timed-out script gets SIGTERM on its process group, then SIGKILL after killGraceMs;
//   - a script that exits but leaves stdout/stderr open (a background child holding the pipe) gets
//     outputDrainMs to close them, not the rest of its timeout as in v1; then error 6 and its process
//     group is stopped the same way (v1 leaves those processes running). The agent never hangs here.
//   - an aborted `signal` (agent shutdown) stops the running script the same way; the event fails.
//   - `tracking` is told, before each spawn, the token the script's environment will carry
//     (EDGE_AGENT_HOOK_TOKEN) and, right after it, the process group and the leader's start time, so
//     that an agent killed mid-hook stops the group when it restarts (interrupted-hook.ts).
// As in v1, `Script - <location>` is logged after the existence/executable checks, so a missing
// script's tail holds only the event line. Scripts inherit the agent's working directory.
// Errors are EdgeErrors with the official messages; details = { scriptName, log } for diagnostics.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, chmod as fsChmod, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EdgeError, type ErrorCode } from '../../shared/errors.js';
import { captureLines } from './output-lines.js';
import { HOOK_TOKEN_ENV } from './interrupted-hook.js';
import { procStartTime, terminateGroup } from './process-group.js';
import { scriptCommand } from './script-command.js';
import type { ScriptLog } from './script-log.js';

export { scriptCommand, type ScriptCommand } from './script-command.js';

export interface HookScript {
  /** Relative to the archive root, as written in the AppSpec. */
  readonly location: string;
  /** Seconds, per script. */
  readonly timeout: number;
  readonly runas?: string;
  readonly sudo: boolean;
}

/** The part of a pino Logger used here (agent log, not scripts.log). */
export interface HookLogger {
  warn(obj: object, msg: string): void;
}

/** Persists which hook process runs (the agent's tracking record). */
export interface HookProcessTracking {
  /** Before the spawn: the script and the token its environment will carry. */
  starting(script: string, token: string): void;
  /** Right after the spawn: the script's process group id and its leader's start time. */
  started(pgid: number, startTime: number | undefined): void;
  /** The script is done (exited, failed to start, or stopped). */
  ended(): void;
}

export interface RunHookScriptsRequest {
  readonly event: string;
  readonly scripts: readonly HookScript[];
  /** `<deployment>/deployment-archive` the scripts come from. */
  readonly archiveDir: string;
  /** The complete child environment (see buildHookEnv). */
  readonly env: NodeJS.ProcessEnv;
  readonly log: ScriptLog;
  /** SIGTERM → SIGKILL grace for the script's process group; default 5000. */
  readonly killGraceMs?: number;
  /** How long stdout/stderr may stay open after the script exits; default 2000, never past the deadline. */
  readonly outputDrainMs?: number;
  /** Aborted when the agent shuts down: the running script is stopped and the event fails. */
  readonly signal?: AbortSignal;
  readonly logger?: HookLogger;
  readonly tracking?: HookProcessTracking;
  /** Replaces fs.promises.chmod (tests provoke a chmod failure with it). */
  readonly chmod?: (path: string, mode: number) => Promise<void>;
}

export const DEFAULT_KILL_GRACE_MS = 5000;
export const DEFAULT_OUTPUT_DRAIN_MS = 2000;
/** After stopping a group, how long to wait for its last output before closing the pipes. */
const SETTLE_MS = 500;
const MAX_TIMER_MS = 2 ** 31 - 1;

type Outcome<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'timeout' | 'aborted' };

/** Wait for `p` until `deadline` (performance.now() ms) or until `signal` aborts. */
function waitUntil<T>(p: Promise<T>, deadline: number, signal?: AbortSignal): Promise<Outcome<T>> {
  return new Promise((resolveOutcome) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: Outcome<T>): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolveOutcome(outcome);
    };
    const onAbort = (): void => finish({ kind: 'aborted' });
    const tick = (): void => {
      const left = deadline - performance.now();
      if (left <= 0) finish({ kind: 'timeout' });
      else timer = setTimeout(tick, Math.min(left, MAX_TIMER_MS));
    };
    if (signal?.aborted) return finish({ kind: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    void p.then((value) => finish({ kind: 'done', value }));
    // The first check runs after pending I/O callbacks, so an already-settled `p` wins a zero wait.
    timer = setTimeout(tick, Math.max(0, Math.min(deadline - performance.now(), MAX_TIMER_MS)));
  });
}

function isInside(root: string, p: string): boolean {
  return p.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const userPart = (script: HookScript): string => (script.runas ? ` run as user ${script.runas}` : '');
const stoppedMessage = (location: string): string =>
  `Script at specified location: ${location} was stopped because the agent is shutting down`;

type Fail = (code: ErrorCode, message: string, cause?: unknown) => EdgeError;

/** Run every script of one lifecycle event; the first failure throws and skips the rest. */
export async function runHookScripts(req: RunHookScriptsRequest): Promise<void> {
  if (req.scripts.length === 0) return;
  req.log.beginEvent(req.event);
  for (const script of req.scripts) {
    const fail: Fail = (code, message, cause) =>
      new EdgeError(code, message, { ...(cause === undefined ? {} : { cause }), details: { scriptName: script.location, log: req.log.tail() } });
    if (req.signal?.aborted) throw fail('HOOK_SCRIPT_FAILED', stoppedMessage(script.location));
    const absPath = await prepareScript(req, script, fail);
    req.log.beginScript(script.location);
    const token = randomUUID();
    req.tracking?.starting(script.location, token);
    try {
      await execute(req, script, absPath, fail, token);
    } finally {
      req.tracking?.ended();
    }
  }
}

/** Confinement, existence and the executable bit; returns the absolute path. */
async function prepareScript(req: RunHookScriptsRequest, script: HookScript, fail: Fail): Promise<string> {
  const location = script.location;
  const root = resolve(req.archiveDir);
  // join, not resolve: like Ruby's File.join, an absolute location is still inside the archive.
  const absPath = resolve(join(root, location));
  const outside = (): EdgeError =>
    fail('HOOK_SCRIPT_MISSING', `Script at specified location: ${location} leaves the revision: hook scripts must be inside ${root}`);
  if (!isInside(root, absPath)) throw outside();
  let mode: number;
  let real: [string, string];
  try {
    mode = (await stat(absPath)).mode;
    real = [await realpath(root), await realpath(absPath)];
  } catch {
    throw fail('HOOK_SCRIPT_MISSING', `Script does not exist at specified location: ${absPath}`);
  }
  if (!isInside(...real)) throw outside();
  if (!(await isExecutable(absPath))) {
    req.logger?.warn({ script: location }, 'hook script is not executable; trying chmod +x');
    try {
      await (req.chmod ?? fsChmod)(absPath, (mode & 0o7777) | 0o111);
    } catch (e) {
      throw fail('HOOK_SCRIPT_NOT_EXECUTABLE', `Unable to set script at specified location: ${location} as executable`, e);
    }
  }
  return absPath;
}

async function execute(req: RunHookScriptsRequest, script: HookScript, absPath: string, fail: Fail, token: string): Promise<void> {
  const location = script.location;
  const prefix = `Script at specified location: ${location}${userPart(script)}`;
  const graceMs = req.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const deadline = performance.now() + script.timeout * 1000;
  const spawnFailed = (e: unknown): EdgeError => {
    const cls = e instanceof Error ? e.name : typeof e;
    const msg = e instanceof Error ? e.message : String(e);
    return fail('HOOK_SCRIPT_FAILED', `${prefix} failed with error ${cls} with message ${msg}`, e);
  };

  const { file, args } = scriptCommand(absPath, script.runas, script.sudo);
  let child;
  try {
    // detached: the script leads a new process group (session), so the whole group can be signalled.
    child = spawn(file, [...args], { env: { ...req.env, [HOOK_TOKEN_ENV]: token }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw spawnFailed(e);
  }
  // the pid is known as soon as spawn() returns (the script has exec'd): record it before anything else
  if (child.pid !== undefined) req.tracking?.started(child.pid, procStartTime(child.pid));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const out = captureLines(child.stdout, (lines) => req.log.output('stdout', lines));
  const err = captureLines(child.stderr, (lines) => req.log.output('stderr', lines));
  const spawnError = await new Promise<Error | undefined>((res) => {
    child.once('spawn', () => res(undefined));
    child.once('error', res);
  });
  child.on('error', () => undefined);
  if (spawnError) {
    out.stop();
    err.stop();
    throw spawnFailed(spawnError);
  }
  const pgid = child.pid as number;

  const stopGroup = async (reason: string): Promise<void> => {
    const how = await terminateGroup(pgid, { graceMs });
    req.logger?.warn({ script: location, pgid, reason, how }, 'stopped hook script process group');
    await waitUntil(Promise.all([exited, out.closed, err.closed]), performance.now() + SETTLE_MS);
    out.stop();
    err.stop();
  };

  const run = await waitUntil(exited, deadline, req.signal);
  if (run.kind !== 'done') {
    await stopGroup(run.kind);
    if (run.kind === 'timeout') {
      throw fail('HOOK_SCRIPT_TIMED_OUT', `Script at specified location: ${location} failed to complete in ${script.timeout} seconds`);
    }
    throw fail('HOOK_SCRIPT_FAILED', stoppedMessage(location));
  }

  const drainUntil = Math.min(deadline, performance.now() + (req.outputDrainMs ?? DEFAULT_OUTPUT_DRAIN_MS));
  const drained = await waitUntil(Promise.all([out.closed, err.closed]), drainUntil, req.signal);
  if (drained.kind !== 'done') {
    const open = out.ended ? 'STDERR' : 'STDOUT';
    await stopGroup(drained.kind === 'aborted' ? 'aborted' : `${open} left open`);
    if (drained.kind === 'aborted') throw fail('HOOK_SCRIPT_FAILED', stoppedMessage(location));
    throw fail('HOOK_OUTPUTS_LEFT_OPEN', `Script at specified location: ${location} failed to close ${open}`);
  }

  if (run.value !== 0) throw fail('HOOK_SCRIPT_FAILED', `${prefix} failed with exit code ${run.value ?? ''}`);
}
