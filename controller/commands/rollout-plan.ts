// fleetctl rollout plan --config fleet.yml --release V [--environment E] [--change-sets] [--json]:
// what a rollout of V would do, changing nothing anywhere (only reads and AssumeRole): per wave its
// targets, approval, gates (with what passes) and bake, and the environment's rollback policy.
// Exit 0 it could run, 1 a target is unreachable or blocked, 2 the config is invalid or the release
// goes nowhere. --change-sets, the one exception, creates each stack target's change set to list its
// resource changes and deletes it again (rollout-plan-change-sets.ts); exit 1 also when a change set
// fails or something could not be deleted again.
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { isEdgeError } from '../../shared/errors.js';
import type { OnPremisesInstance } from '../aws/ports.js';
import { inspectTarget, type Problem } from '../rollout/inspect.js';
import { forEachLimited } from '../fleet/pool.js';
import { sessionFor } from '../rollout/drivers/session.js';
import type { PlanView } from '../rollout/render.js';
import { gateViews } from '../rollout/render-safety.js';
import { S3ObjectStore } from '../rollout/s3-object-store.js';
import { stateName } from '../rollout/summary.js';
import {
  journalOf,
  loadConfig,
  loadManifest,
  locationOf,
  openPool,
  planOrThrow,
  releaseRegion,
  type RolloutDeps,
  type RolloutFlags,
} from './rollout-common.js';
import { previewChangeSets } from './rollout-plan-change-sets.js';

export interface PlanFlags extends RolloutFlags {
  release: string;
  environment?: string;
  /** Preview each stack target's change set (created and deleted again). */
  changeSets?: boolean;
}

/** Targets inspected (and change sets previewed) at once. */
const INSPECT_CONCURRENCY = 16;

export async function rolloutPlan(flags: PlanFlags, deps: RolloutDeps): Promise<CommandOutcome<PlanView>> {
  const { config } = loadConfig(flags, deps);
  const plan = planOrThrow(config, flags.release, flags.environment);
  const loc = locationOf(config, plan);
  const pool = await openPool(releaseRegion(config), flags, deps);
  try {
    const release = pool.session({ region: loc.region });
    const problems: (Problem & { target?: string })[] = [];
    let pushed = true;
    try {
      await release.s3.headObject({ bucket: loc.bucket, key: loc.manifestKey });
    } catch (e) {
      if (!isEdgeError(e, 'AWS_NOT_FOUND')) throw e;
      pushed = false;
      problems.push({ problem: `release ${plan.version} is not pushed yet`, action: `push it before starting: fleetctl release push --version ${plan.version}`, blocking: false });
    }
    const journal = journalOf(new S3ObjectStore(release.s3, loc.bucket), loc, deps.now);
    const state = stateName(await journal.load());
    const targets = plan.waves.flatMap((w) => w.targets);
    const inspected = new Map<string, Awaited<ReturnType<typeof inspectTarget>>>();
    const fleets = new Map<string, Promise<OnPremisesInstance[]>>();
    await forEachLimited(targets, INSPECT_CONCURRENCY, async (t) => {
      inspected.set(t.name, await inspectTarget(t, sessionFor(pool, t, plan.rolloutId), { fleets }));
    });
    if (flags.changeSets) {
      const manifest = pushed ? await loadManifest(release, loc, plan.version) : undefined;
      const stop = deps.interrupts?.();
      const previewDeps = { sleep: deps.sleep, now: () => deps.now().getTime(), ...(stop ? { stop } : {}) };
      const width = INSPECT_CONCURRENCY;
      problems.push(...(await previewChangeSets({ plan, pool, manifest, inspected, width, deps: previewDeps })));
    }
    const waves = plan.waves.map((w) => ({
      name: w.name,
      concurrency: w.concurrency,
      maxFailedTargets: w.maxFailedTargets,
      ...(w.approval ? { approval: w.approval } : {}),
      targets: w.targets.flatMap((t) => inspected.get(t.name) ?? []),
      gates: gateViews(w.gates),
      ...(w.bakeMs !== undefined ? { bakeMs: w.bakeMs } : {}),
    }));
    for (const w of waves) for (const t of w.targets) problems.push(...t.problems.map((p) => ({ ...p, target: t.target })));
    const couldRun = !problems.some((p) => p.blocking);
    const view: PlanView = {
      rolloutId: plan.rolloutId,
      application: plan.application,
      version: plan.version,
      environment: plan.environment,
      release: { manifest: `s3://${loc.bucket}/${loc.manifestKey}`, pushed },
      journal: { location: loc.journal, state },
      waves,
      rollback: plan.rollback,
      problems,
      couldRun,
    };
    const leftBehind = [...inspected.values()].some((t) => t.changeSet?.leftBehind);
    return { data: view, exit: couldRun && !leftBehind ? ExitCode.OK : ExitCode.FAILED };
  } finally {
    pool.destroy();
  }
}
