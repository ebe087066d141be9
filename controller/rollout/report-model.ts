// One rollout as its reports show it (HTML, Markdown, JUnit): the summary `status` gives, plus what
// only the entries' times tell (when each wave and target started and ended), every approval,
// pause and abort as journaled, device health counts from the gates' values, and a link to the
// AWS console for each deployment, change set and web prefix. Built from the journal and, when the
// config is at hand, the plan (a target's kind, account, region, bucket). Pure: the renderers
// escape every string, since journal and config text is anything anyone wrote.
import type { Target } from './config-types.js';
import type { GatePhase, GateResult } from './gates/types.js';
import type { JournalEntry, RolloutState } from './journal-model.js';
import { parseRolloutId, type RolloutPlan } from './plan.js';
import { gateViews } from './render-safety.js';
import { refText, previousText } from './render.js';
import { consoleLink, type ConsoleLink } from './report-links.js';
import { summarize, type RolloutStateName, type TargetSummary } from './summary.js';

export type { ConsoleLink } from './report-links.js';

export interface ReportTarget {
  readonly name: string;
  readonly status: string;
  readonly attempt: number;
  readonly kind?: string;
  readonly account?: string;
  readonly region?: string;
  /** A ring target (`eu-pis@ring2`): its base target and ring number. */
  readonly ring?: { readonly base: string; readonly index: number };
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly seconds?: number;
  /** The deployment, change set or copy, for people. */
  readonly deployed?: string;
  readonly reason?: string;
  readonly replaced?: string;
  readonly link?: ConsoleLink;
  readonly outputs?: Readonly<Record<string, string>>;
}

export interface ReportGateCheck {
  readonly phase: GatePhase;
  readonly at: string;
  readonly passed: boolean;
  readonly results: readonly GateResult[];
}

export interface ReportWave {
  readonly name: string;
  readonly status: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly seconds?: number;
  readonly failed: number;
  readonly allowed?: number;
  readonly reason?: string;
  readonly bakeUntil?: string;
  /** The gates the config gives the wave now (what passes), when the config is at hand. */
  readonly gatesPlanned: readonly { readonly gate: string; readonly threshold: string }[];
  readonly checks: readonly ReportGateCheck[];
  readonly targets: readonly ReportTarget[];
}

export interface ReportApproval {
  readonly wave: string;
  readonly requestedAt?: string;
  readonly by?: string;
  readonly at?: string;
  readonly comment?: string;
}

export interface ReportPause {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
  readonly resumedBy?: string;
  readonly resumedAt?: string;
}

export interface ReportAbort {
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly rollback: boolean;
}

/** One device health gate check's counts, parsed from the value the gate journaled. */
export interface DeviceHealthCount {
  readonly wave: string;
  readonly phase: GatePhase;
  readonly at: string;
  readonly passed: boolean;
  readonly devices: number;
  readonly healthy: number;
  readonly unhealthy: number;
  readonly unknown: number;
}

export interface ReportRollbackTarget {
  readonly name: string;
  readonly action: string;
  readonly status: string;
  readonly deployed?: string;
  readonly reason?: string;
  readonly link?: ConsoleLink;
}

export interface ReportModel {
  readonly rolloutId: string;
  readonly application: string;
  readonly release: string;
  readonly environment: string;
  readonly outcome: RolloutStateName;
  readonly reason?: string;
  readonly startedBy?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly seconds?: number;
  readonly generatedAt: string;
  readonly journal: string;
  readonly counts: { readonly targets: number; readonly succeeded: number; readonly failed: number; readonly inProgress: number; readonly pending: number };
  readonly waiting?: { readonly for: string; readonly wave: string; readonly message: string; readonly command: string };
  readonly waves: readonly ReportWave[];
  readonly approvals: readonly ReportApproval[];
  readonly pauses: readonly ReportPause[];
  readonly aborts: readonly ReportAbort[];
  readonly halt?: { readonly wave: string; readonly reason: string; readonly gates: readonly GateResult[] };
  readonly rollback?: { readonly policy: string; readonly targets: readonly ReportRollbackTarget[] };
  readonly deviceHealth: readonly DeviceHealthCount[];
}

export interface ReportInput {
  readonly rolloutId: string;
  readonly state: RolloutState;
  readonly entries: readonly JournalEntry[];
  /** s3://bucket/…/journal/ */
  readonly journal: string;
  /** The plan from the config, when at hand: targets' kinds, accounts, regions, buckets; the waves' gates. */
  readonly plan?: RolloutPlan;
  readonly now: Date;
}

const seconds = (from?: string, to?: string): number | undefined => {
  if (!from || !to) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
};

interface Times {
  readonly start: Map<string, string>;
  readonly end: Map<string, string>;
}

/** First start and last end of each wave and target, from the entries' times. */
function timesOf(entries: readonly JournalEntry[]): { waves: Times; targets: Times } {
  const waves: Times = { start: new Map(), end: new Map() };
  const targets: Times = { start: new Map(), end: new Map() };
  for (const e of entries) {
    if (e.type === 'wave-started' && !waves.start.has(e.wave)) waves.start.set(e.wave, e.at);
    if (e.type === 'wave-finished') waves.end.set(e.wave, e.at);
    if ((e.type === 'target-intent' || e.type === 'target-started') && !targets.start.has(e.target)) targets.start.set(e.target, e.at);
    if (e.type === 'target-finished') targets.end.set(e.target, e.at);
  }
  return { waves, targets };
}

const RING = /^(.+)@ring(\d+)$/;

function reportTarget(t: TargetSummary, planned: Target | undefined, times: Times): ReportTarget {
  const startedAt = times.start.get(t.name);
  const endedAt = times.end.get(t.name);
  const ring = planned?.kind === 'devices' && planned.ring ? { base: planned.ring.base, index: planned.ring.index } : undefined;
  const named = RING.exec(t.name);
  const link = consoleLink(t.ref, planned);
  const secs = seconds(startedAt, endedAt);
  return {
    name: t.name,
    status: t.status,
    attempt: t.attempt,
    ...(planned ? { kind: planned.kind, region: planned.region, ...(planned.account ? { account: planned.account } : {}) } : {}),
    ...(ring ? { ring } : named ? { ring: { base: named[1] ?? '', index: Number(named[2]) } } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
    ...(secs !== undefined ? { seconds: secs } : {}),
    ...(t.ref ? { deployed: refText(t.ref) } : {}),
    ...(t.reason ? { reason: t.reason } : {}),
    ...(t.previous ? { replaced: previousText(t.previous) } : {}),
    ...(link ? { link } : {}),
    ...(t.outputs ? { outputs: t.outputs } : {}),
  };
}

const HEALTH = /^(\d+) of (\d+) devices unhealthy \(\d+%\), (\d+) unknown/;

/** The device health gate's counts, read back from its value (`2 of 20 devices unhealthy (10%), 1 unknown`). */
export function deviceHealthCounts(waves: readonly ReportWave[]): DeviceHealthCount[] {
  const out: DeviceHealthCount[] = [];
  for (const w of waves) {
    for (const c of w.checks) {
      for (const r of c.results) {
        const m = r.gate === 'device-health' ? HEALTH.exec(r.value) : null;
        if (!m) continue;
        const [unhealthy, devices, unknown] = [Number(m[1]), Number(m[2]), Number(m[3])];
        out.push({ wave: w.name, phase: c.phase, at: c.at, passed: r.passed, devices, unhealthy, unknown, healthy: devices - unhealthy - unknown });
      }
    }
  }
  return out;
}

function requestsOf(entries: readonly JournalEntry[]): { approvals: ReportApproval[]; pauses: ReportPause[]; aborts: ReportAbort[] } {
  const approvals = new Map<string, ReportApproval>();
  const pauses: ReportPause[] = [];
  const aborts: ReportAbort[] = [];
  for (const e of entries) {
    if (e.type === 'approval-requested') approvals.set(e.wave, { ...approvals.get(e.wave), wave: e.wave, requestedAt: e.at });
    if (e.type === 'approved') {
      approvals.set(e.wave, { ...approvals.get(e.wave), wave: e.wave, by: e.by, at: e.at, ...(e.comment ? { comment: e.comment } : {}) });
    }
    if (e.type === 'pause-requested') pauses.push({ by: e.by, at: e.at, ...(e.reason ? { reason: e.reason } : {}) });
    const open = pauses.at(-1);
    if (e.type === 'resumed' && open && !open.resumedAt) pauses[pauses.length - 1] = { ...open, resumedBy: e.by, resumedAt: e.at };
    if (e.type === 'abort-requested') aborts.push({ by: e.by, at: e.at, reason: e.reason, rollback: e.rollback === true });
  }
  return { approvals: [...approvals.values()], pauses, aborts };
}

export function buildReport(input: ReportInput): ReportModel {
  const s = summarize(input.rolloutId, input.state, input.entries, input.journal);
  const id = parseRolloutId(input.rolloutId);
  const planned = new Map<string, Target>();
  for (const w of input.plan?.waves ?? []) for (const t of w.targets) planned.set(t.name, t);
  const times = timesOf(input.entries);
  const waves = s.waves.map((w): ReportWave => {
    const startedAt = times.waves.start.get(w.name);
    const endedAt = times.waves.end.get(w.name);
    const pw = input.plan?.waves.find((x) => x.name === w.name);
    const secs = seconds(startedAt, endedAt);
    return {
      name: w.name,
      status: w.status,
      ...(startedAt ? { startedAt } : {}),
      ...(endedAt ? { endedAt } : {}),
      ...(secs !== undefined ? { seconds: secs } : {}),
      failed: w.failed,
      ...(w.allowed !== undefined ? { allowed: w.allowed } : {}),
      ...(w.reason ? { reason: w.reason } : {}),
      ...(w.bakeUntil ? { bakeUntil: w.bakeUntil } : {}),
      gatesPlanned: pw ? gateViews(pw.gates).map((g) => ({ gate: g.gate, threshold: g.threshold })) : [],
      checks: w.checks.map((c) => ({ phase: c.phase, at: c.at, passed: c.passed, results: c.results })),
      targets: w.targets.map((t) => reportTarget(t, planned.get(t.name), times.targets)),
    };
  });
  const rollback = s.rollback && {
    policy: s.rollback.policy,
    targets: s.rollback.targets.map((t): ReportRollbackTarget => {
      const link = consoleLink(t.ref, planned.get(t.name));
      return {
        name: t.name,
        action: t.action,
        status: t.status,
        ...(t.ref ? { deployed: refText(t.ref) } : {}),
        ...(t.reason ? { reason: t.reason } : {}),
        ...(link ? { link } : {}),
      };
    }),
  };
  const total = seconds(s.startedAt, s.finishedAt);
  return {
    rolloutId: s.rolloutId,
    application: id?.application ?? input.plan?.application ?? '',
    release: id?.version ?? input.plan?.version ?? '',
    environment: id?.environment ?? input.plan?.environment ?? '',
    outcome: s.state,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.startedBy ? { startedBy: s.startedBy } : {}),
    ...(s.startedAt ? { startedAt: s.startedAt } : {}),
    ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
    ...(total !== undefined ? { seconds: total } : {}),
    generatedAt: input.now.toISOString(),
    journal: s.journal,
    counts: s.counts,
    ...(s.waiting ? { waiting: s.waiting } : {}),
    waves,
    ...requestsOf(input.entries),
    ...(s.halt ? { halt: s.halt } : {}),
    ...(rollback ? { rollback } : {}),
    deviceHealth: deviceHealthCounts(waves),
  };
}

/** `1m 05s`, `2.4s`, `1h 02m`: a duration for people. */
export function durationText(secs: number | undefined): string {
  if (secs === undefined) return '';
  if (secs < 60) return `${secs < 10 ? secs.toFixed(1) : Math.round(secs)}s`;
  const m = Math.floor(secs / 60);
  if (m < 60) return `${m}m ${String(Math.round(secs % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
