// The sandbox estate that mirrors a rollout plan (pure): the accounts the targets live in, the
// release bucket and the web buckets, each device fleet as virtual hosts with the selector's tags
// (as many as the plan counted, so the rings get the same sizes), a tenant's CodeDeploy servers,
// the deployment groups, and the alarms the waves' alarm gates read. Which targets already run an
// earlier release (the plan's "now") decides which get a baseline release first, so a rollback has
// something to put back, as it would in AWS.
import { generatedNames } from '../../../sandbox/virtual-hosts/virtual-host-config.js';
import type { CodeDeployTarget, DevicesTarget, RingsConfig, RolloutConfig, Target } from '../config-types.js';
import type { RolloutPlan } from '../plan.js';

/** What the plan (`rollout plan --json`, or its read-only inspection) says about one target. */
export interface TargetFacts {
  readonly account?: string;
  /** Devices the target (a ring: its ring) would deploy to; null when the plan could not list them. */
  readonly devices?: number | null;
  /** A ring target: devices in the whole fleet. */
  readonly fleet?: number;
  /** What the target runs now, as the plan words it. */
  readonly current?: string;
}

/** A fleet whose plan count is unknown (`?` devices) is mirrored with this many devices. */
export const UNKNOWN_FLEET_DEVICES = 4;
/** Servers mirrored per codedeploy target (the plan does not count a tenant's servers). */
export const SERVERS_PER_GROUP = 2;
/** The sandbox's own pipeline account when no target says which account the controller is in. */
export const DEFAULT_PIPELINE_ACCOUNT = '111111111111';
export const SERVER_TAG = 'fleetctl-rehearsal-target';

export interface HostFleet {
  readonly key: string;
  readonly account: string;
  readonly region: string;
  /** Instance names, as the virtual hosts are registered. */
  readonly names: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** The targets deploying to these hosts (a ringed target's ring targets, or the target). */
  readonly targets: readonly string[];
  readonly rings?: RingsConfig;
}

export interface GroupMirror {
  readonly account: string;
  readonly region: string;
  readonly application: string;
  readonly group: string;
  /** The group's on-premises tag set: every tag must match. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface Estate {
  readonly pipelineAccount: string;
  readonly releaseRegion: string;
  /** Buckets by account: the release bucket (pipeline), web buckets (their target's account). */
  readonly buckets: readonly { readonly account: string; readonly name: string; readonly region: string }[];
  readonly accounts: readonly string[];
  readonly fleets: readonly HostFleet[];
  readonly groups: readonly GroupMirror[];
  readonly alarms: readonly { readonly account: string; readonly region: string; readonly name: string }[];
  /** Target names (a ringed target by its base name) that get the baseline release first. */
  readonly seeded: readonly string[];
}

const NOTHING_YET = /^(nothing deployed yet|no stack yet|no release yet)/;

export function pipelineAccountOf(config: RolloutConfig, facts: ReadonlyMap<string, TargetFacts>): string {
  const own = config.targets.filter((t) => !t.roleArn);
  const stated = own.find((t) => t.account)?.account;
  const seen = own.map((t) => facts.get(t.name)?.account).find((a) => a !== undefined && /^\d{12}$/.test(a));
  return stated ?? seen ?? DEFAULT_PIPELINE_ACCOUNT;
}

export const accountOf = (t: Target, pipeline: string): string => t.account ?? pipeline;

const fleetKey = (account: string, region: string, tags: Readonly<Record<string, string>>): string =>
  `${account}|${region}|${Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;

const baseName = (t: Target): string => (t.kind === 'devices' && t.ring ? t.ring.base : t.name);

/** How many devices a devices target's fleet has: a ring's `fleet`, else the devices the selector matched. */
function fleetSize(t: DevicesTarget, all: readonly DevicesTarget[], facts: ReadonlyMap<string, TargetFacts>): number {
  if (!t.ring) {
    const d = facts.get(t.name)?.devices;
    return typeof d === 'number' ? d : UNKNOWN_FLEET_DEVICES;
  }
  const rings = all.filter((x) => x.ring?.base === t.ring?.base);
  const fleet = rings.map((x) => facts.get(x.name)?.fleet).find((n) => typeof n === 'number');
  if (fleet !== undefined) return fleet;
  const counted = rings.map((x) => facts.get(x.name)?.devices);
  return counted.every((n) => typeof n === 'number') ? counted.reduce<number>((a, n) => a + (n ?? 0), 0) : UNKNOWN_FLEET_DEVICES;
}

function deviceFleets(devices: readonly DevicesTarget[], pipeline: string, facts: ReadonlyMap<string, TargetFacts>): HostFleet[] {
  const fleets = new Map<string, HostFleet>();
  for (const t of devices) {
    const account = accountOf(t, pipeline);
    const key = fleetKey(account, t.region, t.select);
    const size = fleetSize(t, devices, facts);
    const seen = fleets.get(key);
    if (seen) {
      // two targets over the same devices share them (their rings then need different tags, as in AWS)
      const names = seen.names.length >= size ? seen.names : generatedNames(seen.names[0]?.replace(/-\d+$/, '') ?? baseName(t), size);
      fleets.set(key, { ...seen, names, targets: [...seen.targets, t.name] });
      continue;
    }
    const rings = t.ring?.rings;
    fleets.set(key, {
      key,
      account,
      region: t.region,
      names: generatedNames(baseName(t), size),
      tags: t.select,
      targets: [t.name],
      ...(rings ? { rings } : {}),
    });
  }
  return [...fleets.values()];
}

function serverFleet(t: CodeDeployTarget, pipeline: string): HostFleet {
  const account = accountOf(t, pipeline);
  const tags = { [SERVER_TAG]: t.name };
  return {
    key: fleetKey(account, t.region, tags),
    account,
    region: t.region,
    names: generatedNames(`${t.name}-srv`, SERVERS_PER_GROUP),
    tags,
    targets: [t.name],
  };
}

function groupsOf(targets: readonly Target[], pipeline: string): GroupMirror[] {
  const groups = new Map<string, GroupMirror>();
  for (const t of targets) {
    if (t.kind !== 'devices' && t.kind !== 'codedeploy') continue;
    const account = accountOf(t, pipeline);
    // ring targets deploy through ring groups the rollout creates from the base group
    const group = t.kind === 'devices' && t.ring ? t.ring.baseGroup : t.deploymentGroup;
    const tags = t.kind === 'devices' ? t.select : { [SERVER_TAG]: t.name };
    groups.set(`${account}|${t.region}|${t.application}|${group}`, { account, region: t.region, application: t.application, group, tags });
  }
  return [...groups.values()];
}

function alarmsOf(plan: RolloutPlan, pipeline: string): Estate['alarms'] {
  const out = new Map<string, Estate['alarms'][number]>();
  for (const w of plan.waves) {
    for (const name of w.gates.alarms ?? []) {
      for (const t of w.targets) {
        const account = accountOf(t, pipeline);
        out.set(`${account}|${t.region}|${name}`, { account, region: t.region, name });
      }
    }
  }
  return [...out.values()];
}

/** Targets that run something now (by the plan), by the name a wave uses for the whole target. */
function seededOf(targets: readonly Target[], facts: ReadonlyMap<string, TargetFacts>): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    const current = facts.get(t.name)?.current;
    if (current !== undefined && !NOTHING_YET.test(current)) out.add(baseName(t));
  }
  return [...out];
}

export function mirrorEstate(config: RolloutConfig, plan: RolloutPlan, facts: ReadonlyMap<string, TargetFacts>): Estate {
  const pipeline = pipelineAccountOf(config, facts);
  const releaseRegion = config.release.region ?? config.region;
  // only the plan's targets: a target no wave of this environment names is not rehearsed
  const targets = plan.waves.flatMap((w) => w.targets);
  const devices = targets.filter((t): t is DevicesTarget => t.kind === 'devices');
  const servers = targets.filter((t): t is CodeDeployTarget => t.kind === 'codedeploy');
  const buckets = new Map<string, Estate['buckets'][number]>([
    [config.release.bucket, { account: pipeline, name: config.release.bucket, region: releaseRegion }],
  ]);
  for (const t of targets)
    if (t.kind === 'web' && !buckets.has(t.bucket))
      buckets.set(t.bucket, { account: accountOf(t, pipeline), name: t.bucket, region: t.region });
  const accounts = [...new Set([pipeline, ...targets.map((t) => accountOf(t, pipeline))])];
  return {
    pipelineAccount: pipeline,
    releaseRegion,
    buckets: [...buckets.values()],
    accounts,
    fleets: [...deviceFleets(devices, pipeline, facts), ...servers.map((t) => serverFleet(t, pipeline))],
    groups: groupsOf(targets, pipeline),
    alarms: alarmsOf(plan, pipeline),
    seeded: seededOf(targets, facts),
  };
}

/**
 * The sandbox config document: every account open (any role, any ExternalId: the plan checked the
 * real trust), the buckets readable by all of them.
 */
export function sandboxConfigDocument(e: Estate): Record<string, unknown> {
  const everyone = e.accounts;
  const policy = (bucket: string): Record<string, unknown> => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: everyone }, Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
    ],
  });
  const accounts = e.accounts.map((accountId) => ({
    accountId,
    kind: accountId === e.pipelineAccount ? 'pipeline' : 'tenant',
    buckets: e.buckets.filter((b) => b.account === accountId).map((b) => ({ name: b.name, region: b.region, policy: policy(b.name) })),
  }));
  return { region: e.releaseRegion, pipelineAccountId: e.pipelineAccount, accounts };
}
