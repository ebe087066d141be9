// fleetctl rollout rehearse --config fleet.yml --release V [--environment E] [--plan plan.json]
//   [--fail-rate P] [--unhealthy ringN:K ...] [--alarm TARGET@WAVE ...] [--fail TARGET ...] [--time-scale S] [--json]
// Rehearses the rollout policy of V in a throw-away sandbox that mirrors the plan, with faults
// injected, and says whether the policy stops a bad release where it should (rehearse/verdict.ts).
// What it reads of the real estate is the plan: `--plan FILE` (a saved `rollout plan --json`) reads
// nothing; without it the plan is made as `rollout plan` makes it, with the caller's credentials,
// read calls and AssumeRole only. Nothing else reaches AWS: the rollout runs against the sandbox,
// in this process, with the sandbox's credentials. Exit 0 the policy behaved, 1 it let an injected
// bad release through (or, with no bad release, did not complete; or the rehearsal could not run),
// 2 usage. The sandbox (in memory) and the work folder go away at the end, also on SIGINT/SIGTERM.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import type { TargetInspection } from '../rollout/inspect.js';
import type { RolloutPlan } from '../rollout/plan.js';
import type { PlanView } from '../rollout/render.js';
import { parseFaults, parseTimeScale, type FaultFlags } from '../rollout/rehearse/faults.js';
import { accountOf, mirrorEstate, type TargetFacts } from '../rollout/rehearse/mirror.js';
import { buildResult, type RehearsalResult } from '../rollout/rehearse/report.js';
import { hostsOf, resolveFaults } from '../rollout/rehearse/resolve.js';
import { rehearse } from '../rollout/rehearse/run.js';
import { faultWindows } from '../rollout/rehearse/verdict.js';
import { loadConfig, planOrThrow, type RolloutDeps, type RolloutFlags } from './rollout-common.js';

export interface RehearseFlags extends RolloutFlags, FaultFlags {
  release: string;
  environment?: string;
  /** A saved `rollout plan --json` document: the device counts and what runs now, without reading AWS. */
  plan?: string;
  timeScale?: string;
}

export const PLAN_DOC_SCHEMA = 'fleetctl.rollout.plan/v1';

/** The facts of a plan document per target; its rollout and targets must be those of the config. */
export function factsOfPlanView(view: PlanView, plan: RolloutPlan, source: string): Map<string, TargetFacts> {
  if (view.rolloutId !== plan.rolloutId) {
    throw new EdgeError(
      'CLI_USAGE',
      `${source} is the plan of ${String(view.rolloutId)}, not of ${plan.rolloutId}: ` +
        `make it again with fleetctl rollout plan --release ${plan.version} --json`,
    );
  }
  const inspected = new Map<string, TargetInspection>(
    (view.waves ?? []).flatMap((w) => (w.targets ?? []).map((t) => [t.target, t] as const)),
  );
  const missing = plan.waves.flatMap((w) => w.targets.map((t) => t.name)).filter((n) => !inspected.has(n));
  if (missing.length > 0)
    throw new EdgeError('CLI_USAGE', `${source} has no target ${missing.join(', ')}: the config changed since; make the plan again`);
  const facts = new Map<string, TargetFacts>();
  for (const [name, t] of inspected) {
    facts.set(name, {
      ...(/^\d{12}$/.test(t.account) ? { account: t.account } : {}),
      ...(t.ring
        ? { devices: t.ring.devices, ...(t.ring.fleet !== undefined ? { fleet: t.ring.fleet } : {}) }
        : t.devices
          ? { devices: t.devices.matched }
          : {}),
      ...(t.current !== undefined ? { current: t.current } : {}),
    });
  }
  return facts;
}

function readPlanFile(file: string): PlanView {
  let doc: PlanView & { schema?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as PlanView & { schema?: unknown };
  } catch (e) {
    throw new EdgeError(
      'CLI_USAGE',
      `--plan ${file} cannot be read as JSON (${(e as Error).message}): save it with fleetctl rollout plan --json > ${file}`,
    );
  }
  if (doc.schema !== PLAN_DOC_SCHEMA)
    throw new EdgeError('CLI_USAGE', `--plan ${file} is not a ${PLAN_DOC_SCHEMA} document (schema ${String(doc.schema)})`);
  return doc;
}

/** The plan's facts: from --plan, or made against AWS as `rollout plan` does (read calls and AssumeRole only). */
async function planFacts(flags: RehearseFlags, plan: RolloutPlan, deps: RolloutDeps): Promise<Map<string, TargetFacts>> {
  if (flags.plan) return factsOfPlanView(readPlanFile(flags.plan), plan, `--plan ${flags.plan}`);
  if (flags.json !== true) deps.progress.write('rehearsal: reading the plan from AWS, read-only, as `fleetctl rollout plan` does\n');
  const { rolloutPlan } = await import('./rollout-plan.js');
  const { release, environment, config, profile, endpointUrl } = flags;
  const made = await rolloutPlan(
    {
      release,
      ...(environment ? { environment } : {}),
      ...(config ? { config } : {}),
      ...(profile ? { profile } : {}),
      ...(endpointUrl ? { endpointUrl } : {}),
    },
    deps,
  );
  return factsOfPlanView(made.data, plan, 'the plan');
}

export async function rolloutRehearse(flags: RehearseFlags, deps: RolloutDeps): Promise<CommandOutcome<RehearsalResult>> {
  const started = deps.now().getTime();
  const { file, config } = loadConfig(flags, deps);
  const plan = planOrThrow(config, flags.release, flags.environment);
  const specs = parseFaults(flags);
  const timeScale = parseTimeScale(flags.timeScale);
  const facts = await planFacts(flags, plan, deps);
  const estate = mirrorEstate(config, plan, facts);
  const faults = resolveFaults(specs, plan, estate);
  const byName = new Map(plan.waves.flatMap((w) => w.targets.map((t) => [t.name, t] as const)));
  const devices = new Map(
    [...byName.values()]
      .filter((t) => t.kind === 'devices' || t.kind === 'codedeploy')
      .map((t) => [t.name, hostsOf(estate, t).length] as const),
  );
  const windows = faultWindows(plan, faults, devices, estate.pipelineAccount);
  const stop = deps.interrupts?.();
  const sleep = (ms: number): Promise<void> => (stop ? sleepFor(ms, undefined, { signal: stop }) : deps.sleep(ms));
  const work = mkdtempSync(join(tmpdir(), 'fleetctl-rehearse-'));
  try {
    const run = await rehearse(
      { config, configText: readFileSync(file, 'utf8'), plan, estate, faults, timeScale, json: flags.json === true },
      { work, progress: deps.progress, sleep, now: deps.now, host: deps.host, pid: deps.pid },
    );
    const result = buildResult(plan, run, {
      faults,
      windows,
      devices,
      accountOf: (name) => {
        const t = byName.get(name);
        return t ? accountOf(t, estate.pipelineAccount) : '';
      },
      planSource: flags.plan ? 'file' : 'aws',
      timeScale,
      elapsedMs: deps.now().getTime() - started,
    });
    // a target deployed twice for one attempt is a controller fault, whatever the policy did
    return { data: result, exit: result.verdict.behaved && result.duplicates.length === 0 ? ExitCode.OK : ExitCode.FAILED };
  } catch (e) {
    if (stop?.aborted)
      throw new EdgeError('ROLLOUT_REHEARSAL_FAILED', 'interrupted: the rehearsal stopped; its sandbox and temporary folder were removed', {
        cause: e,
      });
    throw e;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
