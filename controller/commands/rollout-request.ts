// What `fleetctl rollout approve` and `rollout pause` share: the rollout the id names (its plan
// from the config, its journal in the release bucket) and who asks (STS GetCallerIdentity). A
// request is one journal entry, written whether or not a controller drives the rollout
// (appendRequest: the driving controller reads it in at its next step); no lease, no drivers.
import { EdgeError } from '../../shared/errors.js';
import type { AwsPool } from '../aws/pool.js';
import type { EntryBody, RolloutState } from '../rollout/journal-model.js';
import { Journal } from '../rollout/journal-store.js';
import { parseRolloutId, type RolloutPlan } from '../rollout/plan.js';
import { S3ObjectStore } from '../rollout/s3-object-store.js';
import { appendRequest } from '../rollout/shared-journal.js';
import { summarize, type RolloutSummary } from '../rollout/summary.js';
import {
  loadConfig,
  locationOf,
  openPool,
  planOrThrow,
  readLease,
  type RolloutDeps,
  type RolloutFlags,
  type RolloutLocation,
} from './rollout-common.js';

export interface RequestContext {
  readonly plan: RolloutPlan;
  readonly loc: RolloutLocation;
  readonly store: S3ObjectStore;
  readonly journal: Journal;
  /** The caller's identity (ARN): who approved, paused or resumed. */
  readonly identity: string;
  /** The journal as read (ROLLOUT_NOT_FOUND when the rollout never started). */
  readonly state: RolloutState;
}

/** A text from the command line as the journal keeps it: one line, at most 500 characters. */
export const requestText = (s: string): string => s.replace(/\p{Cc}/gu, ' ').trim().slice(0, 500);

/** Opens the rollout `id` names with the config's plan, and runs `body`; the pool is destroyed after. */
export async function withRequest<T>(
  id: string,
  flags: RolloutFlags,
  deps: RolloutDeps,
  body: (ctx: RequestContext) => Promise<T>,
): Promise<T> {
  const parsed = parseRolloutId(id);
  if (!parsed) throw new EdgeError('CLI_USAGE', `${id} is not a rollout id (<application>@<version>@<environment>, as rollout ls shows)`);
  const { config } = loadConfig(flags, deps);
  if (config.application !== parsed.application) {
    throw new EdgeError(
      'CLI_USAGE',
      `rollout ${id} is of application ${parsed.application}, but the config is of ${config.application}: pass its fleet.yml with --config`,
    );
  }
  const plan = planOrThrow(config, parsed.version, parsed.environment);
  const loc = locationOf(config, plan);
  const pool: AwsPool = await openPool(loc.region, flags, deps);
  try {
    const session = pool.session({ region: loc.region });
    const store = new S3ObjectStore(session.s3, loc.bucket);
    const journal = new Journal({ store, prefix: loc.prefix, now: deps.now });
    const state = await journal.load();
    if (!state.started) {
      const start = `fleetctl rollout start --release ${parsed.version}`;
      throw new EdgeError('ROLLOUT_NOT_FOUND', `no rollout ${id}: nothing at ${loc.journal}; start it first (${start})`, {
        details: { journal: loc.journal },
      });
    }
    const identity = (await session.sts.getCallerIdentity()).arn;
    return await body({ plan, loc, store, journal, identity, state });
  } finally {
    pool.destroy();
  }
}

/** Writes one request entry (retrying when the driving controller wrote first) and reads the journal back. */
export async function writeRequest(ctx: RequestContext, body: EntryBody): Promise<void> {
  await appendRequest(ctx.journal, body);
  await ctx.journal.load();
}

/** The rollout as it stands, with the lease (whether a controller drives it now). */
export async function requestSummary(ctx: RequestContext, deps: RolloutDeps): Promise<RolloutSummary> {
  const lease = await readLease(ctx.store, ctx.loc, deps.now());
  return summarize(ctx.plan.rolloutId, ctx.journal.current, ctx.journal.all, ctx.journal.location, lease);
}

/** A controller holds a live lease on the rollout now (it reads requests in by itself). */
export const driven = (s: RolloutSummary): boolean => s.lease?.live === true && !s.finishedAt;
