// The safety part of the rollout commands' text: in `plan` each wave's approval, gates (with what
// passes) and bake, and the environment's rollback policy; in `status` what the rollout waits for,
// a pause, why it halted with the gate values, each wave's approval, bake and gate checks, and the
// rollback per target. Everything from a journal or a config is cleaned to one printable line. Pure.
import type { RollbackPolicy, Threshold, WaveGates } from './config-types.js';
import type { GatePhase, GateResult } from './gates/types.js';
import { showDuration } from './gates/text.js';
import { clean, refText } from './render.js';
import type { RolloutSummary, WaveSummary } from './summary.js';

/** A wave's gate as `plan` shows it: its kind, what passes (for people), and its settings. */
export interface PlanGateView {
  readonly gate: 'device-health' | 'deployment-outcome' | 'alarms' | 'command';
  readonly threshold: string;
  readonly config: unknown;
}

const limit = (t: Threshold, what: string): string =>
  'percent' in t ? `at most ${t.percent}% of ${what}` : `at most ${t.count} of ${what}`;

/** Each gate of a wave, in the order they are checked. */
export function gateViews(g: WaveGates): PlanGateView[] {
  const out: PlanGateView[] = [];
  if (g.deviceHealth) {
    const h = g.deviceHealth;
    const threshold =
      `${limit(h.maxUnhealthy, "the wave's devices unhealthy")}${h.degradedIsUnhealthy ? ' (degraded counts as unhealthy)' : ''}; ` +
      `a device without a fresh shadow ${h.unknown === 'fail' ? 'counts as unhealthy' : 'is left out'}; ` +
      `shadows awaited up to ${showDuration(h.waitMs)}`;
    out.push({ gate: 'device-health', threshold, config: h });
  }
  if (g.deploymentOutcome) {
    const o = g.deploymentOutcome;
    const threshold = `${limit(o.maxFailed, "the wave's devices failed")}, judged once ${o.minFinished} finished`;
    out.push({ gate: 'deployment-outcome', threshold, config: o });
  }
  if (g.alarms) {
    out.push({ gate: 'alarms', threshold: `none of ${g.alarms.join(', ')} in ALARM (each target's account and region)`, config: g.alarms });
  }
  if (g.command) {
    const threshold = `\`${g.command.run}\` exits 0 within ${showDuration(g.command.timeoutMs)}, once per target`;
    out.push({ gate: 'command', threshold, config: g.command });
  }
  return out;
}

const POLICY_TEXT: Record<RollbackPolicy, string> = {
  none: 'nothing is put back',
  failed: 'the targets that failed are put back',
  wave: "the halted wave's targets are put back",
  all: 'every target this rollout changed is put back',
};

export const rollbackPolicyLine = (p: RollbackPolicy): string => `  when the rollout halts: rollback ${p} (${POLICY_TEXT[p]})`;

export interface PlanWaveSafety {
  readonly approval?: 'manual';
  readonly gates?: readonly PlanGateView[];
  readonly bakeMs?: number;
}

/** `plan`: the line before a wave's targets (its approval). */
export function planApprovalLines(rolloutId: string, name: string, w: PlanWaveSafety): string[] {
  if (w.approval !== 'manual') return [];
  return [`    approval: manual (start exits 3 before it until \`fleetctl rollout approve ${clean(rolloutId)} --wave ${clean(name)}\`)`];
}

/** `plan`: the lines after a wave's targets (its gates, then its bake). */
export function planCheckLines(w: PlanWaveSafety): string[] {
  const lines: string[] = [];
  for (const g of w.gates ?? []) lines.push(`    gate ${g.gate}: ${clean(g.threshold)}`);
  if (w.bakeMs !== undefined) {
    const reread = (w.gates ?? []).length > 0 ? ', its gates read during it and again at its end' : '';
    lines.push(`    bake: ${showDuration(w.bakeMs)} before the next wave${reread}`);
  }
  return lines;
}

const PHASE_TEXT: Record<GatePhase, string> = { deployed: 'after its deployments', bake: 'during the bake', baked: 'after the bake' };

/** Lines of a failed gate's evidence shown in text (all of it is in --json). */
const DETAIL_LINES = 3;
const DETAIL_CHARS = 200;

/** The end of a failed result's evidence (a command's output tail, unhealthy devices), one cleaned line each. */
export function detailTail(detail: string | undefined, indent: string): string[] {
  if (!detail) return [];
  const lines = detail.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(-DETAIL_LINES).map((l) => {
    const c = clean(l);
    return `${indent}| ${c.length > DETAIL_CHARS ? `…${c.slice(-(DETAIL_CHARS - 1))}` : c}`;
  });
}

export const gateResultText = (r: GateResult): string =>
  `${clean(r.gate)}${r.target ? ` on ${clean(r.target)}` : ''}: ${clean(r.value)} (passes: ${clean(r.threshold)})`;

/** `status`: a wave's approval, bake and gate checks, under its line. */
export function waveSafetyLines(w: WaveSummary, rolloutId: string): string[] {
  const lines: string[] = [];
  const a = w.approval;
  if (a?.approved) {
    const comment = a.approved.comment ? `: ${clean(a.approved.comment)}` : '';
    lines.push(`    approved by ${clean(a.approved.by)} at ${clean(a.approved.at)}${comment}`);
  }
  else if (a?.requested) lines.push(`    approval: waiting (\`fleetctl rollout approve ${clean(rolloutId)} --wave ${clean(w.name)}\`)`);
  // the bake comes after the checks that ended the deployments, before those during and after it
  let bakeShown = !w.bakeUntil;
  const bake = (): void => {
    if (!bakeShown) lines.push(`    bake until ${clean(w.bakeUntil)}`);
    bakeShown = true;
  };
  for (const c of w.checks) {
    if (c.phase !== 'deployed') bake();
    lines.push(`    gates ${PHASE_TEXT[c.phase]}: ${c.passed ? 'passed' : 'FAILED'} at ${clean(c.at)}`);
    for (const r of c.results) {
      lines.push(`      ${r.passed ? 'ok    ' : 'FAILED'} ${gateResultText(r)}`);
      if (!r.passed) lines.push(...detailTail(r.detail, '             '));
    }
  }
  bake();
  return lines;
}

/** `status`: under the head line, what the rollout waits for, a pause, and why it halted. */
export function rolloutSafetyLines(s: RolloutSummary): string[] {
  const lines: string[] = [];
  if (s.paused) {
    const why = s.paused.reason ? `: ${clean(s.paused.reason)}` : '';
    const effect = s.waiting ? '' : ' (no further wave starts; the wave in progress ends first)';
    lines.push(`  paused by ${clean(s.paused.by)} at ${clean(s.paused.at)}${why}${effect}`);
  }
  if (s.waiting) lines.push(`  WAITING: ${clean(s.waiting.message)}`);
  if (s.halt) {
    // the head line shows the reason once the rollout has finished; before (rolling back) it is here
    const why = s.halt.reason !== s.reason ? `: ${clean(s.halt.reason)}` : '';
    lines.push(`  halted in wave ${clean(s.halt.wave)}${why}${s.halt.gates.length > 0 ? '; the failing gates:' : ''}`);
    for (const r of s.halt.gates) lines.push(`    ${gateResultText(r)}`);
  }
  return lines;
}

const ROLLBACK_STATUS: Record<string, string> = { succeeded: 'rolled back', intent: 'rolling back', 'in-progress': 'rolling back' };

/** `status`: the rollback of a halted rollout, per target. */
export function rollbackLines(s: RolloutSummary): string[] {
  const r = s.rollback;
  if (!r) return [];
  const lines = [`  rollback (policy ${r.policy}):`];
  for (const t of r.targets) {
    const bits = [clean(t.name).padEnd(20), (ROLLBACK_STATUS[t.status] ?? t.status).padEnd(12)];
    if (t.ref) bits.push(refText(t.ref) + (t.adopted ? ' (adopted after a restart)' : ''));
    if (t.reason) bits.push(`: ${clean(t.reason)}`);
    lines.push(`    ${bits.join(' ')}`);
  }
  return lines;
}
