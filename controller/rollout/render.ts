// The rollout commands' results for people: the plan per wave and target, a rollout's summary,
// the list of rollouts. Every text that came from AWS, a journal or a config is shown on one line
// without control characters (a hostile name cannot move the cursor or fake a line). Pure.
import type { ChangeSetPreview } from './change-set-preview.js';
import type { Problem, TargetInspection } from './inspect.js';
import type { RingInspection } from './inspect-rings.js';
import type { RollbackPolicy } from './config-types.js';
import type { Previous, TargetRef } from './journal-model.js';
import {
  planApprovalLines,
  planCheckLines,
  rollbackLines,
  rollbackPolicyLine,
  rolloutSafetyLines,
  waveSafetyLines,
  type PlanWaveSafety,
} from './render-safety.js';
import type { RolloutSummary, TargetSummary } from './summary.js';

/** One line of printable text: control characters become `?`, newlines a space. */
export const clean = (s: string | undefined): string => (s ?? '').replace(/[\r\n\t]+/g, ' ').replace(/\p{Cc}/gu, '?');

/** A wave of the plan; its approval, gates and bake (PlanWaveSafety) come from the config. */
export interface PlanWaveView extends PlanWaveSafety {
  readonly name: string;
  readonly concurrency: number;
  readonly maxFailedTargets: number;
  readonly targets: readonly TargetInspection[];
}

export interface PlanView {
  readonly rolloutId: string;
  readonly application: string;
  readonly version: string;
  readonly environment: string;
  readonly release: { readonly manifest: string; readonly pushed: boolean };
  readonly journal: { readonly location: string; readonly state: string };
  readonly waves: readonly PlanWaveView[];
  /** What the environment puts back when the rollout halts. */
  readonly rollback?: RollbackPolicy;
  readonly problems: readonly (Problem & { readonly target?: string })[];
  readonly couldRun: boolean;
}

/** `ring 2 of 4 (up to 10% of 40 devices, 3 to tag)`. */
const ringFact = (r: RingInspection): string => {
  const of = r.fleet !== undefined ? ` of ${r.fleet} devices` : '';
  return `ring ${r.index} of ${r.rings} (up to ${r.percent}%${of}${r.toTag ? `, ${r.toTag} to tag` : ''})`;
};

function targetLine(t: TargetInspection): string[] {
  const role = t.role.arn ? `role ${t.role.assumable ? 'assumable' : 'NOT assumable'}` : `own credentials${t.role.assumable ? '' : ' (unreachable)'}`;
  const facts = [`${t.account}/${t.region}`, role];
  if (t.ring) facts.push(ringFact(t.ring));
  if (t.devices) facts.push(`${t.devices.matched} device(s)${t.devices.overLimit ? ' (over the CodeDeploy limit)' : ''}`);
  else if (t.ring) facts.push('? device(s)');
  if (t.busy) facts.push(`BUSY: ${clean(t.busyReason)}`);
  const lines = [`    ${clean(t.target)} [${t.kind}] ${facts.join(', ')}`];
  if (t.current) lines.push(`      now: ${clean(t.current)}`);
  return [...lines, ...changeSetLines(t.changeSet)];
}

/** `plan --change-sets`: the outcome of a stack target's preview, then one line per resource change. */
export function changeSetLines(c: ChangeSetPreview | undefined): string[] {
  if (!c) return [];
  const head = `      change set${c.type ? ` (${c.type})` : ''}: `;
  const lines: string[] = [];
  if (c.outcome === 'no-changes') lines.push(`${head}no changes`);
  else if (c.outcome === 'changes') {
    const n = c.changes.length;
    lines.push(head + (n === 0 ? 'no resource changes (only parameters, outputs or tags)' : `${n} resource change(s)`));
    for (const r of c.changes) {
      const replacement = r.replacement ? `, replacement: ${clean(r.replacement)}` : '';
      lines.push(`        ${clean(r.action).padEnd(6)} ${clean(r.logicalResourceId)} (${clean(r.resourceType)})${replacement}`);
    }
  } else lines.push(`${head}${c.outcome === 'failed' ? 'FAILED' : 'not previewed'}${c.reason ? `: ${clean(c.reason)}` : ''}`);
  if (c.leftBehind) lines.push(`        NOT deleted again: ${c.leftBehind.length} thing(s), see the problems`);
  return lines;
}

export function renderPlan(p: PlanView): string {
  const lines = [`rollout ${clean(p.rolloutId)}: release ${clean(p.version)} to environment ${clean(p.environment)}`];
  lines.push(`  release manifest: ${clean(p.release.manifest)}${p.release.pushed ? '' : ' (not pushed yet)'}`);
  lines.push(`  journal: ${clean(p.journal.location)} (${p.journal.state})`);
  for (const w of p.waves) {
    lines.push(`  wave ${clean(w.name)}: ${w.targets.length} target(s), ${w.concurrency} at once, ${w.maxFailedTargets} failure(s) allowed`);
    lines.push(...planApprovalLines(p.rolloutId, w.name, w));
    for (const t of w.targets) lines.push(...targetLine(t));
    lines.push(...planCheckLines(w));
  }
  if (p.rollback) lines.push(rollbackPolicyLine(p.rollback));
  if (p.problems.length > 0) {
    lines.push('problems:');
    for (const x of p.problems) lines.push(`  ${x.blocking ? 'BLOCKS' : 'note  '} ${x.target ? `${clean(x.target)}: ` : ''}${clean(x.problem)}\n         what to do: ${clean(x.action)}`);
  }
  lines.push(p.couldRun ? 'the rollout could run: fleetctl rollout start' : 'the rollout cannot run until the problems marked BLOCKS are fixed');
  return `${lines.join('\n')}\n`;
}

export function refText(ref: TargetRef | undefined): string {
  if (!ref) return '';
  if (ref.kind === 'deployment') return `deployment ${clean(ref.deploymentId)}`;
  if (ref.kind === 'change-set') return `change set ${clean(ref.changeSetName)}`;
  if (ref.kind === 'none') return clean(ref.reason);
  return `${ref.objects} object(s) copied`;
}

export function previousText(p: Previous | undefined): string {
  if (!p) return '';
  if (p.kind === 'revision') return p.revision ? `s3://${clean(p.revision.bucket)}/${clean(p.revision.key)}` : 'nothing';
  if (p.kind === 'stack') return p.exists ? `stack ${clean(p.status)}${p.templateKey ? ` ${clean(p.templateKey)}` : ''}` : 'no stack';
  return p.release ? `release ${clean(p.release)}` : 'nothing';
}

/** Outputs shown per target in text (all of them are in `--json`), and characters per value. */
export const OUTPUTS_SHOWN = 5;
const OUTPUT_VALUE_CHARS = 60;

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `outputs: Key=Value, …` on one short line; what is left out is counted. */
export function outputsLine(t: Pick<TargetSummary, 'outputs' | 'outputsOmitted'>): string | undefined {
  if (!t.outputs) return undefined;
  const entries = Object.entries(t.outputs);
  const parts = entries.slice(0, OUTPUTS_SHOWN).map(([k, v]) => `${clip(clean(k), 40)}=${clip(clean(v), OUTPUT_VALUE_CHARS)}`);
  if (entries.length > OUTPUTS_SHOWN) parts.push(`… ${entries.length - OUTPUTS_SHOWN} more in --json`);
  if (t.outputsOmitted) parts.push(`${t.outputsOmitted} too large for the journal (see DescribeStacks)`);
  return `outputs: ${parts.length > 0 ? parts.join(', ') : 'none'}`;
}

function targetSummaryLine(t: TargetSummary): string {
  const bits = [clean(t.name).padEnd(20), t.status.padEnd(11)];
  if (t.ref) bits.push(refText(t.ref) + (t.adopted ? ' (adopted after a restart)' : ''));
  if (t.attempt > 1) bits.push(`attempt ${t.attempt}`);
  if (t.previous) bits.push(`replaced ${previousText(t.previous)}`);
  if (t.reason) bits.push(`: ${clean(t.reason)}`);
  return `    ${bits.join(' ')}`;
}

export function renderSummary(s: RolloutSummary): string {
  const lines = [`rollout ${clean(s.rolloutId)}: ${s.state.toUpperCase()}${s.reason ? ` (${clean(s.reason)})` : ''}`];
  const c = s.counts;
  lines.push(`  targets: ${c.succeeded} succeeded, ${c.failed} failed, ${c.inProgress} in progress, ${c.pending} pending (of ${c.targets})`);
  if (s.startedAt) lines.push(`  started ${s.startedAt} by ${clean(s.startedBy)}${s.finishedAt ? `, finished ${s.finishedAt}` : ''}`);
  if (s.abort) {
    lines.push(`  abort requested by ${clean(s.abort.by)}: ${clean(s.abort.reason)}${s.abort.rollback ? ' (with rollback)' : ''}`);
  }
  if (s.lease?.live && !s.finishedAt) lines.push(`  driven by ${clean(s.lease.holder)} (lease until ${s.lease.until})`);
  lines.push(...rolloutSafetyLines(s));
  for (const w of s.waves) {
    lines.push(`  wave ${clean(w.name)}: ${w.status}${w.failed ? `, ${w.failed} failed` : ''}${w.allowed !== undefined ? ` (${w.allowed} allowed)` : ''}`);
    for (const t of w.targets) {
      lines.push(targetSummaryLine(t));
      const outputs = outputsLine(t);
      if (outputs) lines.push(`      ${outputs}`);
    }
    lines.push(...waveSafetyLines(w, s.rolloutId));
  }
  lines.push(...rollbackLines(s));
  lines.push(`  journal: ${clean(s.journal)}`);
  return `${lines.join('\n')}\n`;
}

export interface LsEntry {
  readonly rolloutId: string;
  readonly state: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly targets: number;
  readonly failed: number;
}

export function renderLs(d: { rollouts: readonly LsEntry[]; location: string }): string {
  if (d.rollouts.length === 0) return `no rollouts under ${clean(d.location)}\n`;
  const rows = d.rollouts.map((r) => `${clean(r.rolloutId).padEnd(40)} ${r.state.padEnd(11)} ${String(r.targets).padStart(4)} target(s) ${String(r.failed).padStart(3)} failed  ${r.startedAt ?? ''}`);
  return `${rows.join('\n')}\n`;
}
