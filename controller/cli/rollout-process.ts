// The real effects behind the rollout commands, built from what main.ts hands over (the
// environment, stderr, how this program was started): wall clock and timers, this host and
// process (the lease holder), whether a process is alive, and starting a detached background run.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../shared/pid-lock.js';
import type { RolloutDeps } from '../commands/rollout-common.js';

export interface ProcessFacts {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: { readonly isTTY?: boolean; write(text: string): unknown };
  /** How to start this program again: node, its flags (loaders) and the entry script. */
  readonly self: readonly string[];
  readonly pid: number;
  /** process.once for a signal: the handler runs instead of the default ending, once. */
  readonly onceSignal?: (signal: 'SIGINT' | 'SIGTERM', handler: () => void) => void;
}

export function processRolloutDeps(facts: ProcessFacts): RolloutDeps {
  const region = facts.env['AWS_REGION'] ?? facts.env['AWS_DEFAULT_REGION'];
  return {
    ...(region ? { defaultRegion: region } : {}),
    env: facts.env,
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    ...(facts.onceSignal
      ? {
          interrupts: () => {
            const c = new AbortController();
            for (const sig of ['SIGINT', 'SIGTERM'] as const) facts.onceSignal?.(sig, () => c.abort(new Error(`interrupted (${sig})`)));
            return c.signal;
          },
        }
      : {}),
    host: hostname(),
    pid: facts.pid,
    isAlive: processAlive,
    progress: { isTTY: facts.stderr.isTTY === true, write: (t) => void facts.stderr.write(t) },
    spawnDetached: async (args, logFile) => {
      mkdirSync(dirname(logFile), { recursive: true });
      const fd = openSync(logFile, 'a', 0o600);
      try {
        const [node, ...rest] = facts.self;
        const child = spawn(node ?? process.execPath, [...rest, ...args], { detached: true, stdio: ['ignore', fd, fd], env: { ...facts.env } });
        const pid = child.pid;
        if (pid === undefined) throw new Error(`could not start ${args.join(' ')}`);
        child.unref();
        return { pid };
      } finally {
        closeSync(fd);
      }
    },
  };
}
