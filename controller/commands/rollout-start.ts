// fleetctl rollout start --config fleet.yml --release V [--environment E] [--detach] [--json] and
// fleetctl rollout resume ID: drives the rollout wave by wave through the target drivers, with the
// journal and the lease in S3 next to the release. The rollout id is deterministic, so starting a
// rollout again resumes it, and a finished one prints its result and exits as it did (0 all
// done, 1 halted or aborted). Exit 3: the rollout waits for a person, an approval of the next wave
// (`rollout approve`) or the end of a pause (`rollout resume`); the message says which, on stderr
// and as the summary's `waiting`, and a pipeline maps it to its own approval step.
import { dirname, join, resolve } from 'node:path';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode, type ExitCodeValue } from '../../shared/cli/exit-codes.js';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { AwsPool } from '../aws/pool.js';
import type { ReleaseManifest } from '../release/manifest.js';
import type { RolloutConfig } from '../rollout/config-types.js';
import type { GateChecker } from '../rollout/gates/types.js';
import { holderGoneOn, holderOf } from '../rollout/holder.js';
import { Lease } from '../rollout/lease.js';
import { parseRolloutId, type RolloutPlan } from '../rollout/plan.js';
import { liveMode, LiveView } from '../rollout/render-live.js';
import { RolloutRunner, type TargetDriver } from '../rollout/runner.js';
import { S3ObjectStore } from '../rollout/s3-object-store.js';
import { appendRequest, type SharedJournal } from '../rollout/shared-journal.js';
import { exitOfState, summarize, type RolloutSummary } from '../rollout/summary.js';
import { waitingOf } from '../rollout/summary-safety.js';
import type { TargetKind } from '../rollout/config-types.js';
import {
  journalOf,
  loadConfig,
  loadManifest,
  locationOf,
  openPool,
  planOrThrow,
  readLease,
  type GateFactory,
  type RolloutDeps,
  type RolloutFlags,
  type RolloutLocation,
} from './rollout-common.js';
import { writeReportDir } from './rollout-report-files.js';

export interface StartFlags extends RolloutFlags {
  release: string;
  environment?: string;
  detach?: boolean;
  /** With --detach: where the background controller's output goes. */
  log?: string;
  /** Where report.html, report.md and junit.xml go at the end of the run (whatever its outcome). */
  reportDir?: string;
}

export type StartResult = RolloutSummary | { readonly rolloutId: string; readonly detached: { readonly pid: number; readonly log: string }; readonly journal: string };

export const isDetached = (r: StartResult): r is Extract<StartResult, { detached: unknown }> => 'detached' in r;

/** What a run needs once config, plan, pool and manifest are there (shared with abort). */
export interface Driving {
  /** The config file, absolute. */
  readonly file: string;
  readonly config: RolloutConfig;
  readonly plan: RolloutPlan;
  readonly loc: RolloutLocation;
  readonly pool: AwsPool;
  readonly manifest: ReleaseManifest;
  readonly store: S3ObjectStore;
  readonly journal: SharedJournal;
  /** The caller's identity (STS GetCallerIdentity ARN). */
  readonly identity: string;
  /** Caller identity + host + pid. */
  readonly holder: string;
  readonly lease: Lease;
  readonly drivers: Readonly<Record<TargetKind, TargetDriver>>;
  /** Present when a wave has gates (or the deps bring a checker). */
  readonly gates?: GateChecker;
}

/** The longest wait between two looks at a running target (the runner starts shorter: pollDelay). */
export const DEFAULT_POLL_MS = 2000;
const DEFAULT_LEASE_TTL_MS = 120_000;
const DEFAULT_LEASE_RENEW_MS = 30_000;

async function defaultDrivers(): Promise<NonNullable<RolloutDeps['drivers']>> {
  const m = await import('../rollout/drivers/index.js');
  return m.createDrivers;
}

async function defaultGates(): Promise<GateFactory> {
  const m = await import('../rollout/gates/index.js');
  return m.createGateChecker;
}

const hasGates = (plan: RolloutPlan): boolean => plan.waves.some((w) => Object.keys(w.gates).length > 0);

/** Opens everything a run needs; the caller destroys `pool`. */
export async function openDriving(flags: StartFlags, deps: RolloutDeps): Promise<Driving> {
  const { file, config } = loadConfig(flags, deps);
  const plan = planOrThrow(config, flags.release, flags.environment);
  const loc = locationOf(config, plan);
  const pool = await openPool(loc.region, flags, deps);
  try {
    const session = pool.session({ region: loc.region });
    const manifest = await loadManifest(session, loc, plan.version);
    const store = new S3ObjectStore(session.s3, loc.bucket);
    const journal = journalOf(store, loc, deps.now);
    const me = await session.sts.getCallerIdentity();
    const holder = holderOf({ identity: me.arn, host: deps.host, pid: deps.pid });
    const lease = new Lease({
      store,
      key: loc.leaseKey,
      holder,
      now: deps.now,
      ttlMs: deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      holderGone: holderGoneOn(deps.host, deps.isAlive),
    });
    const factory = deps.drivers ?? (await defaultDrivers());
    const now = (): number => deps.now().getTime();
    const drivers = factory({ pool, manifest, rolloutId: plan.rolloutId, sleep: deps.sleep, now, store, prefix: loc.prefix });
    // the gates module (and what it reads with) is loaded only for a rollout that has gates
    const gateFactory = deps.gates ?? (hasGates(plan) ? await defaultGates() : undefined);
    const gates = gateFactory?.({ pool, sleep: deps.sleep, now, cwd: dirname(file) });
    const identity = me.arn;
    return { file, config, plan, loc, pool, manifest, store, journal, identity, holder, lease, drivers, ...(gates ? { gates } : {}) };
  } catch (e) {
    pool.destroy();
    throw e;
  }
}

/** Runs the rollout to its end (or to where another controller holds it: ROLLOUT_LEASE_HELD, exit 1). */
export async function drive(d: Driving, flags: RolloutFlags, deps: RolloutDeps): Promise<RolloutSummary> {
  const waves = d.plan.waves.map((w) => ({ name: w.name, targets: w.targets.map((t) => t.name) }));
  const view = new LiveView(deps.progress, liveMode(flags.json === true, deps.progress), waves, deps.now);
  view.seed(d.journal.current.targets.values(), d.journal.current.waves);
  const runner = new RolloutRunner({
    plan: d.plan,
    journal: d.journal,
    lease: d.lease,
    drivers: d.drivers,
    by: d.holder,
    sleep: deps.sleep,
    now: deps.now,
    pollMs: deps.pollMs ?? DEFAULT_POLL_MS,
    leaseRenewMs: deps.leaseRenewMs ?? DEFAULT_LEASE_RENEW_MS,
    onEvent: (e) => view.onEvent(e),
    ...(d.gates ? { gates: d.gates } : {}),
    // a baking controller writes nothing for a while: it reads in pause, abort and approvals meanwhile
    refresh: () => d.journal.refresh(),
    ...(deps.bakeCheckMs !== undefined ? { bakeCheckMs: deps.bakeCheckMs } : {}),
  });
  try {
    await runner.run();
  } finally {
    view.close();
  }
  const summary = summarize(d.plan.rolloutId, d.journal.current, d.journal.all, d.journal.location);
  tellWaiting(summary, flags, deps);
  return summary;
}

/** What a person must do, on stderr (with --json the live view's NDJSON `waiting` event says it). */
function tellWaiting(s: RolloutSummary, flags: RolloutFlags, deps: RolloutDeps): void {
  if (s.waiting && flags.json !== true) deps.progress.write(`${s.waiting.message}\n`);
}

export const exitOf = (s: RolloutSummary): ExitCodeValue => exitOfState(s.state);

export function rolloutStart(flags: StartFlags, deps: RolloutDeps): Promise<CommandOutcome<StartResult>> {
  return startOrResume(flags, deps, false);
}

/**
 * `resume`: a pause in force is lifted first (journaled as `resumed`, by the caller); `start` leaves
 * it, and exits 3 saying to resume. A waiting rollout is not detached: nothing would run.
 */
async function startOrResume(flags: StartFlags, deps: RolloutDeps, resume: boolean): Promise<CommandOutcome<StartResult>> {
  const d = await openDriving(flags, deps);
  try {
    const outcome = await runOrResume(d, flags, deps, resume);
    if (!isDetached(outcome.data)) report(d, flags, deps);
    return outcome;
  } catch (e) {
    // a run that broke off (lease lost, AWS gone) reports the journal as far as it got
    report(d, flags, deps);
    throw e;
  } finally {
    d.pool.destroy();
  }
}

/** --report-dir: the reports of the journal as this run leaves it; a failure only warns (writeReportDir). */
function report(d: Driving, flags: StartFlags, deps: RolloutDeps): void {
  if (flags.reportDir === undefined || !d.journal.current.started) return;
  const input = { rolloutId: d.plan.rolloutId, state: d.journal.current, entries: d.journal.all, journal: d.journal.location, plan: d.plan, now: deps.now() };
  writeReportDir(flags.reportDir, input, deps.progress, flags.json === true);
}

async function runOrResume(d: Driving, flags: StartFlags, deps: RolloutDeps, resume: boolean): Promise<CommandOutcome<StartResult>> {
  const state = await d.journal.load();
  if (state.outcome) {
    const done = summarize(d.plan.rolloutId, state, d.journal.all, d.journal.location);
    return { data: done, exit: exitOf(done) };
  }
  const resumed = resume && state.paused !== undefined;
  if (resumed) await appendRequest(d.journal, { type: 'resumed', by: d.identity });
  if (flags.detach) {
    if (!waitingOf(d.plan.rolloutId, d.journal.current)) return { data: await detach(d, flags, deps), exit: ExitCode.OK };
    const waiting = summarize(d.plan.rolloutId, d.journal.current, d.journal.all, d.journal.location);
    tellWaiting(waiting, flags, deps);
    return { data: waiting, exit: exitOf(waiting) };
  }
  try {
    const summary = await drive(d, flags, deps);
    return { data: summary, exit: exitOf(summary) };
  } catch (e) {
    if (!resumed || !isEdgeError(e, 'ROLLOUT_LEASE_HELD')) throw e;
    // paused during a wave its controller still drives: that controller reads the resume in and
    // carries on past the pause, so the resume did its work (the summary names the controller)
    await d.journal.load();
    const lease = await readLease(d.store, d.loc, deps.now());
    return { data: summarize(d.plan.rolloutId, d.journal.current, d.journal.all, d.journal.location, lease), exit: ExitCode.OK };
  }
}

async function detach(d: Driving, flags: StartFlags, deps: RolloutDeps): Promise<StartResult> {
  if (!deps.spawnDetached) throw new EdgeError('CLI_USAGE', '--detach is not available here');
  const log = resolve(flags.log ?? join(dirname(d.file), '.fleetctl', `${d.plan.rolloutId}.log`));
  const args = ['rollout', 'resume', d.plan.rolloutId, '--config', d.file];
  if (flags.profile) args.push('--profile', flags.profile);
  if (flags.endpointUrl) args.push('--endpoint-url', flags.endpointUrl);
  if (flags.reportDir !== undefined) args.push('--report-dir', resolve(flags.reportDir));
  const child = await deps.spawnDetached(args, log);
  return { rolloutId: d.plan.rolloutId, detached: { pid: child.pid, log }, journal: d.loc.journal };
}

/** fleetctl rollout resume ID: lifts a pause, then the same as starting the rollout the id names again. */
export async function rolloutResume(id: string, flags: RolloutFlags & Omit<StartFlags, 'release' | 'environment'>, deps: RolloutDeps): Promise<CommandOutcome<StartResult>> {
  const parsed = parseRolloutId(id);
  if (!parsed) throw new EdgeError('CLI_USAGE', `${id} is not a rollout id (<application>@<version>@<environment>, as rollout ls shows)`);
  const { config } = loadConfig(flags, deps);
  if (config.application !== parsed.application) {
    throw new EdgeError('CLI_USAGE', `rollout ${id} is of application ${parsed.application}, but the config is of ${config.application}: pass its fleet.yml with --config`);
  }
  return startOrResume({ ...flags, release: parsed.version, environment: parsed.environment }, deps, true);
}
