// (r) fleetctl register throughput: N devices (default 1,000) against the sandbox limited to
// 10 TPS per operation with 50 ms added latency. Printed against the floor (API calls ÷ TPS) and
// against the `aws deploy register` pattern (one device at a time: Register, then AddTags) run in
// the same bench on a fresh sandbox with the same limits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AddTagsToOnPremisesInstancesCommand, CodeDeployClient, RegisterOnPremisesInstanceCommand } from '@aws-sdk/client-codedeploy';
import { createAwsPool } from '../controller/aws/pool.js';
import { SERVICES } from '../controller/aws/ports.js';
import { createSdkPortFactory } from '../controller/aws/sdk-adapter.js';
import { realTimers } from '../controller/aws/timers.js';
import type { DeviceSpec } from '../controller/fleet/model.js';
import { createBundleStore } from '../controller/registration/bundle.js';
import { openLedger } from '../controller/registration/ledger.js';
import { registerDevices } from '../controller/registration/register.js';
import { startSandbox } from '../sandbox/sandbox.js';
import { silentLogger } from '../shared/log.js';
import type { Row } from './bench-sandbox.js';

const DEVICES = Number(process.env['BENCH_REGISTER_DEVICES'] ?? 1000);
const TPS = 10;
const LIMITS = { default: { tps: TPS, latencyMs: 50 } };

function devices(): DeviceSpec[] {
  return Array.from({ length: DEVICES }, (_, i) => {
    const name = `pi-${String(i).padStart(5, '0')}`;
    return { name, tags: [{ Key: 'fleet', Value: 'pi' }, { Key: 'site', Value: `site-${i % 5}` }], identity: { mode: 'iam-session', arn: `arn:aws:sts::111111111111:assumed-role/edge/${name}` } };
  });
}

// Client-side pacing matching the account's limits: each operation at TPS, the service at 2×TPS
// (RegisterOnPremisesInstance and AddTags run side by side, each under its own limit).
const CLIENT_TPS = {
  codedeploy: 2 * TPS,
  'codedeploy.RegisterOnPremisesInstance': TPS,
  'codedeploy.AddTagsToOnPremisesInstances': TPS,
  'codedeploy.BatchGetOnPremisesInstances': TPS,
};

async function ours(work: string): Promise<{ ms: number; calls: number; floorMs: number; throttled: number }> {
  const sb = await startSandbox({ limits: LIMITS });
  const saved = { ...process.env };
  Object.assign(process.env, sb.env());
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, sb.url]));
  const pool = createAwsPool(
    { region: sb.region, endpoints, limits: { concurrency: 32, tps: CLIENT_TPS } },
    { factory: createSdkPortFactory({ forcePathStyle: true }), timers: realTimers, clock: () => Date.now(), random: Math.random, log: silentLogger() },
  );
  try {
    const t0 = performance.now();
    const report = await registerDevices(devices(), {
      aws: pool.session(),
      stats: pool.stats,
      ledger: openLedger(join(work, 'ledger.jsonl')),
      bundles: createBundleStore(join(work, 'bundles'), { tar: false }),
      log: silentLogger(),
      iot: { roleAlias: 'x', policyName: 'x' },
      concurrency: 32,
    });
    const ms = performance.now() - t0;
    if (report.summary.registered !== DEVICES) throw new Error(`bench register: ${JSON.stringify(report.summary)}`);
    // the floor: the busiest operation's calls at its TPS (each operation is limited on its own)
    const floorMs = (Math.max(...Object.values(report.stats.callsByOperation)) / TPS) * 1000;
    return { ms, calls: report.stats.apiCalls, floorMs, throttled: report.stats.throttledRetries };
  } finally {
    pool.destroy();
    process.env = saved;
    await sb.close();
  }
}

/** The `aws deploy register` pattern: one device at a time, Register then AddTags. */
async function oneAtATime(): Promise<number> {
  const sb = await startSandbox({ limits: LIMITS });
  const client = new CodeDeployClient({ region: sb.region, endpoint: sb.url, credentials: sb.root, maxAttempts: 10 });
  try {
    const t0 = performance.now();
    for (const d of devices()) {
      await client.send(new RegisterOnPremisesInstanceCommand({ instanceName: d.name, iamSessionArn: (d.identity as { arn: string }).arn }));
      await client.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: [d.name], tags: [...d.tags] }));
    }
    return performance.now() - t0;
  } finally {
    client.destroy();
    await sb.close();
  }
}

export async function benchRegister(rows: Row[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-register-'));
  try {
    const o = await ours(work);
    const base = await oneAtATime();
    const floor = o.floorMs;
    const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    rows.push([`(r) register ${DEVICES} devices, ${TPS} TPS/op + 50 ms`, `${s(o.ms)} (${o.calls} calls, ${o.throttled} throttled)`, `${s(floor)} floor (busiest operation's calls ÷ TPS)`, (o.ms / floor).toFixed(2), '<= 1.10 x floor']);
    rows.push([`    vs one device at a time`, s(o.ms), `${s(base)} Register+AddTags per device`, (base / o.ms).toFixed(2), 'speed-up (baseline/ours)']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
