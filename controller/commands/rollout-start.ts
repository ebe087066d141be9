// fleetctl rollout start --config fleet.yml --release V [--environment E] [--detach] [--json] and
// fleetctl rollout resume ID: drives the rollout wave by wave through the target drivers, with the
// journal and the lease in S3 next to the release. The rollout id is deterministic, so starting a
// rollout again resumes it, and a finished one prints its result and exits as it did (0 all
// done, 1 halted or aborted). Exit 3 (waiting for a person) is left to the approvals of the safety
// gates: a wave's completion is the one decision point they plug into (next-steps.ts).
import { dirname, join, resolve } from 'node:path';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode, type ExitCodeValue } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import type { AwsPool } from '../aws/pool.js';
import type { ReleaseManifest } from '../release/manifest.js';
import type { RolloutConfig } from '../rollout/config-types.js';
import { holderGoneOn, holderOf } from '../rollout/holder.js';
import { Lease } from '../rollout/lease.js';
import { parseRolloutId, type RolloutPlan } from '../rollout/plan.js';
import { liveMode, LiveView } from '../rollout/render-live.js';
import { RolloutRunner, type TargetDriver } from '../rollout/runner.js';
import { S3ObjectStore } from '../rollout/s3-object-store.js';
import type { SharedJournal } from '../rollout/shared-journal.js';
import { exitOfState, summarize, type RolloutSummary } from '../rollout/summary.js';
import type { TargetKind } from '../rollout/config-types.js';
import {
  journalOf,
  loadConfig,
  loadManifest,
  locationOf,
  openPool,
  planOrThrow,
  type RolloutDeps,
  type RolloutFlags,
  type RolloutLocation,
} from './rollout-common.js';

export interface StartFlags extends RolloutFlags {
  release: string;
  environment?: string;
  detach?: boolean;
  /** With --detach: where the background controller's output goes. */
  log?: string;
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
  /** Caller identity + host + pid. */
  readonly holder: string;
  readonly lease: Lease;
  readonly drivers: Readonly<Record<TargetKind, TargetDriver>>;
}

/** The longest wait between two looks at a running target (the runner starts shorter: pollDelay). */
export const DEFAULT_POLL_MS = 2000;
const DEFAULT_LEASE_TTL_MS = 120_000;
const DEFAULT_LEASE_RENEW_MS = 30_000;

async function defaultDrivers(): Promise<NonNullable<RolloutDeps['drivers']>> {
  const m = await import('../rollout/drivers/index.js');
  return m.createDrivers;
}

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
    const drivers = factory({ pool, manifest, rolloutId: plan.rolloutId, sleep: deps.sleep, now: () => deps.now().getTime(), store, prefix: loc.prefix });
    return { file, config, plan, loc, pool, manifest, store, journal, holder, lease, drivers };
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
  });
  try {
    await runner.run();
  } finally {
    view.close();
  }
  return summarize(d.plan.rolloutId, d.journal.current, d.journal.all, d.journal.location);
}

export const exitOf = (s: RolloutSummary): ExitCodeValue => exitOfState(s.state);

export async function rolloutStart(flags: StartFlags, deps: RolloutDeps): Promise<CommandOutcome<StartResult>> {
  const d = await openDriving(flags, deps);
  try {
    const state = await d.journal.load();
    if (state.outcome) {
      const done = summarize(d.plan.rolloutId, state, d.journal.all, d.journal.location);
      return { data: done, exit: exitOf(done) };
    }
    if (flags.detach) return { data: await detach(d, flags, deps), exit: ExitCode.OK };
    const summary = await drive(d, flags, deps);
    return { data: summary, exit: exitOf(summary) };
  } finally {
    d.pool.destroy();
  }
}

async function detach(d: Driving, flags: StartFlags, deps: RolloutDeps): Promise<StartResult> {
  if (!deps.spawnDetached) throw new EdgeError('CLI_USAGE', '--detach is not available here');
  const log = resolve(flags.log ?? join(dirname(d.file), '.fleetctl', `${d.plan.rolloutId}.log`));
  const args = ['rollout', 'resume', d.plan.rolloutId, '--config', d.file];
  if (flags.profile) args.push('--profile', flags.profile);
  if (flags.endpointUrl) args.push('--endpoint-url', flags.endpointUrl);
  const child = await deps.spawnDetached(args, log);
  return { rolloutId: d.plan.rolloutId, detached: { pid: child.pid, log }, journal: d.loc.journal };
}

/** fleetctl rollout resume ID: the same as starting the rollout the id names again. */
export async function rolloutResume(id: string, flags: RolloutFlags & { detach?: boolean; log?: string }, deps: RolloutDeps): Promise<CommandOutcome<StartResult>> {
  const parsed = parseRolloutId(id);
  if (!parsed) throw new EdgeError('CLI_USAGE', `${id} is not a rollout id (<application>@<version>@<environment>, as rollout ls shows)`);
  const { config } = loadConfig(flags, deps);
  if (config.application !== parsed.application) {
    throw new EdgeError('CLI_USAGE', `rollout ${id} is of application ${parsed.application}, but the config is of ${config.application}: pass its fleet.yml with --config`);
  }
  return rolloutStart({ ...flags, release: parsed.version, environment: parsed.environment }, deps);
}
