// Agents for tests that kill them (kill -9) and the hooks such agents leave behind. The agent runs
// as the leader of its own process group, tracked (process-groups.ts) so that the group dies with the
// test process whatever happens. Hooks run in process groups of their own, outside the agent's, with
// the agent's working directory (the device folder): `guardProcessesUnder` kills every process
// working under a folder in the test's teardown and when the test process exits or is signalled
// (tap's timeout), so that a failing or timed-out test leaves nothing running.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Device } from '../../sandbox/simulated-device.js';
import type { TestLike } from './agent-fleet.js';
import { AGENT_COMMAND } from './cli.js';
import { killProcessesUnder, pgidOf, processesUnder, trackGroup } from './process-groups.js';

/** `edge-agent run` for the device as a tracked process group leader; output in device.output. */
export function runTrackedAgent(device: Device, env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = AGENT_COMMAND.nodeArgs): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, 'run', '-c', device.configPath], {
    cwd: device.dir,
    env: { ...process.env, EDGE_AGENT_BACKOFF_SCALE: '0.01', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackGroup(child);
  device.process = child;
  child.stdout.on('data', (d: Buffer) => (device.output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (device.output += d.toString()));
  return child;
}

/**
 * SIGKILL the device's agent and wait for it. The whole agent group dies (under tsx the agent has an
 * esbuild helper process); its hooks, in process groups of their own, live on, as after a crash.
 */
export function killAgent(device: Device): Promise<void> {
  const child = device.process;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const pgid = child.pid;
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  });
}

/** Processes working under the device folder that are not part of its running agent's group (hooks). */
export function hookProcesses(device: Device): number[] {
  const agent = device.process?.exitCode === null ? device.process.pid : undefined;
  return processesUnder(device.dir).filter((pid) => {
    try {
      return pgidOf(pid) !== agent;
    } catch {
      return false; // exited meanwhile
    }
  });
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGALRM'] as const;

/**
 * Kills every process working under `dir` in the test's teardown (register it after the fleet, so it
 * runs first), and on exit or a fatal signal of the test process.
 */
export function guardProcessesUnder(t: TestLike, dir: string): void {
  const kill = (): void => {
    try {
      killProcessesUnder(dir);
    } catch {
      // /proc unreadable: nothing more to do
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    kill();
    process.kill(process.pid, signal);
  };
  process.on('exit', kill);
  for (const s of SIGNALS) process.prependOnceListener(s, onSignal);
  t.teardown(() => {
    kill();
    process.off('exit', kill);
    for (const s of SIGNALS) process.off(s, onSignal);
  });
}
