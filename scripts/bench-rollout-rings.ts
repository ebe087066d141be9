// (w) rings at scale: 10,000 virtual devices in 4 devices targets across 2 device accounts (two
// fleets per account, reached through FleetDeployRole), each split into rings [1, 10, 50, 100]; four
// waves, ring N of every target in wave N. The controller is the child of bench-rollout-controller.ts
// (`rollout plan`, then `rollout start`, their code paths). Virtual hosts take BENCH_RINGS_EVENT_MS
// per lifecycle event, so the controller and the sandbox dominate.
//
// Tagging: ring 1 of a target assigns the whole fleet and tags every device (AddTags, 10 names a
// call) under the controller's client-side rate, ROLLOUT_TPS over DEFAULT_TPS for codedeploy
// (calls a second per account and region). Its wall time (first AddTags to last, from the sandbox's
// counters, sampled every 10 ms) is compared with its floor: the AddTags calls of the busiest
// account ÷ that TPS (the two accounts are paced apart, so they tag side by side).
// Env: BENCH_RINGS_DEVICES (10000), BENCH_RINGS_EVENT_MS (5).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_TPS, ROLLOUT_TPS } from '../controller/aws/limits.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../sandbox/sandbox-config.js';
import { generateTenantsConfig } from '../sandbox/tenants-config.js';
import { controller } from './bench-rollout-fanout.js';
import type { Row } from './bench-sandbox.js';

const DEVICES = Number(process.env['BENCH_RINGS_DEVICES'] ?? 10_000);
const EVENT_MS = Number(process.env['BENCH_RINGS_EVENT_MS'] ?? 5);
const RINGS = [1, 10, 50, 100];
const ACCOUNTS = ['200000000000', '200000000001'];
const FLEETS_PER_ACCOUNT = 2;
const APP = 'edge';
const TAGGING_GOAL = 1.1;
const RSS_GOAL_MIB = 200;
const TPS = ({ ...DEFAULT_TPS, ...ROLLOUT_TPS } as Record<string, number>)['codedeploy'] ?? NaN;

const fleets = ACCOUNTS.flatMap((account, a) =>
  Array.from({ length: FLEETS_PER_ACCOUNT }, (_, f) => ({ account, name: `f${a * FLEETS_PER_ACCOUNT + f + 1}` })),
);
const perFleet = (n: number): number => Math.floor(DEVICES / fleets.length) + (n < DEVICES % fleets.length ? 1 : 0);

function sandboxConfig(): ReturnType<typeof parseSandboxConfigDocument> {
  const doc = generateTenantsConfig({ tenants: 0, deviceAccounts: ACCOUNTS.length }) as { accounts: Record<string, unknown>[] };
  for (const account of doc.accounts) {
    if (account['kind'] === 'pipeline') account['codedeploy'] = { applications: [{ name: APP }] };
    if (account['kind'] !== 'device') continue;
    const mine = fleets.map((f, n) => ({ ...f, n })).filter((f) => f.account === account['accountId']);
    const hosts = (f: (typeof mine)[number]): Record<string, unknown> => ({ namePrefix: `${f.name}-pi`, count: perFleet(f.n), tags: { fleet: f.name } });
    account['virtualHosts'] = mine.map((f) => ({ ...hosts(f), eventMs: EVENT_MS }));
    const group = (f: { name: string }): Record<string, unknown> => ({
      name: `${f.name}-all`,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: f.name, Type: 'KEY_AND_VALUE' }],
    });
    account['codedeploy'] = { applications: [{ name: APP, deploymentGroups: mine.map(group) }] };
  }
  return parseSandboxConfigDocument(doc, 'bench-rings');
}

function writeProject(work: string): string {
  const dir = join(work, APP);
  mkdirSync(join(dir, 'device', 'app'), { recursive: true });
  writeFileSync(join(dir, 'device', 'appspec.yml'), 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/edge\n');
  writeFileSync(join(dir, 'device', 'app', 'VERSION'), '1\n');
  const target = (f: { account: string; name: string }): string =>
    `  ${f.name}: { kind: devices, role_arn: 'arn:aws:iam::${f.account}:role/FleetDeployRole', deployment_group: ${f.name}-all, ` +
    `select: { fleet: ${f.name} }, rings: [${RINGS.join(', ')}] }`;
  const ringOf = (r: number): string => fleets.map((f) => `${f.name}@ring${r}`).join(', ');
  const wave = (r: number): string => `      - { name: ring${r}, targets: [${ringOf(r)}], max_failed: 0 }`;
  const yml = `application: ${APP}
region: us-east-1
release: { bucket: pipeline-artifacts-111111111111, prefix: releases/, parts: { device: device } }
targets:
${fleets.map(target).join('\n')}
environments:
  - name: production
    match: 'v*'
    waves:
${RINGS.map((_, i) => wave(i + 1)).join('\n')}
`;
  writeFileSync(join(dir, 'fleet.yml'), yml);
  return join(dir, 'fleet.yml');
}

/** First and last time (ms, performance.now) the sandbox's AddTags counter moved, sampled every 10 ms. */
function watchTagging(sb: Sandbox): { stop(): { firstMs: number; lastMs: number } } {
  let seen = 0;
  let firstMs = NaN;
  let lastMs = NaN;
  const timer = setInterval(() => {
    const n = sb.limits.stats()['codedeploy:AddTagsToOnPremisesInstances']?.served ?? 0;
    if (n === seen) return;
    if (seen === 0) firstMs = performance.now();
    seen = n;
    lastMs = performance.now();
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return { firstMs, lastMs };
    },
  };
}

export async function benchRolloutRings(rows: Row[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-rings-'));
  const t0 = performance.now();
  const cpuStart = process.cpuUsage();
  const sb = await startSandbox({ config: sandboxConfig() });
  const startMs = performance.now() - t0;
  const startCpu = process.cpuUsage(cpuStart);
  try {
    const config = writeProject(work);
    const mark = sb.calls.mark();
    const watch = watchTagging(sb);
    const cpu0 = process.cpuUsage();
    const r = await controller(sb, [{ config, version: 'v1', plan: true }]);
    const cpu = process.cpuUsage(cpu0);
    const tagging = watch.stop();
    const run = r.runs[0];
    const targets = fleets.length * RINGS.length;
    if (!run || run.state !== 'succeeded' || run.succeeded !== targets) {
      throw new Error(`the rings rollout did not succeed: ${JSON.stringify(run)}`);
    }
    const report = sb.calls.since(mark);
    const byOp = new Map<string, number>();
    const addTags = new Map<string, number>();
    for (const c of report.calls) {
      byOp.set(c.operation, (byOp.get(c.operation) ?? 0) + c.count);
      if (c.operation === 'AddTagsToOnPremisesInstances') addTags.set(c.accountId, (addTags.get(c.accountId) ?? 0) + c.count);
    }
    const busiest = Math.max(...addTags.values());
    const floorMs = (busiest / TPS) * 1000;
    const taggingMs = tagging.lastMs - tagging.firstMs;
    const ratio = taggingMs / floorMs;
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    const ops = [...byOp].sort((a, b) => b[1] - a[1]);
    const tagCalls = [...addTags.values()].reduce((a, b) => a + b, 0);
    rows.push([
      `(w) ring tagging: ${DEVICES} devices, ${fleets.length} targets in ${ACCOUNTS.length} accounts, rings [${RINGS.join(', ')}]`,
      `${s(taggingMs)} (${tagCalls} AddTags)`,
      `${s(floorMs)} floor = ${busiest} AddTags of the busiest account ÷ ${TPS} TPS (codedeploy, per account)`,
      ratio.toFixed(2),
      `<= ${TAGGING_GOAL} x floor: ${pass(ratio <= TAGGING_GOAL)}`,
    ]);
    const plan = `rollout plan for the same config: ${s(run.planMs ?? NaN)} (exit ${run.planExit})`;
    rows.push([`    the whole rollout (${targets} ring targets, 4 waves)`, s(run.ms), plan, '-', 'record']);
    // e.g. rings of more than CodeDeploy's 1,000 instances a deployment, which the sandbox does not enforce
    const blocking = run.planProblems ?? [];
    if (blocking.length > 0) rows.push([`    plan: ${blocking.length} blocking problem(s)`, '', blocking.slice(0, 2).join('; '), '-', 'record']);
    const rssGoal = `<= ${RSS_GOAL_MIB} MiB: ${pass(r.peakRssMiB <= RSS_GOAL_MIB)}`;
    rows.push([`    controller peak RSS`, `${r.peakRssMiB.toFixed(1)} MiB`, '-', '-', rssGoal]);
    const sandboxCpu = `sandbox CPU ${s((cpu.user + cpu.system) / 1000)}; its start ${s(startMs)} (CPU ${s((startCpu.user + startCpu.system) / 1000)})`;
    rows.push([`    controller CPU (rollout start)`, s(run.cpuMs), sandboxCpu, '-', 'record']);
    const top = ops.slice(0, 8).map(([op, n]) => `${op} ${n}`).join(', ');
    const rest = ops.slice(8).map(([op, n]) => `${op} ${n}`).join(', ');
    rows.push([`    AWS calls of plan + rollout, by operation`, String(report.total), top, '-', 'record']);
    if (rest) rows.push([`    … the other operations`, '', rest, '-', 'record']);
  } finally {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
