// One rehearsal (I/O): writes the placeholder release and the rehearsal's fleet.yml into the work
// folder, starts the mirrored sandbox, puts the baseline release on the targets that run one now,
// pushes the rehearsed release and runs it with `rollout start`'s own code (openDriving + drive,
// the real runner, drivers and gates) against the sandbox, in this process. Faults are injected as
// AWS would show them: the sandbox's request limits refuse calls, virtual hosts turn unhealthy or
// fail on the release's revision, and the alarms fire when the named wave deploys its first target
// (the drivers are wrapped for that moment only, so the gate reads a state already set). A manual
// approval is approved at once and reported.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgeError } from '../../../shared/errors.js';
import { releasePush } from '../../commands/release.js';
import type { RolloutDeps } from '../../commands/rollout-common.js';
import { drive, openDriving, type StartFlags } from '../../commands/rollout-start.js';
import { releaseKeyPrefix } from '../../release/manifest.js';
import type { RolloutConfig } from '../config-types.js';
import { createDrivers } from '../drivers/index.js';
import { tokenMark } from '../drivers/session.js';
import { attemptToken } from '../next-steps.js';
import type { RolloutPlan } from '../plan.js';
import type { LiveSink } from '../render-live.js';
import type { TargetDriver } from '../runner.js';
import { appendRequest } from '../shared-journal.js';
import type { RolloutSummary } from '../summary.js';
import { startEstate, type RunningEstate } from './estate.js';
import {
  BASELINE_ENVIRONMENT,
  baselineVersion,
  PART_PATHS,
  PLACEHOLDER_APPSPEC,
  placeholderTemplate,
  rehearsalFleetYml,
  templateParameters,
  type NotRehearsed,
} from './fleet-file.js';
import type { Estate } from './mirror.js';
import type { ResolvedFaults } from './resolve.js';

export interface RehearseInput {
  readonly config: RolloutConfig;
  /** The real fleet.yml's text (rewritten, not re-serialized, so it stays the user's config). */
  readonly configText: string;
  readonly plan: RolloutPlan;
  readonly estate: Estate;
  readonly faults: ResolvedFaults;
  readonly timeScale: number;
  readonly json: boolean;
}

export interface RehearseDeps {
  /** An empty folder of the rehearsal's own; the caller removes it. */
  readonly work: string;
  readonly progress: LiveSink;
  /** Rejects once the rehearsal is interrupted: the runner then stops at its next wait. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly host: string;
  readonly pid: number;
}

export interface RehearsalRun {
  readonly summary: RolloutSummary;
  /** Waves whose manual approval was granted at once. */
  readonly approvals: readonly string[];
  readonly notRehearsed: readonly NotRehearsed[];
  readonly baseline: readonly string[];
  readonly calls: { readonly total: number; readonly refused: number; readonly byService: Readonly<Record<string, number>> };
  /** Deployments the rollout created per devices/codedeploy target (rollbacks apart), and targets with the same attempt deployed twice. */
  readonly deployments: Readonly<Record<string, number>>;
  readonly duplicates: readonly string[];
  readonly sandbox: { readonly accounts: number; readonly hosts: number };
}

/** Poll and bake-check pace in a rehearsal: the virtual hosts finish in milliseconds. */
const POLL_MS = 250;
const BAKE_CHECK_MS = 100;
const FAIL_RATE_SEED = 7;
/** Attempts looked for per target (a target is deployed again only after a failure and a resume). */
const ATTEMPTS = [1, 2, 3, 4, 5, 6, 7, 8];
const FAULTED_SERVICES = ['codedeploy', 's3', 'sts', 'cloudformation'];

function writeRelease(work: string, config: RolloutConfig, failing: boolean): void {
  const at = (p: string): string => join(work, p);
  mkdirSync(at(PART_PATHS.device), { recursive: true });
  writeFileSync(join(at(PART_PATHS.device), 'appspec.yml'), PLACEHOLDER_APPSPEC);
  writeFileSync(join(at(PART_PATHS.device), 'release.txt'), 'a placeholder of fleetctl rollout rehearse\n');
  mkdirSync(at(PART_PATHS.package), { recursive: true });
  writeFileSync(join(at(PART_PATHS.package), 'index.js'), 'exports.handler = async () => "rehearsal";\n');
  mkdirSync(at(PART_PATHS.web), { recursive: true });
  writeFileSync(join(at(PART_PATHS.web), 'index.html'), '<!doctype html><title>rehearsal</title>\n');
  writeFileSync(at(PART_PATHS.template), placeholderTemplate(templateParameters(config), failing));
}

/** Runs a rollout to its end with `rollout start`'s code; a manual approval is granted at once. */
async function runToEnd(flags: StartFlags, deps: RolloutDeps, approvals: string[]): Promise<RolloutSummary> {
  const d = await openDriving(flags, deps);
  try {
    for (;;) {
      const s = await drive(d, flags, deps);
      if (s.waiting?.for !== 'approval') return s;
      if (!flags.json)
        deps.progress.write(`rehearsal: approving wave ${s.waiting.wave} at once (the rollout would wait for a person here)\n`);
      approvals.push(s.waiting.wave);
      await appendRequest(d.journal, { type: 'approved', wave: s.waiting.wave, by: d.identity, comment: 'fleetctl rollout rehearse' });
    }
  } finally {
    d.pool.destroy();
  }
}

/** The drivers, with the alarms of a wave fired before its first deployment starts. */
function alarmingDrivers(running: RunningEstate, input: RehearseInput): NonNullable<RolloutDeps['drivers']> {
  const fired = new Map<string, Promise<void>>();
  const fire = (wave: string): Promise<void> => {
    let p = fired.get(wave);
    if (!p) {
      const due = input.faults.alarms.filter((a) => input.plan.waves[a.wave]?.name === wave);
      p = Promise.all(
        due.map((a) => running.fireAlarms(a.account, a.region, a.alarms, `fleetctl rollout rehearse --alarm ${a.fault}`)),
      ).then(() => undefined);
      fired.set(wave, p);
    }
    return p;
  };
  return (dd) => {
    const real = createDrivers(dd);
    const wrap = (drv: TargetDriver): TargetDriver => ({
      ...drv,
      recordBefore: drv.recordBefore.bind(drv),
      find: drv.find.bind(drv),
      follow: drv.follow.bind(drv),
      rollback: drv.rollback.bind(drv),
      findRollback: drv.findRollback.bind(drv),
      deploy: async (t, ctx) => {
        await fire(ctx.wave);
        return drv.deploy(t, ctx);
      },
    });
    return { devices: wrap(real.devices), codedeploy: wrap(real.codedeploy), stack: wrap(real.stack), web: wrap(real.web) };
  };
}

function failRateLimits(p: number) {
  const rule = { throttleRate: p / 2, errorRate: p / 2 };
  return { seed: FAIL_RATE_SEED, operations: Object.fromEntries(FAULTED_SERVICES.map((s) => [`${s}:*`, rule])) };
}

async function countDeployments(
  running: RunningEstate,
  input: RehearseInput,
): Promise<{ deployments: Record<string, number>; duplicates: string[] }> {
  const deployments: Record<string, number> = {};
  const duplicates: string[] = [];
  for (const t of input.plan.waves.flatMap((w) => w.targets)) {
    if (t.kind !== 'devices' && t.kind !== 'codedeploy') continue;
    const account = t.account ?? input.estate.pipelineAccount;
    const descriptions = await running.descriptionsOf({ account, region: t.region, application: t.application, group: t.deploymentGroup });
    // the attempts' marks, as the driver writes them at the end of the description (rollbacks carry another)
    const tokens = descriptions.flatMap((d) => {
      const attempt = ATTEMPTS.find((a) => d.endsWith(`[${tokenMark(attemptToken(input.plan.rolloutId, t.name, a))}]`));
      return attempt === undefined ? [] : [attempt];
    });
    deployments[t.name] = tokens.length;
    if (new Set(tokens).size < tokens.length) duplicates.push(t.name);
  }
  return { deployments, duplicates };
}

export async function rehearse(input: RehearseInput, deps: RehearseDeps): Promise<RehearsalRun> {
  const { config, plan, estate } = input;
  const version = plan.version;
  const baseline = baselineVersion(version);
  const failingStacks = input.faults.fail.filter((f) => f.kind === 'stack').map((f) => f.target);
  const file = rehearsalFleetYml(input.configText, config, { version, timeScale: input.timeScale, seeded: estate.seeded, failingStacks });
  const fleetFile = join(deps.work, 'fleet.yml');
  writeFileSync(fleetFile, file.text);
  writeRelease(deps.work, config, false);
  const revisionPattern = `${releaseKeyPrefix(config.release.prefix, config.application, version)}*`;
  const running = await startEstate(estate, input.faults, { application: config.application, revisionPattern });
  try {
    const pool = (o: { region: string }) => running.pool(o.region);
    const quiet: LiveSink = { isTTY: false, write: () => undefined };
    const base: RolloutDeps = {
      pool,
      now: deps.now,
      sleep: deps.sleep,
      host: deps.host,
      pid: deps.pid,
      isAlive: (p) => p === deps.pid,
      progress: quiet,
      pollMs: POLL_MS,
      bakeCheckMs: BAKE_CHECK_MS,
    };
    const approvals: string[] = [];
    if (estate.seeded.length > 0) {
      await releasePush({ version: baseline, config: fleetFile, offline: true }, { pool });
      const s = await runToEnd({ config: fleetFile, release: baseline, environment: BASELINE_ENVIRONMENT, json: true }, base, []);
      if (s.state !== 'succeeded') {
        throw new EdgeError(
          'ROLLOUT_REHEARSAL_FAILED',
          `the baseline release did not reach every target that runs one now (${s.state}${s.reason ? `: ${s.reason}` : ''})`,
        );
      }
    }
    writeRelease(deps.work, config, failingStacks.length > 0);
    await releasePush({ version, config: fleetFile, offline: true }, { pool });
    const mark = running.sandbox.calls.mark();
    running.sandbox.limits.resetStats();
    if (input.faults.failRate > 0) running.sandbox.limits.set(failRateLimits(input.faults.failRate));
    let summary: RolloutSummary;
    try {
      const flags = { config: fleetFile, release: version, environment: plan.environment, json: input.json };
      summary = await runToEnd(flags, { ...base, progress: deps.progress, drivers: alarmingDrivers(running, input) }, approvals);
    } finally {
      running.sandbox.limits.set({});
    }
    const report = running.sandbox.calls.since(mark);
    const byService: Record<string, number> = {};
    for (const c of report.calls) byService[c.service] = (byService[c.service] ?? 0) + c.count;
    const refused = Object.values(running.sandbox.limits.stats()).reduce((n, c) => n + c.throttled + c.errors, 0);
    const counted = await countDeployments(running, input);
    return {
      summary,
      approvals,
      notRehearsed: file.notRehearsed,
      baseline: estate.seeded,
      calls: { total: report.total, refused, byService },
      ...counted,
      sandbox: { accounts: estate.accounts.length, hosts: estate.fleets.reduce((n, f) => n + f.names.length, 0) },
    };
  } finally {
    await running.close();
  }
}
