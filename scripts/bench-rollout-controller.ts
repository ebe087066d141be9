// Child process of bench-rollout-fanout.ts: the controller, in its own process so its peak RSS is
// the controller's alone (the sandbox runs in the parent). Each run pushes a release the way
// `fleetctl release push` does (untimed), then times `fleetctl rollout start` through the very
// function the CLI calls (rolloutStart with the process's real deps: timers, clock, lease holder),
// progress as `--json` writes it (an NDJSON line per runner event, which this reads). Input:
// BENCH_FANOUT_RUNS (JSON array of { config, version }), the sandbox's environment and
// BENCH_FANOUT_ENDPOINT. Output: one JSON line.
import { performance } from 'node:perf_hooks';
import { processRolloutDeps } from '../controller/cli/rollout-process.js';
import { releasePush } from '../controller/commands/release.js';
import { rolloutStart } from '../controller/commands/rollout-start.js';

export interface ControllerRun {
  readonly config: string;
  readonly version: string;
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
}

export interface ControllerResult {
  readonly runs: readonly ControllerRunResult[];
  /** Peak resident set of this process over all runs (getrusage ru_maxrss). */
  readonly peakRssMiB: number;
}

async function runOne(run: ControllerRun, endpointUrl: string): Promise<ControllerRunResult> {
  await releasePush({ version: run.version, config: run.config, offline: true, endpointUrl });
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
  const deps = { ...processRolloutDeps(facts), progress };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await rolloutStart({ release: run.version, config: run.config, endpointUrl, json: true }, deps);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (!('state' in r.data)) throw new Error('the rollout detached');
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const { exit, data } = r;
  return { version: run.version, exit, state: data.state, succeeded: data.counts.succeeded, ms, cpuMs, targetDoneMs, runningLooks };
}

const runs = JSON.parse(process.env['BENCH_FANOUT_RUNS'] ?? '[]') as ControllerRun[];
const endpoint = process.env['BENCH_FANOUT_ENDPOINT'] ?? '';
const results: ControllerRunResult[] = [];
for (const run of runs) results.push(await runOne(run, endpoint));
const out: ControllerResult = { runs: results, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
