// (u) fan-out to tenant accounts, every target kind: 200 tenant accounts, each with a stack (~2 s to
// provision), its web files and a CodeDeploy group of 3 virtual-host servers (lifecycle events
// timed so a deployment takes ~2 s): 600 targets in one wave, concurrency 50. Bench (o) stays as it
// was (stacks only); this one extends its critical path to the kinds. The controller is the child
// of bench-rollout-controller.ts (rolloutStart, `fleetctl rollout start`'s code path).
//
// Each kind's own steps s_k (AssumeRole, the stack's change set / the web copy / the CodeDeploy
// deployment and its looks, journal entries, less the poll waits) and the fixed part f (manifest,
// lease, start and finish, once) come from 1-target rollouts without delay (median of PROBES per
// kind, on probe accounts whose servers' events take no time, after a warm-up rollout). Then
//     critical path = makespan of the wave's targets, in wave order, on C slots, each taking
//                     delay_k + s_k  (+ f once)
// where delay_stack = the provisioning delay, delay_web = 0, delay_servers = lifecycle events per
// deployment (counted by the sandbox's virtual hosts in the probes) × event ms. With one kind it is
// (o)'s ceil(N/C) × (delay + s) + f.
// Env: BENCH_TENANTS_N (200), BENCH_TENANTS_CONCURRENCY (50), BENCH_TENANTS_DELAY_MS (2000),
// BENCH_TENANTS_EVENT_MS (each server lifecycle event; default delay / 7).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { controller, median, pollWaits } from './bench-rollout-fanout.js';
import type { ControllerRunResult } from './bench-rollout-controller.js';
import type { Row } from './bench-sandbox.js';
import { KINDS, tenantsSandboxConfig, waveMakespanMs, waveOrder, writeProject } from './bench-tenants-estate.js';
import type { EstateOptions, Kind } from './bench-tenants-estate.js';

export const TENANTS = Number(process.env['BENCH_TENANTS_N'] ?? 200);
export const CONCURRENCY = Number(process.env['BENCH_TENANTS_CONCURRENCY'] ?? 50);
export const DELAY_MS = Number(process.env['BENCH_TENANTS_DELAY_MS'] ?? 2000);
export const EVENT_MS = Number(process.env['BENCH_TENANTS_EVENT_MS'] ?? Math.round(DELAY_MS / 7));
export const SERVERS = 3;
const PROBES = 3;
const GOAL = 1.2;

const PROBE_APPS = ['probe-warm', ...KINDS.flatMap((k) => Array.from({ length: PROBES }, (_, i) => `probe-${k}-${i}`))];
export const estate = (): EstateOptions => ({
  tenants: TENANTS,
  probes: PROBES + 1,
  serverEventMs: EVENT_MS,
  serversPerTenant: SERVERS,
  applications: [...PROBE_APPS, 'tenants'],
});
export const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export interface Probed {
  /** Per kind: the target's own steps (poll waits removed). */
  readonly stepsMs: Readonly<Record<Kind, number>>;
  /** Manifest, lease, start and finish entries: once per rollout (median over all probes). */
  readonly fixedMs: number;
  /** Lifecycle events one server runs in a deployment. */
  readonly eventsPerDeployment: number;
}

/** 1-target rollouts per kind on the probe accounts (tenants TENANTS .. TENANTS+PROBES), after a warm-up. */
async function probe(sb: Sandbox, work: string): Promise<Probed> {
  const one = (name: string, tenant: number, kinds: readonly Kind[]): string =>
    writeProject(work, name, { tenants: [tenant], kinds, stackDelayMs: 0, concurrency: kinds.length });
  const runs = [{ config: one('probe-warm', TENANTS + PROBES, KINDS), version: 'v1' }];
  for (const kind of KINDS) {
    for (let i = 0; i < PROBES; i++) runs.push({ config: one(`probe-${kind}-${i}`, TENANTS + i, [kind]), version: 'v1' });
  }
  const before = sb.virtualHosts.stats().commandsSucceeded;
  const r = await controller(sb, runs);
  const commands = sb.virtualHosts.stats().commandsSucceeded - before;
  const measured = r.runs.slice(1).map((p, n) => {
    if (p.state !== 'succeeded' || p.targetDoneMs.length !== 1) throw new Error(`probe rollout ${n} did not succeed: ${JSON.stringify(p)}`);
    const doneMs = p.targetDoneMs[0] ?? 0;
    const kind = KINDS[Math.floor(n / PROBES)] as Kind;
    // a web copy is done when its deploy call returns, and the runner looks again at once: no wait
    const waited = kind === 'web' ? 0 : pollWaits(p.runningLooks + 1);
    return { kind, stepsMs: doneMs - waited, fixedMs: p.ms - doneMs };
  });
  const stepsOf = (k: Kind): number => median(measured.filter((m) => m.kind === k).map((m) => m.stepsMs));
  const stepsMs = Object.fromEntries(KINDS.map((k) => [k, stepsOf(k)])) as Record<Kind, number>;
  // the warm-up and each servers probe deployed once to every server of its account
  const eventsPerDeployment = Math.round(commands / ((PROBES + 1) * SERVERS));
  return { stepsMs, fixedMs: median(measured.map((m) => m.fixedMs)), eventsPerDeployment };
}

export const delaysMs = (p: Probed): Record<Kind, number> => ({ stack: DELAY_MS, web: 0, servers: p.eventsPerDeployment * EVENT_MS });

/** The critical path of the full wave (see the header). */
export function criticalPathMs(p: Probed): number {
  const d = delaysMs(p);
  const kinds = waveOrder(
    Array.from({ length: TENANTS }, (_, i) => i),
    KINDS,
  ).map((t) => t.kind);
  const duration = Object.fromEntries(KINDS.map((k) => [k, d[k] + p.stepsMs[k]])) as Record<Kind, number>;
  return waveMakespanMs(kinds, duration, CONCURRENCY) + p.fixedMs;
}

/** AWS calls by operation since `mark`, busiest first, per target. */
export function callsByOperation(sb: Sandbox, mark: number, targets: number): { total: number; top: string } {
  const byOp = new Map<string, number>();
  for (const c of sb.calls.since(mark).calls) byOp.set(c.operation, (byOp.get(c.operation) ?? 0) + c.count);
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  const top = [...byOp].sort((a, b) => b[1] - a[1]).filter(([, n]) => n / targets >= 0.05);
  return { total: total / targets, top: top.map(([op, n]) => `${op} ${(n / targets).toFixed(2)}`).join(', ') };
}

/** Runs the full fan-out (push untimed); throws unless every target succeeded. */
export async function fanOut(sb: Sandbox, config: string): Promise<ControllerRunResult & { peakRssMiB: number }> {
  const r = await controller(sb, [{ config, version: 'v1' }]);
  const run = r.runs[0];
  if (!run || run.state !== 'succeeded' || run.succeeded !== TENANTS * KINDS.length) {
    throw new Error(`the fan-out rollout did not succeed: ${JSON.stringify(run)}`);
  }
  return { ...run, peakRssMiB: r.peakRssMiB };
}

export async function benchRolloutTenants(rows: Row[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-tenants-'));
  const sb = await startSandbox({ config: tenantsSandboxConfig(estate()) });
  try {
    const p = await probe(sb, work);
    const tenants = Array.from({ length: TENANTS }, (_, i) => i);
    const config = writeProject(work, 'tenants', { tenants, kinds: KINDS, stackDelayMs: DELAY_MS, concurrency: CONCURRENCY });
    const mark = sb.calls.mark();
    const cpu0 = process.cpuUsage();
    const run = await fanOut(sb, config);
    const cpu = process.cpuUsage(cpu0);
    const targets = TENANTS * KINDS.length;
    const calls = callsByOperation(sb, mark, targets);
    const criticalMs = criticalPathMs(p);
    const ratio = run.ms / criticalMs;
    const d = delaysMs(p);
    const perKind = KINDS.map((k) => `${k} ${s(d[k])} + ${s(p.stepsMs[k])}`).join(', ');
    rows.push([
      `(u) rollout to ${TENANTS} tenants × stack, web, ${SERVERS} servers (${targets} targets), concurrency ${CONCURRENCY}`,
      s(run.ms),
      `${s(criticalMs)} critical path: wave makespan on ${CONCURRENCY} slots (delay + steps: ${perKind}) + ${s(p.fixedMs)} f`,
      ratio.toFixed(2),
      `<= ${GOAL} x critical path: ${ratio <= GOAL ? 'PASS' : 'FAIL'}`,
    ]);
    const events = `${p.eventsPerDeployment} × ${EVENT_MS} ms`;
    rows.push([`    servers: lifecycle events per deployment × event ms`, events, 'counted by the virtual hosts in the probes', '-', 'measured']);
    const sandboxCpu = `sandbox CPU ${s((cpu.user + cpu.system) / 1000)}`;
    rows.push([`    controller peak RSS / CPU`, `${run.peakRssMiB.toFixed(1)} MiB / ${s(run.cpuMs)}`, sandboxCpu, '-', 'record']);
    rows.push([`    AWS calls per target`, calls.total.toFixed(2), calls.top, '-', 'record (polling cost)']);
  } finally {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
