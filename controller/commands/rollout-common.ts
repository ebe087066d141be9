// What the `fleetctl rollout` commands share: the config and the plan (exit 2 when the config is
// invalid or the release goes nowhere), where a rollout's journal and lease lie (next to the
// release in the release bucket), the client pool, the release manifest, and reading a rollout
// back as a summary. The composition root (main.ts) passes the effects in `RolloutDeps`.
import { resolve } from 'node:path';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { AwsPool, AwsSession } from '../aws/pool.js';
import { MANIFEST_SCHEMA, manifestKey, releaseKeyPrefix, rolloutKeyPrefix, type ReleaseManifest } from '../release/manifest.js';
import type { RolloutConfig, TargetKind } from '../rollout/config-types.js';
import type { DriversDeps } from '../rollout/drivers/index.js';
import type { GateChecker } from '../rollout/gates/types.js';
import { LEASE_SCHEMA } from '../rollout/lease.js';
import { parseRolloutId, planRollout, type RolloutPlan } from '../rollout/plan.js';
import type { LiveSink } from '../rollout/render-live.js';
import type { TargetDriver } from '../rollout/runner.js';
import type { S3ObjectStore } from '../rollout/s3-object-store.js';
import { SharedJournal } from '../rollout/shared-journal.js';
import { summarize, type LeaseSummary, type RolloutSummary } from '../rollout/summary.js';
import { DEFAULT_CONFIG, loadRolloutConfig, sdkPool } from './release.js';

export interface RolloutFlags {
  config?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
}

export type DriverFactory = (deps: DriversDeps) => Readonly<Record<TargetKind, TargetDriver>>;

/** What a gate checker reads with: the AWS pool (shadows, deployments, alarms), timers, the clock (ms). */
export interface GateDeps {
  readonly pool: AwsPool;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Where a command gate runs: the config's folder (its paths are relative to it, as the release's parts are). */
  readonly cwd: string;
}

export type GateFactory = (deps: GateDeps) => GateChecker;

export interface RolloutDeps {
  /** AWS_REGION / AWS_DEFAULT_REGION, for a config that names no region. */
  readonly defaultRegion?: string;
  /** Builds the AWS client pool (tests pass one over fakes); default: the SDK adapter. */
  readonly pool?: (opts: { region: string; profile?: string; endpointUrl?: string }) => Promise<AwsPool>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** The process environment: AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL, as for the fleet commands. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** From the call on, SIGINT/SIGTERM abort the signal instead of ending the process, so a command that
   * must undo its writes (plan --change-sets) can; a second signal ends the process. */
  readonly interrupts?: () => AbortSignal;
  /** This machine and process: the lease holder's name, and who may take a dead holder's lease at once. */
  readonly host: string;
  readonly pid: number;
  readonly isAlive: (pid: number) => boolean;
  /** Where live progress goes (stderr). */
  readonly progress: LiveSink;
  /** The target drivers (default: controller/rollout/drivers). */
  readonly drivers?: DriverFactory;
  /** The waves' gate checker (default: controller/rollout/gates, loaded only when a wave has gates). */
  readonly gates?: GateFactory;
  /** How often a baking wave's gates are read (default: the runner's BAKE_CHECK_MS). */
  readonly bakeCheckMs?: number;
  /** Starts `fleetctl <args>` in the background, its output appended to `logFile`. */
  readonly spawnDetached?: (args: readonly string[], logFile: string) => Promise<{ pid: number }>;
  /** Between two rounds of follows (default 2 s). */
  readonly pollMs?: number;
  /** Lease lifetime without renewal (default 2 min) and how often it is renewed (default 30 s). */
  readonly leaseTtlMs?: number;
  readonly leaseRenewMs?: number;
}

/** Where one rollout lives in the release bucket. */
export interface RolloutLocation {
  readonly rolloutId: string;
  readonly bucket: string;
  readonly region: string;
  readonly releasePrefix: string;
  readonly manifestKey: string;
  readonly prefix: string;
  readonly leaseKey: string;
  readonly journal: string;
}

export function locate(bucket: string, region: string, prefix: string, rolloutId: string): RolloutLocation {
  const id = parseRolloutId(rolloutId);
  if (!id) throw new EdgeError('CLI_USAGE', `${rolloutId} is not a rollout id (<application>@<version>@<environment>, as rollout ls shows)`);
  const releasePrefix = releaseKeyPrefix(prefix, id.application, id.version);
  const at = rolloutKeyPrefix(releasePrefix, id.environment);
  return {
    rolloutId,
    bucket,
    region,
    releasePrefix,
    manifestKey: manifestKey(releasePrefix),
    prefix: at,
    leaseKey: `${at}lease.json`,
    journal: `s3://${bucket}/${at}journal/`,
  };
}

export interface Loaded {
  readonly file: string;
  readonly config: RolloutConfig;
}

export const loadConfig = (flags: RolloutFlags, deps: Pick<RolloutDeps, 'defaultRegion'>): Loaded => {
  const file = resolve(flags.config ?? DEFAULT_CONFIG);
  return { file, config: loadRolloutConfig(file, deps.defaultRegion) };
};

/** The plan of `version` (in `environment` when given): ROLLOUT_NOT_ROUTED (exit 2, listing the environments) when it goes nowhere. */
export function planOrThrow(config: RolloutConfig, version: string, environment?: string): RolloutPlan {
  if (!version) throw new EdgeError('CLI_USAGE', 'give the release version: --release V');
  const r = planRollout(config, version, environment);
  if (!r.ok) throw new EdgeError('ROLLOUT_NOT_ROUTED', r.reason, { details: { environments: config.environments.map((e) => ({ name: e.name, match: e.match, exclude: e.exclude })) } });
  return r.plan;
}

export const releaseRegion = (config: RolloutConfig): string => config.release.region ?? config.region;

export function locationOf(config: RolloutConfig, plan: RolloutPlan): RolloutLocation {
  return locate(config.release.bucket, releaseRegion(config), config.release.prefix, plan.rolloutId);
}

export function openPool(region: string, flags: RolloutFlags, deps: Pick<RolloutDeps, 'pool' | 'env'>): Promise<AwsPool> {
  const opts = { region, ...(flags.profile ? { profile: flags.profile } : {}), ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}) };
  return deps.pool ? deps.pool(opts) : sdkPool({ ...opts, ...(deps.env ? { env: deps.env } : {}) });
}

/** The release manifest `fleetctl release push` wrote; exit 1 asking to push it when it is not there. */
export async function loadManifest(session: AwsSession, loc: RolloutLocation, version: string): Promise<ReleaseManifest> {
  let body: Uint8Array;
  try {
    body = (await session.s3.getObject({ bucket: loc.bucket, key: loc.manifestKey })).body;
  } catch (e) {
    if (!isEdgeError(e, 'AWS_NOT_FOUND')) throw e;
    throw new EdgeError('ROLLOUT_RELEASE_MISSING', `release ${version} is not in s3://${loc.bucket}/${loc.releasePrefix}: push the release first: fleetctl release push --version ${version}`, {
      details: { manifest: `s3://${loc.bucket}/${loc.manifestKey}` },
    });
  }
  let m: ReleaseManifest;
  try {
    m = JSON.parse(Buffer.from(body).toString('utf8')) as ReleaseManifest;
  } catch (e) {
    throw new EdgeError('ROLLOUT_RELEASE_MISSING', `the release manifest s3://${loc.bucket}/${loc.manifestKey} is not JSON: push the release again (fleetctl release push --version ${version})`, { cause: e });
  }
  if (m.schema !== MANIFEST_SCHEMA || m.version !== version) {
    throw new EdgeError('ROLLOUT_RELEASE_MISSING', `s3://${loc.bucket}/${loc.manifestKey} is not the manifest of release ${version} (schema ${String(m.schema)}, version ${String(m.version)})`);
  }
  return m;
}

export const journalOf = (store: S3ObjectStore, loc: RolloutLocation, now: () => Date): SharedJournal => new SharedJournal({ store, prefix: loc.prefix, now });

export async function readLease(store: S3ObjectStore, loc: RolloutLocation, now: Date): Promise<LeaseSummary | undefined> {
  const o = await store.get(loc.leaseKey);
  if (!o) return undefined;
  try {
    const d = JSON.parse(o.body.toString('utf8')) as { schema?: string; holder?: unknown; until?: unknown };
    if (d.schema !== LEASE_SCHEMA || typeof d.holder !== 'string' || typeof d.until !== 'string') return undefined;
    return { holder: d.holder, until: d.until, live: Date.parse(d.until) > now.getTime() };
  } catch {
    return undefined;
  }
}

/** Reads a rollout back from its journal; ROLLOUT_NOT_FOUND when it never started. */
export async function readSummary(store: S3ObjectStore, loc: RolloutLocation, now: () => Date): Promise<RolloutSummary> {
  const journal = journalOf(store, loc, now);
  const state = await journal.load();
  if (!state.started) {
    throw new EdgeError('ROLLOUT_NOT_FOUND', `no rollout ${loc.rolloutId}: nothing at ${loc.journal}`, { details: { journal: loc.journal } });
  }
  return summarize(loc.rolloutId, state, journal.all, journal.location, await readLease(store, loc, now()));
}
