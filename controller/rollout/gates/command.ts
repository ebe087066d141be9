// The command gate: the user's command (a smoke test) run once per target with `/bin/sh -c`, in a
// process group of its own, stdin closed, stdout and stderr merged and only their tail kept.
// Exit 0 passes. On timeout the whole group gets SIGTERM, then SIGKILL after a grace period; when
// the command ends, whatever it left running in its group is killed too.
//
// The group must never outlive the controller. A normal exit of the controller kills the groups
// still running (deps.onExit). A controller killed outright (SIGKILL, OOM) runs no handler, so
// each group also carries a watchdog: a background shell reading a pipe (fd 3) whose other end
// only the controller holds; when the controller is gone the pipe reaches EOF and the watchdog
// kills its own group. The user's command is exec'd, so its exit code and signal are its own.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { forEachLimited } from '../../fleet/pool.js';
import type { CommandGate } from '../config-types.js';
import { commandEnv, type CommandContext } from './command-env.js';
import { outputTail, showDuration } from './text.js';
import { GATE_DETAIL_BYTES, type GateResult } from './types.js';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface CommandDeps {
  readonly spawn?: SpawnFn;
  /** The environment the commands start from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the commands run (default the controller's working directory). */
  readonly cwd?: string;
  /** SIGTERM → SIGKILL grace for a timed-out command's group (default 5000). */
  readonly killGraceMs?: number;
  /** How long output pipes may stay open after the group was killed (a process that left the group), default 2000. */
  readonly drainMs?: number;
  /** Runs `fn` (synchronously) when the controller exits; returns its removal (default: process 'exit'). */
  readonly onExit?: (fn: () => void) => () => void;
}

export const COMMANDS_AT_ONCE = 4;
export const DEFAULT_KILL_GRACE_MS = 5000;
const DEFAULT_DRAIN_MS = 2000;

/**
 * $1: the user's command. The watchdog keeps no stdio open, so the output pipes close with the
 * command; the command's stderr goes into its stdout pipe, so the two interleave as they were written.
 */
const WRAPPER = '( read -r _ <&3 || kill -KILL 0 ) </dev/null >/dev/null 2>&1 & exec 3<&- 2>&1; exec /bin/sh -c "$1"';

export interface CommandRun {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** The output's tail (see outputTail). */
  readonly output: string;
  /** Why it could not start. */
  readonly error?: string;
}

/** The last `max` bytes of a stream of chunks, and whether anything before them was dropped. */
class Tail {
  #chunks: Buffer[] = [];
  #size = 0;
  cut = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size > 2 * this.max) this.#compact();
  }
  #compact(): void {
    const all = Buffer.concat(this.#chunks);
    if (all.length > this.max) this.cut = true;
    const kept = all.subarray(Math.max(0, all.length - this.max));
    this.#chunks = [Buffer.from(kept)];
    this.#size = kept.length;
  }
  text(): string {
    this.#compact();
    return outputTail(this.#chunks[0] ?? Buffer.alloc(0), this.max, this.cut);
  }
}

const defaultOnExit = (fn: () => void): (() => void) => {
  process.on('exit', fn);
  return () => void process.off('exit', fn);
};

/** Runs one command to its end (or its timeout); never rejects. */
export function runGateCommand(deps: CommandDeps, run: string, env: Record<string, string>, timeoutMs: number): Promise<CommandRun> {
  const spawn = deps.spawn ?? (nodeSpawn as SpawnFn);
  const tail = new Tail(GATE_DETAIL_BYTES);
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', WRAPPER, 'fleetctl-gate', run], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        env,
        ...(deps.cwd ? { cwd: deps.cwd } : {}),
      });
    } catch (e) {
      resolve({ exitCode: null, signal: null, timedOut: false, output: '', error: (e as Error).message });
      return;
    }
    const pgid = child.pid;
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (pgid === undefined) return;
      try {
        process.kill(-pgid, signal);
      } catch {
        // the group is gone already
      }
    };
    const lifeline = child.stdio[3];
    lifeline?.on('error', () => undefined);
    for (const s of [child.stdout, child.stderr]) s?.on('data', (c: Buffer) => tail.push(c));
    const removeHook = (deps.onExit ?? defaultOnExit)(() => signalGroup('SIGKILL'));
    let hooked = true;
    const removeExitHook = (): void => {
      if (hooked) removeHook();
      hooked = false;
    };
    let timedOut = false;
    let exited: { code: number | null; signal: string | null } | undefined;
    let error: string | undefined;
    let settled = false;
    const timers = new Set<NodeJS.Timeout>();
    const after = (ms: number, fn: () => void): void => void timers.add(setTimeout(fn, ms));
    const clearTimers = (): void => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimers();
      removeExitHook();
      // after the exit the group was killed once, while the watchdog still held it (its id cannot
      // have been reused then); never signal it again
      if (!exited) signalGroup('SIGKILL');
      lifeline?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      const end = { exitCode: exited?.code ?? null, signal: exited?.signal ?? null, timedOut, output: tail.text() };
      resolve({ ...end, ...(error ? { error } : {}) });
    };
    after(timeoutMs, () => {
      timedOut = true;
      signalGroup('SIGTERM');
      after(deps.killGraceMs ?? DEFAULT_KILL_GRACE_MS, () => signalGroup('SIGKILL'));
    });
    child.on('error', (e) => {
      error = e.message;
      if (pgid === undefined) finish();
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      clearTimers();
      removeExitHook();
      // what the command left running in its group (and the watchdog) goes with it
      signalGroup('SIGKILL');
      // output pipes held by a process that left the group: read what came, then stop waiting
      after(deps.drainMs ?? DEFAULT_DRAIN_MS, finish);
    });
    child.on('close', finish);
  });
}

/** One target's result from its command's run (pure). */
export function commandResult(gate: CommandGate, target: string, r: CommandRun): GateResult {
  const value = r.error !== undefined
    ? `could not start: ${r.error}`
    : r.timedOut
      ? `timed out after ${showDuration(gate.timeoutMs)}`
      : r.signal
        ? `killed by ${r.signal}`
        : `exit ${r.exitCode ?? '?'}`;
  return {
    gate: 'command',
    passed: r.error === undefined && !r.timedOut && r.exitCode === 0,
    value,
    threshold: `exit 0 within ${showDuration(gate.timeoutMs)}`,
    target,
    ...(r.output !== '' ? { detail: r.output } : {}),
  };
}

/** The command for each context (4 at once), one result each, in the contexts' order. */
export async function checkCommand(deps: CommandDeps, gate: CommandGate, contexts: readonly CommandContext[]): Promise<GateResult[]> {
  const base = deps.env ?? process.env;
  const out: GateResult[] = new Array<GateResult>(contexts.length);
  await forEachLimited(contexts, COMMANDS_AT_ONCE, async (ctx, i) => {
    const r = await runGateCommand(deps, gate.run, commandEnv(base, ctx), gate.timeoutMs);
    out[i] = commandResult(gate, ctx.target.name, r);
  });
  return out;
}
