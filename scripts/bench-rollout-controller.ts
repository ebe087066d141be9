// Child process of bench-rollout-fanout.ts: the controller, in its own process so its peak RSS is
// the controller's alone (the sandbox runs in the parent). Each run pushes a release the way
// `fleetctl release push` does (untimed), then times `fleetctl rollout start` through the very
// function the CLI calls (rolloutStart with the process's real deps: timers, clock, lease holder),
// progress as `--json` writes it (an NDJSON line per runner event, which this reads). Input:
// BENCH_FANOUT_RUNS (JSON array of { config, version }), the sandbox's environment and
// BENCH_FANOUT_ENDPOINT. A run with `plan: true` first times `fleetctl rollout plan` (rolloutPlan) for
// its config. The pool is the one the commands build (sdkPool), wrapped only to read its call
// statistics (retries). Output: one JSON line.
import { performance } from 'node:perf_hooks';
import { processRolloutDeps } from '../controller/cli/rollout-process.js';
import type { AwsPool } from '../controller/aws/pool.js';
import { releasePush, sdkPool } from '../controller/commands/release.js';
import { rolloutPlan } from '../controller/commands/rollout-plan.js';
import { rolloutStart } from '../controller/commands/rollout-start.js';

export interface ControllerRun {
  readonly config: string;
  readonly version: string;
  /** Time `rollout plan` for this config before the rollout starts. */
  readonly plan?: boolean;
  /** Only push the release (so a later run's faults hit the rollout, not the upload). */
  readonly pushOnly?: boolean;
}

export interface ControllerRunResult {
  readonly version: string;
  readonly exit: number;
  readonly state: string;
  readonly succeeded: number;
  /** Wall time of rolloutStart: manifest, lease, every wave, the summary. */
  readonly ms: number;
  /** CPU (user + system) this process spent in rolloutStart. */
  readonly cpuMs: number;
  /** From the first wave's start to each target's success, in ms, in the order they came. */
  readonly targetDoneMs: readonly number[];
  /** Looks at a target that found it still running (in-progress events), all targets together. */
  readonly runningLooks: number;
  /** Wall time of rolloutPlan (runs with `plan: true`), exit code. */
  readonly planMs?: number;
  readonly planExit?: number;
  /** The plan's blocking problems, when it found any. */
  readonly planProblems?: readonly string[];
  /** The controller's own retries (its pools' call statistics during rolloutStart), and of them throttled. */
  readonly retries: number;
  readonly throttledRetries: number;
}

export interface ControllerResult {
  readonly runs: readonly ControllerRunResult[];
  /** Peak resident set of this process over all runs (getrusage ru_maxrss). */
  readonly peakRssMiB: number;
}

async function runOne(run: ControllerRun, endpointUrl: string): Promise<ControllerRunResult> {
  await releasePush({ version: run.version, config: run.config, offline: true, endpointUrl });
  if (run.pushOnly) {
    return { version: run.version, exit: 0, state: 'pushed', succeeded: 0, ms: 0, cpuMs: 0, targetDoneMs: [], runningLooks: 0, retries: 0, throttledRetries: 0 };
  }
  let waveStart = 0;
  let runningLooks = 0;
  const targetDoneMs: number[] = [];
  const progress = {
    isTTY: false,
    write: (text: string): void => {
      const now = performance.now();
      if (process.env['BENCH_FANOUT_TRACE'] === 'progress') process.stderr.write(text);
      for (const line of text.split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { type?: string; status?: string; detail?: string };
        if (e.type === 'wave' && e.status === 'started' && waveStart === 0) waveStart = now;
        if (e.type === 'target' && e.status === 'succeeded') targetDoneMs.push(now - waveStart);
        if (e.type === 'target' && e.status === 'in-progress' && !e.detail?.startsWith('retrying')) runningLooks++;
      }
    },
  };
  const facts = { env: process.env, stderr: { isTTY: false, write: () => true }, self: [], pid: process.pid };
  const pools: AwsPool[] = [];
  const pool = async (o: { region: string; profile?: string; endpointUrl?: string }): Promise<AwsPool> => {
    const p = await sdkPool({ ...o, env: process.env });
    pools.push(p);
    return p;
  };
  const deps = { ...processRolloutDeps(facts), progress, pool };
  let planned: { planMs: number; planExit: number } | undefined;
  if (run.plan) {
    const p0 = performance.now();
    const quiet = { ...deps, progress: { isTTY: false, write: () => undefined } };
    const plan = await rolloutPlan({ release: run.version, config: run.config, endpointUrl, json: true }, quiet);
    const blocking = plan.data.problems.filter((x) => x.blocking).map((x) => `${x.target ?? ''}: ${x.problem}`);
    planned = { planMs: performance.now() - p0, planExit: plan.exit, ...(blocking.length > 0 ? { planProblems: blocking } : {}) };
    pools.length = 0;
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await rolloutStart({ release: run.version, config: run.config, endpointUrl, json: true }, deps);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (!('state' in r.data)) throw new Error('the rollout detached');
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const { exit, data } = r;
  const retries = pools.reduce((n, p) => n + p.stats.retries, 0);
  const throttledRetries = pools.reduce((n, p) => n + p.stats.throttled, 0);
  const counts = { succeeded: data.counts.succeeded, retries, throttledRetries, ...planned };
  return { version: run.version, exit, state: data.state, ms, cpuMs, targetDoneMs, runningLooks, ...counts };
}

const runs = JSON.parse(process.env['BENCH_FANOUT_RUNS'] ?? '[]') as ControllerRun[];
const endpoint = process.env['BENCH_FANOUT_ENDPOINT'] ?? '';
const results: ControllerRunResult[] = [];
for (const run of runs) results.push(await runOne(run, endpoint));
const out: ControllerResult = { runs: results, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
