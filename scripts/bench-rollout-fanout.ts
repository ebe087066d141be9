// (o) fan-out to tenant accounts: one wave of 200 stack targets (one per tenant account, each
// reached through its cross-account role), concurrency 50, each stack taking ~2 s to provision in
// the sandbox (Metadata SandboxDelayMs on its one resource). The controller runs in a child process
// (bench-rollout-controller.ts: the code path of `fleetctl rollout start`), the sandbox here, so the
// controller's peak RSS and CPU are its own.
//
// The critical path, what no controller can beat: the targets go in ceil(N/C) batches one after
// another, and each target in a batch needs its provisioning delay plus its own steps (AssumeRole,
// DescribeStacks, the change set created, described and executed, the look that finds it done,
// its journal entries). The steps are measured, not guessed, by 1-target rollouts of a stack with
// no delay (the median of PROBES, after a warm-up): s = from the wave's start to the target's
// success, less the poll wait(s) before the look(s) that found it done (polling is the controller's
// cost, not a step); f = the rest of that rollout (manifest, lease, start and finish entries),
// counted once:
//     critical path = ceil(N/C) × (delay + s) + f
// The AWS calls per target come from the sandbox's call accounting: they show the polling cost.
// BENCH_FANOUT_TRACE=1 prints when targets finished (`all`: each one; `progress`: the controller's
// live lines too); BENCH_FANOUT_CPU_PROF=DIR writes the controller's CPU profiles there.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_POLL_MS } from '../controller/commands/rollout-start.js';
import { pollDelay } from '../controller/rollout/poll-schedule.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../sandbox/sandbox-config.js';
import { generateTenantsConfig, tenantExternalId } from '../sandbox/tenants-config.js';
import type { ControllerResult, ControllerRun } from './bench-rollout-controller.js';
import type { Row } from './bench-sandbox.js';

const TENANTS = Number(process.env['BENCH_FANOUT_TENANTS'] ?? 200);
const CONCURRENCY = Number(process.env['BENCH_FANOUT_CONCURRENCY'] ?? 50);
const DELAY_MS = Number(process.env['BENCH_FANOUT_DELAY_MS'] ?? 2000);
const PROBES = 3;
const GOAL = 1.2;
const BUCKET = 'pipeline-artifacts-111111111111';
const FIRST_TENANT = 300_000_000_000;
const account = (i: number): string => String(FIRST_TENANT + i);

/** A stack of one resource that takes `delayMs` to provision in the sandbox. */
export const template = (delayMs: number): string => `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version: { Type: String }
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Metadata: { SandboxDelayMs: ${delayMs} }
Outputs:
  Version: { Value: !Ref Version }
`;

/** A fleet.yml of one wave: a stack target per tenant account given (by index). */
function fleetYml(application: string, tenants: readonly number[], concurrency: number): string {
  const target = (id: string): string =>
    `{ kind: stack, role_arn: 'arn:aws:iam::${id}:role/PipelineAccessRole', external_id: ${tenantExternalId(id)}, ` +
    `stack: ${application}, cfn_role_arn: 'arn:aws:iam::${id}:role/CloudFormationDeployRole', release_parameters: { version: Version } }`;
  const names = tenants.map((i) => `t${String(i).padStart(3, '0')}`);
  return `application: ${application}
region: us-east-1
release: { bucket: ${BUCKET}, prefix: releases/, parts: { stack: { template: template.yaml } } }
targets:
${tenants.map((i, n) => `  ${names[n]}: ${target(account(i))}`).join('\n')}
environments:
  - name: production
    match: 'v*'
    waves:
      - { name: tenants, targets: [${names.join(', ')}], concurrency: ${concurrency}, max_failed: 0 }
`;
}

/** A folder with fleet.yml and the stack template of one application; returns the config's path. */
function project(work: string, application: string, tenants: readonly number[], delayMs: number, concurrency: number): string {
  const dir = join(work, application);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), template(delayMs));
  writeFileSync(join(dir, 'fleet.yml'), fleetYml(application, tenants, concurrency));
  return join(dir, 'fleet.yml');
}

/** Runs the controller child; asynchronously, since the sandbox it talks to lives in this process's event loop. */
export function controller(sb: Sandbox, runs: readonly ControllerRun[]): Promise<ControllerResult> {
  const script = fileURLToPath(new URL('./bench-rollout-controller.ts', import.meta.url));
  const env = {
    ...process.env,
    ...sb.env(),
    BENCH_FANOUT_RUNS: JSON.stringify(runs),
    BENCH_FANOUT_ENDPOINT: sb.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const prof = process.env['BENCH_FANOUT_CPU_PROF']; // a folder: the controller's CPU profiles go there
  const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const child = spawn(process.execPath, [...flags, '--import=tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the controller child exited ${String(code ?? signal)}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as ControllerResult);
    });
  });
}

/** The poll waits before `looks` looks at a target, as the runner schedules them. */
export function pollWaits(looks: number): number {
  let waited = 0;
  for (let i = 0; i < looks; i++) waited += pollDelay(waited, DEFAULT_POLL_MS);
  return waited;
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** s and f from PROBES 1-target rollouts (tenants 0..PROBES-1) after a warm-up one (tenant PROBES). */
async function probe(sb: Sandbox, work: string): Promise<{ stepsMs: number; fixedMs: number; wallMs: number; looks: number }> {
  const runs = [{ config: project(work, 'probe-warm', [PROBES], 0, 1), version: 'v1' }];
  for (let i = 0; i < PROBES; i++) runs.push({ config: project(work, `probe-${i}`, [i], 0, 1), version: 'v1' });
  const r = await controller(sb, runs);
  const measured = r.runs.slice(1).map((p, i) => {
    if (p.state !== 'succeeded' || p.targetDoneMs.length !== 1) throw new Error(`probe rollout ${i} did not succeed: ${JSON.stringify(p)}`);
    const looks = p.runningLooks + 1; // the looks that found it running, and the one that found it done
    const doneMs = p.targetDoneMs[0] ?? 0;
    return { stepsMs: doneMs - pollWaits(looks), fixedMs: p.ms - doneMs, wallMs: p.ms, looks };
  });
  const mid = median(measured.map((m) => m.wallMs));
  return measured.find((m) => m.wallMs === mid) ?? (measured[0] as (typeof measured)[number]);
}

/** Calls per target since `mark`, the busiest operations first. */
function callsPerTarget(sb: Sandbox, mark: number, targets: number): { total: number; top: string } {
  const byOp = new Map<string, number>();
  for (const c of sb.calls.since(mark).calls) byOp.set(c.operation, (byOp.get(c.operation) ?? 0) + c.count);
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  const top = [...byOp].sort((a, b) => b[1] - a[1]).filter(([, n]) => n / targets >= 0.05);
  return { total: total / targets, top: top.map(([op, n]) => `${op} ${(n / targets).toFixed(2)}`).join(', ') };
}

export async function benchRolloutFanout(rows: Row[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-fanout-'));
  const doc = generateTenantsConfig({ tenants: Math.max(TENANTS, PROBES + 1), deviceAccounts: 0 });
  const sb = await startSandbox({ config: parseSandboxConfigDocument(doc, 'bench-fanout') });
  try {
    const p = await probe(sb, work);
    const tenants = Array.from({ length: TENANTS }, (_, i) => i);
    const fanout = project(work, 'fanout', tenants, DELAY_MS, CONCURRENCY);
    const mark = sb.calls.mark();
    const cpu0 = process.cpuUsage();
    const r = await controller(sb, [{ config: fanout, version: 'v1' }]);
    const cpu = process.cpuUsage(cpu0);
    const run = r.runs[0];
    if (!run || run.state !== 'succeeded' || run.succeeded !== TENANTS) {
      throw new Error(`the fan-out rollout did not succeed: ${JSON.stringify(run)}`);
    }
    const calls = callsPerTarget(sb, mark, TENANTS);
    if (process.env['BENCH_FANOUT_TRACE']) {
      const at = (n: number): string => ((run.targetDoneMs[n - 1] ?? NaN) / 1000).toFixed(2);
      const marks = [1, CONCURRENCY, CONCURRENCY + 1, 2 * CONCURRENCY, TENANTS].filter((n) => n <= TENANTS);
      process.stderr.write(`fan-out: targets done at (s from the wave's start): ${marks.map((n) => `#${n} ${at(n)}`).join(', ')}\n`);
      const all = run.targetDoneMs.map((ms) => (ms / 1000).toFixed(2)).join(' ');
      if (process.env['BENCH_FANOUT_TRACE'] === 'all') process.stderr.write(`${all}\n`);
    }

    const batches = Math.ceil(TENANTS / CONCURRENCY);
    const criticalMs = batches * (DELAY_MS + p.stepsMs) + p.fixedMs;
    const ratio = run.ms / criticalMs;
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    rows.push([
      `(o) rollout to ${TENANTS} tenant stacks, concurrency ${CONCURRENCY}, ${s(DELAY_MS)} provisioning`,
      s(run.ms),
      `${s(criticalMs)} critical path = ${batches} × (${s(DELAY_MS)} delay + ${s(p.stepsMs)} steps s) + ${s(p.fixedMs)} once f`,
      ratio.toFixed(2),
      `<= ${GOAL} x critical path: ${ratio <= GOAL ? 'PASS' : 'FAIL'}`,
    ]);
    rows.push([
      `    s, f: 1-target rollouts without delay (median of ${PROBES})`,
      s(p.wallMs),
      `s = wave start to success less ${s(pollWaits(p.looks))} poll wait (${p.looks} look${p.looks === 1 ? '' : 's'}); f = the rest`,
      '-',
      'measured',
    ]);
    rows.push([`    controller peak RSS (the fan-out's own process)`, `${r.peakRssMiB.toFixed(1)} MiB`, '-', '-', 'record']);
    const sandboxCpu = (cpu.user + cpu.system) / 1000;
    const cpuText = `${s(run.cpuMs)} / ${s(sandboxCpu)}`;
    rows.push([`    CPU during the fan-out: controller / sandbox`, cpuText, 'on 2 cores shared with whatever else runs', '-', 'record']);
    rows.push([`    AWS calls per target`, calls.total.toFixed(2), calls.top, '-', 'record (polling cost)']);
  } finally {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
