// The rehearsal's result (`fleetctl.rollout.rehearse/v1`) and its text (pure): where the policy
// halted (or that it did not), the gate that tripped with its value, which targets got the bad
// release before the halt (devices, accounts) and whether the rollback put them back, the API
// calls, the estimated real duration, and the verdict with the rule it applied.
import type { TargetKind } from '../config-types.js';
import type { GateResult } from '../gates/types.js';
import type { RolloutPlan } from '../plan.js';
import { clean } from '../render.js';
import { durationText, estimateDuration, type Estimate, type WaveSteps } from './estimate.js';
import type { NotRehearsed } from './fleet-file.js';
import type { ResolvedFaults } from './resolve.js';
import type { RehearsalRun } from './run.js';
import { judge, type FaultWindow, type Verdict } from './verdict.js';

export interface ExposedTarget {
  readonly target: string;
  readonly kind: TargetKind;
  readonly wave: string;
  readonly account: string;
  readonly region: string;
  readonly status: string;
  readonly devices?: number;
  /** What the rollback did: rolled-back, by-service, skipped (with why), failed, none. */
  readonly rollback: string;
  readonly restored: boolean;
}

export interface RehearsalResult {
  readonly rolloutId: string;
  readonly version: string;
  readonly environment: string;
  readonly planSource: 'file' | 'aws';
  readonly timeScale: number;
  readonly sandbox: RehearsalRun['sandbox'] & { readonly baseline: readonly string[] };
  readonly faults: ResolvedFaults;
  readonly outcome: string;
  readonly halted?: { readonly wave: string; readonly reason: string; readonly gates: readonly GateResult[] };
  readonly reached: {
    readonly waves: readonly string[];
    readonly targets: readonly ExposedTarget[];
    readonly devices: number;
    readonly accounts: readonly string[];
  };
  readonly rollback?: { readonly policy: string; readonly restoredAll: boolean };
  readonly approvals: readonly { readonly wave: string; readonly note: string }[];
  readonly notRehearsed: readonly NotRehearsed[];
  readonly calls: RehearsalRun['calls'];
  readonly deployments: RehearsalRun['deployments'];
  readonly duplicates: readonly string[];
  readonly estimate: Estimate & { readonly text: string };
  readonly elapsedMs: number;
  readonly verdict: {
    readonly behaved: boolean;
    readonly text: string;
    readonly haltBy?: string;
    readonly windows: readonly FaultWindow[];
    readonly rule: string;
  };
}

export const VERDICT_RULE =
  'with a bad release injected (--unhealthy, --alarm, --fail): behaved when the rollout halted at or before the first wave, ' +
  'at or after the one the fault ' +
  "shows in, whose gates or failure budget can see it (the fault's own wave when none can); without: behaved when the rollout completed";

const RESTORED = new Set(['succeeded', 'by-service']);

export function buildResult(
  plan: RolloutPlan,
  run: RehearsalRun,
  ctx: {
    faults: ResolvedFaults;
    windows: readonly FaultWindow[];
    devices: ReadonlyMap<string, number>;
    accountOf: (t: string) => string;
    planSource: 'file' | 'aws';
    timeScale: number;
    elapsedMs: number;
  },
): RehearsalResult {
  const s = run.summary;
  const waveIndex = (name: string | undefined): number | undefined => {
    const i = plan.waves.findIndex((w) => w.name === name);
    return i >= 0 ? i : undefined;
  };
  const haltedAt = s.state === 'halted' ? waveIndex(s.halt?.wave) : undefined;
  const verdict: Verdict = judge(plan, ctx.windows, { state: s.state, ...(haltedAt !== undefined ? { haltedAt } : {}) });
  const rollback = new Map((s.rollback?.targets ?? []).map((r) => [r.name, r]));
  const targets = new Map(plan.waves.flatMap((w) => w.targets.map((t) => [t.name, { t, wave: w.name }] as const)));
  const exposed: ExposedTarget[] = [];
  const steps = new Map<string, WaveSteps>();
  for (const w of s.waves) {
    const deployed: TargetKind[] = [];
    for (const x of w.targets) {
      const p = targets.get(x.name);
      if (!p || x.status === 'pending' || !x.ref) continue;
      if (x.ref.kind !== 'none') deployed.push(p.t.kind);
      const r = rollback.get(x.name);
      const what = r
        ? r.status === 'skipped'
          ? `skipped${r.reason ? `: ${r.reason}` : ''}`
          : r.status === 'succeeded'
            ? 'rolled-back'
            : r.status
        : 'none';
      const devices = ctx.devices.get(x.name);
      exposed.push({
        target: x.name,
        kind: p.t.kind,
        wave: w.name,
        account: ctx.accountOf(x.name),
        region: p.t.region,
        status: x.status,
        ...(devices !== undefined ? { devices } : {}),
        rollback: what,
        restored: r !== undefined && RESTORED.has(r.status),
      });
    }
    if (w.status !== 'pending') steps.set(w.name, { deployed, baked: w.bakeUntil !== undefined });
  }
  const rolledBack = exposed.filter((e) => e.rollback === 'rolled-back').map((e) => e.kind);
  const estimate = estimateDuration(plan, steps, rolledBack);
  const bad = ctx.windows.length > 0;
  return {
    rolloutId: plan.rolloutId,
    version: plan.version,
    environment: plan.environment,
    planSource: ctx.planSource,
    timeScale: ctx.timeScale,
    sandbox: { ...run.sandbox, baseline: run.baseline },
    faults: ctx.faults,
    outcome: s.state,
    ...(s.halt ? { halted: { wave: s.halt.wave, reason: s.halt.reason, gates: s.halt.gates } } : {}),
    reached: {
      waves: [...steps.keys()],
      targets: exposed,
      devices: exposed.reduce((n, e) => n + (e.devices ?? 0), 0),
      accounts: [...new Set(exposed.map((e) => e.account))],
    },
    ...(s.rollback ? { rollback: { policy: s.rollback.policy, restoredAll: bad ? exposed.every((e) => e.restored) : true } } : {}),
    approvals: run.approvals.map((wave) => ({ wave, note: 'would wait for a person here (approved at once in the rehearsal)' })),
    notRehearsed: run.notRehearsed,
    calls: run.calls,
    deployments: run.deployments,
    duplicates: run.duplicates,
    estimate: { ...estimate, text: durationText(estimate.ms) },
    elapsedMs: ctx.elapsedMs,
    verdict: {
      behaved: verdict.behaved,
      // letting it through: name where the bad release got to
      text:
        verdict.behaved || exposed.length === 0 ? verdict.text : `${verdict.text}; it reached ${exposed.map((e) => e.target).join(', ')}`,
      ...(verdict.haltBy !== undefined ? { haltBy: plan.waves[verdict.haltBy]?.name ?? '' } : {}),
      windows: verdict.windows,
      rule: VERDICT_RULE,
    },
  };
}

export function renderRehearsal(r: RehearsalResult): string {
  const baseline = r.sandbox.baseline.length > 0 ? `, baseline release on ${r.sandbox.baseline.map(clean).join(', ')}` : '';
  const rounds = r.estimate.waves.reduce((n, w) => n + w.rounds, 0);
  const waits = r.estimate.approvals > 0 ? `, plus ${r.estimate.approvals} wait(s) for a person` : '';
  const estimate = `real bakes + ${rounds} deployment round(s)${r.estimate.rollbackMs > 0 ? ' + the rollback' : ''}${waits}`;
  const lines = [
    `rehearsal of rollout ${clean(r.rolloutId)} (plan from ${r.planSource === 'file' ? 'the --plan file' : 'AWS, read-only'})`,
  ];
  lines.push(`  sandbox: ${r.sandbox.accounts} account(s), ${r.sandbox.hosts} virtual host(s)${baseline}`);
  for (const w of r.verdict.windows) lines.push(`  fault ${clean(w.fault)}: shows in wave ${w.shows + 1}; ${clean(w.why)}`);
  if (r.faults.failRate > 0) lines.push(`  fault --fail-rate ${r.faults.failRate}: ${r.calls.refused} call(s) refused (throttled or 5xx)`);
  if (r.halted) {
    lines.push(`  HALTED at wave ${clean(r.halted.wave)}: ${clean(r.halted.reason)}`);
    for (const g of r.halted.gates)
      lines.push(`    gate ${g.gate}${g.target ? ` (${clean(g.target)})` : ''}: ${clean(g.value)} (passes with ${clean(g.threshold)})`);
  } else lines.push(`  did not halt: the rollout ${r.outcome}`);
  lines.push(`  reached waves: ${r.reached.waves.map(clean).join(', ') || 'none'}`);
  lines.push(
    `  targets that got the release: ${r.reached.targets.length} ` +
      `(${r.reached.devices} device(s), account(s) ${r.reached.accounts.join(', ') || 'none'})`,
  );
  for (const t of r.reached.targets) {
    lines.push(
      `    ${clean(t.target).padEnd(24)} ${t.status.padEnd(10)} wave ${clean(t.wave)}` +
        `${t.devices !== undefined ? `, ${t.devices} device(s)` : ''}, rollback: ${clean(t.rollback)}`,
    );
  }
  if (r.rollback)
    lines.push(`  rollback (${r.rollback.policy}): ${r.rollback.restoredAll ? '' : 'NOT '}every target that got the release was put back`);
  for (const a of r.approvals) lines.push(`  approval of wave ${clean(a.wave)}: ${a.note}`);
  for (const n of r.notRehearsed) lines.push(`  not rehearsed in wave ${clean(n.wave)}: ${clean(n.what)}`);
  const dup = r.duplicates.length > 0 ? `; DEPLOYED TWICE: ${r.duplicates.join(', ')}` : '';
  lines.push(
    `  API calls: ${r.calls.total} (${Object.entries(r.calls.byService)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})${dup}`,
  );
  lines.push(`  estimated real duration: ${r.estimate.text} (${estimate}); rehearsed in ${(r.elapsedMs / 1000).toFixed(1)} s`);
  lines.push(`verdict: ${r.verdict.text}`);
  return `${lines.join('\n')}\n`;
}
