// fleetctl rollout status [ID | --release V] [--watch] and fleetctl rollout ls: a rollout read back
// from its journal in the release bucket, from any machine with read access to it. The bucket and
// prefix come from --config, or from --bucket and --prefix (a machine without the config). Status
// exits 1 for a halted or aborted rollout and 0 for any other it can read, a rollout waiting for an
// approval or a resume included: reading it worked, and its state says what it waits for (exit 3
// is for the start or resume that stopped to wait).
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import { releaseKeyPrefix } from '../release/manifest.js';
import { parseRolloutId } from '../rollout/plan.js';
import { liveMode, LiveView } from '../rollout/render-live.js';
import type { LsEntry } from '../rollout/render.js';
import type { RolloutEvent } from '../rollout/runner.js';
import { S3ObjectStore } from '../rollout/s3-object-store.js';
import { statusExitOfState, type RolloutSummary } from '../rollout/summary.js';
import { loadConfig, locate, openPool, planOrThrow, readSummary, releaseRegion, type RolloutDeps, type RolloutFlags } from './rollout-common.js';

export interface WhereFlags extends RolloutFlags {
  bucket?: string;
  prefix?: string;
  region?: string;
  application?: string;
}

export interface StatusFlags extends WhereFlags {
  release?: string;
  environment?: string;
  watch?: boolean;
  /** Seconds between reads with --watch (default 5). */
  interval?: number;
}

interface Where {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly application?: string;
}

/** The release bucket: --bucket/--prefix/--region, else the config's (`rollout report` reads it the same way). */
export function where(flags: WhereFlags, deps: RolloutDeps): Where & { config?: ReturnType<typeof loadConfig>['config'] } {
  if (flags.bucket) {
    const region = flags.region ?? deps.defaultRegion;
    if (!region) throw new EdgeError('CLI_AWS_CONFIG', 'no region for the release bucket: pass --region or set AWS_REGION');
    return { bucket: flags.bucket, prefix: flags.prefix ?? '', region, ...(flags.application ? { application: flags.application } : {}) };
  }
  const { config } = loadConfig(flags, deps);
  return { bucket: config.release.bucket, prefix: config.release.prefix, region: flags.region ?? releaseRegion(config), application: config.application, config };
}

function rolloutIdOf(id: string | undefined, flags: StatusFlags, w: ReturnType<typeof where>): string {
  if (id) return id;
  if (!flags.release) throw new EdgeError('CLI_USAGE', 'name the rollout: fleetctl rollout status ID, or --release V with --config');
  if (!w.config) throw new EdgeError('CLI_USAGE', '--release needs the config (--config fleet.yml) to know the environment; or pass the rollout id');
  return planOrThrow(w.config, flags.release, flags.environment).rolloutId;
}

/** The events that turn one summary into the next (for the live view of --watch). */
export function changes(before: RolloutSummary | undefined, after: RolloutSummary): RolloutEvent[] {
  const out: RolloutEvent[] = [];
  after.waves.forEach((w, i) => {
    const old = before?.waves[i];
    if (w.status !== 'pending' && old?.status !== w.status) {
      out.push({ type: 'wave', wave: w.name, status: w.status === 'in-progress' ? 'started' : w.status === 'halted' ? 'halted' : 'passed', ...(w.reason ? { reason: w.reason } : {}) });
    }
    w.targets.forEach((t, j) => {
      const o = old?.targets[j];
      if (t.status === 'pending' || (o?.status === t.status && o.attempt === t.attempt)) return;
      const status = t.status === 'intent' ? 'deploying' : t.status === 'pending' ? 'in-progress' : (t.status as 'in-progress' | 'succeeded' | 'failed');
      out.push({ type: 'target', target: t.name, status, ...(t.reason ? { detail: t.reason } : {}), ...(t.adopted ? { adopted: true } : {}) });
    });
  });
  for (const r of after.rollback?.targets ?? []) {
    const o = before?.rollback?.targets.find((x) => x.name === r.name);
    if (o?.status === r.status || r.status === 'pending') continue;
    const busy = r.status === 'intent' || r.status === 'in-progress';
    const status = r.status === 'succeeded' ? 'rolled-back' : busy ? 'rolling-back' : r.status;
    out.push({ type: 'rollback', target: r.name, status, ...(r.reason ? { detail: r.reason } : {}) });
  }
  const w = after.waiting;
  if (w && (before?.waiting?.for !== w.for || before.waiting.wave !== w.wave)) out.push({ type: 'waiting', for: w.for, wave: w.wave });
  const finished = after.state === 'succeeded' || after.state === 'halted' || after.state === 'aborted';
  if (finished && before?.state !== after.state) out.push({ type: 'finished', outcome: after.state as 'succeeded', ...(after.reason ? { reason: after.reason } : {}) });
  return out;
}

export async function rolloutStatus(id: string | undefined, flags: StatusFlags, deps: RolloutDeps): Promise<CommandOutcome<RolloutSummary>> {
  const w = where(flags, deps);
  const rolloutId = rolloutIdOf(id, flags, w);
  const loc = locate(w.bucket, w.region, w.prefix, rolloutId);
  const pool = await openPool(w.region, flags, deps);
  try {
    const store = new S3ObjectStore(pool.session({ region: w.region }).s3, w.bucket);
    let summary = await readSummary(store, loc, deps.now);
    if (flags.watch) {
      const waves = summary.waves.map((x) => ({ name: x.name, targets: x.targets.map((t) => t.name) }));
      const view = new LiveView(deps.progress, liveMode(flags.json === true, deps.progress), waves, deps.now);
      let before: RolloutSummary | undefined;
      for (;;) {
        for (const e of changes(before, summary)) view.onEvent(e);
        if (summary.finishedAt) break;
        before = summary;
        await deps.sleep((flags.interval ?? 5) * 1000);
        summary = await readSummary(store, loc, deps.now);
      }
      view.close();
    }
    return { data: summary, exit: statusExitOfState(summary.state) };
  } finally {
    pool.destroy();
  }
}

export interface LsResult {
  readonly location: string;
  readonly rollouts: readonly LsEntry[];
}

/** fleetctl rollout ls: every rollout of the application under the release prefix, oldest first. */
export async function rolloutLs(flags: WhereFlags, deps: RolloutDeps): Promise<CommandOutcome<LsResult>> {
  const w = where(flags, deps);
  if (!w.application) throw new EdgeError('CLI_USAGE', 'name the application: --application A with --bucket (or pass --config)');
  const appPrefix = releaseKeyPrefix(w.prefix, w.application, '').slice(0, -1);
  const pool = await openPool(w.region, flags, deps);
  try {
    const store = new S3ObjectStore(pool.session({ region: w.region }).s3, w.bucket);
    const rollouts: LsEntry[] = [];
    for (const version of await store.listPrefixes(appPrefix)) {
      for (const env of await store.listPrefixes(`${version}rollouts/`)) {
        const rolloutId = `${w.application}@${version.slice(appPrefix.length, -1)}@${env.slice(`${version}rollouts/`.length, -1)}`;
        if (!parseRolloutId(rolloutId)) continue; // a folder that is no rollout of ours
        try {
          const s = await readSummary(store, locate(w.bucket, w.region, w.prefix, rolloutId), deps.now);
          const { startedAt, finishedAt } = s;
          rollouts.push({ rolloutId, state: s.state, ...(startedAt ? { startedAt } : {}), ...(finishedAt ? { finishedAt } : {}), targets: s.counts.targets, failed: s.counts.failed });
        } catch (e) {
          if (!isEdgeError(e, 'ROLLOUT_NOT_FOUND')) throw e;
        }
      }
    }
    rollouts.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.rolloutId.localeCompare(b.rolloutId));
    return { data: { location: `s3://${w.bucket}/${appPrefix}`, rollouts }, exit: ExitCode.OK };
  } finally {
    pool.destroy();
  }
}
