// (v) the (u) rollout under faults: every CodeDeploy, S3, STS and CloudFormation operation answered
// with a retryable server error (sandbox limits `errorRate`) and, independently, with the throttling
// error (`throttleRate`), BENCH_FAULTS_RATE (0.05) each, seeded. The release is pushed first without
// faults; the faults then apply to the whole controller run. Counted from the sandbox's records,
// not the controller's word: per tenant the CodeDeploy deployments of its servers' group
// (ListDeployments), the stack's executed change sets and the web files copied (calls answered
// 2xx); duplicates are any of them above one per target (web: above one write per file and marker).
import { CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LimitRule } from '../sandbox/limits/limits-config.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { controller } from './bench-rollout-fanout.js';
import { CONCURRENCY, DELAY_MS, estate, s, TENANTS } from './bench-rollout-tenants.js';
import type { Row } from './bench-sandbox.js';
import { accountOf, KINDS, SERVERS_APP, SERVERS_GROUP, tenantsSandboxConfig, writeProject } from './bench-tenants-estate.js';

const RATE = Number(process.env['BENCH_FAULTS_RATE'] ?? 0.05);
/** The two web files (copied) and the release marker (put) the web driver writes last. */
const WEB_WRITES = 3;
const SERVICES = ['codedeploy', 'cloudformation', 's3', 'sts'];

interface Records {
  /** Targets whose records show exactly one deployment (web: each file written once). */
  readonly once: Record<string, number>;
  /** Deployments (writes) beyond one per target, all kinds. */
  readonly duplicates: number;
}

/** Per tenant account, what the sandbox recorded. */
async function records(sb: Sandbox, mark: number): Promise<Records> {
  const ok = new Map<string, number>();
  for (const c of sb.calls.since(mark).calls) {
    const key = `${c.accountId}|${c.operation}`;
    ok.set(key, (ok.get(key) ?? 0) + c.count - c.errors);
  }
  const once: Record<string, number> = { stack: 0, web: 0, servers: 0 };
  let duplicates = 0;
  // the web files are copied from the release (CopyObject), the marker put (PutObject)
  const written = (id: string): number => (ok.get(`${id}|CopyObject`) ?? 0) + (ok.get(`${id}|PutObject`) ?? 0);
  for (let i = 0; i < TENANTS; i++) {
    const id = accountOf(i);
    const cd = new CodeDeployClient({ endpoint: sb.url, region: sb.region, credentials: sb.rootOf(id), maxAttempts: 1 });
    const listed = await cd.send(new ListDeploymentsCommand({ applicationName: SERVERS_APP, deploymentGroupName: SERVERS_GROUP }));
    cd.destroy();
    const counts = { servers: listed.deployments?.length ?? 0, stack: ok.get(`${id}|ExecuteChangeSet`) ?? 0, web: written(id) / WEB_WRITES };
    for (const k of KINDS) {
      if (counts[k] === 1) once[k] = (once[k] ?? 0) + 1;
      duplicates += Math.max(0, Math.ceil(counts[k]) - 1);
    }
  }
  return { once, duplicates };
}

export async function benchRolloutFaults(rows: Row[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-faults-'));
  const sb = await startSandbox({ config: tenantsSandboxConfig(estate()) });
  try {
    const tenants = Array.from({ length: TENANTS }, (_, i) => i);
    const config = writeProject(work, 'tenants', { tenants, kinds: KINDS, stackDelayMs: DELAY_MS, concurrency: CONCURRENCY });
    await controller(sb, [{ config, version: 'v1', pushOnly: true }]);
    const rule: LimitRule = { errorRate: RATE, throttleRate: RATE };
    sb.limits.set({ seed: 17, operations: Object.fromEntries(SERVICES.map((svc) => [`${svc}:*`, rule])) });
    sb.limits.resetStats();
    const mark = sb.calls.mark();
    const r = await controller(sb, [{ config, version: 'v1' }]);
    const run = r.runs[0];
    const stats = Object.values(sb.limits.stats());
    sb.limits.set({});
    const errors = stats.reduce((n, c) => n + c.errors, 0);
    const throttled = stats.reduce((n, c) => n + c.injected, 0);
    const targets = TENANTS * KINDS.length;
    const succeeded = run?.succeeded ?? 0;
    const rec = await records(sb, mark);
    const exact = KINDS.map((k) => `${k} ${rec.once[k]}/${TENANTS}`).join(', ');
    const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    const pct = `${(RATE * 100).toFixed(0)} %`;
    rows.push([
      `(v) (u) under ${pct} 5xx + ${pct} throttling on ${SERVICES.join('/')}: targets succeeded`,
      `${succeeded}/${targets} (${run?.state ?? 'no result'})`,
      run ? `in ${s(run.ms)}` : '-',
      '-',
      `all targets succeeded: ${pass(succeeded === targets)}`,
    ]);
    const allOnce = KINDS.every((k) => rec.once[k] === TENANTS);
    const how = 'ListDeployments; ExecuteChangeSet, CopyObject/PutObject answered 2xx';
    rows.push([`    exactly one deployment per target (sandbox records)`, exact, how, '-', `all targets: ${pass(allOnce)}`]);
    rows.push([`    duplicate deployments`, String(rec.duplicates), '-', '-', `0: ${pass(rec.duplicates === 0)}`]);
    const injected = `${errors} 5xx + ${throttled} throttled`;
    const retries = `${run?.throttledRetries ?? 0} of the retries throttled`;
    rows.push([`    injected faults / controller retries`, `${injected} / ${run?.retries ?? 0}`, retries, '-', 'record']);
  } finally {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
