// The faults of the command line against the plan and its mirrored estate (pure): which wave each
// names, which virtual hosts turn unhealthy (picked deterministically: the first K by name of the
// ring as the rollout assigns it) or fail, and which alarms fire in which account and region.
// A name the plan does not have is a usage error (exit 2).
import { EdgeError } from '../../../shared/errors.js';
import type { Target } from '../config-types.js';
import type { RolloutPlan } from '../plan.js';
import { assignRings } from '../rings.js';
import type { FaultSpecs, UnhealthyFault } from './faults.js';
import { accountOf, type Estate, type HostFleet } from './mirror.js';

export interface ResolvedUnhealthy {
  readonly fault: string;
  readonly target: string;
  /** The wave that deploys the target (0-based). */
  readonly wave: number;
  readonly hosts: readonly string[];
}

export interface ResolvedAlarm {
  readonly fault: string;
  readonly target: string;
  readonly wave: number;
  readonly account: string;
  readonly region: string;
  readonly alarms: readonly string[];
}

export interface ResolvedFail {
  readonly fault: string;
  readonly target: string;
  readonly kind: Target['kind'];
  readonly wave: number;
  /** Devices and codedeploy targets: the hosts whose deployments fail. */
  readonly hosts: readonly string[];
}

export interface ResolvedFaults {
  readonly failRate: number;
  readonly unhealthy: readonly ResolvedUnhealthy[];
  readonly alarms: readonly ResolvedAlarm[];
  readonly fail: readonly ResolvedFail[];
}

/** Nobody watches it: what fires when the config has no alarm gate at all (the rehearsal then shows nothing stops it). */
export const UNWATCHED_ALARM = 'fleetctl-rehearsal-unwatched';

const usage = (m: string): EdgeError => new EdgeError('CLI_USAGE', m);

export function waveIndexOf(plan: RolloutPlan, target: string): number {
  return plan.waves.findIndex((w) => w.targets.some((t) => t.name === target));
}

function targetOf(plan: RolloutPlan, name: string, flag: string): Target {
  const t = plan.waves.flatMap((w) => w.targets).find((x) => x.name === name);
  if (!t) {
    const names = plan.waves.flatMap((w) => w.targets.map((x) => x.name)).join(', ');
    throw usage(`${flag}: no target ${name} in the rollout of environment ${plan.environment} (its targets: ${names})`);
  }
  return t;
}

/** A wave by name, `waveN`, `wave-N` or `N` (1-based). */
export function waveOf(plan: RolloutPlan, wave: string, flag: string): number {
  const byName = plan.waves.findIndex((w) => w.name === wave);
  if (byName >= 0) return byName;
  const n = /^(?:wave-?)?(\d+)$/i.exec(wave);
  const i = n ? Number(n[1]) - 1 : -1;
  if (i < 0 || i >= plan.waves.length)
    throw usage(`${flag}: no wave ${wave} (the waves: ${plan.waves.map((w, k) => `${k + 1} ${w.name}`).join(', ')})`);
  return i;
}

const fleetOf = (estate: Estate, target: string): HostFleet | undefined => estate.fleets.find((f) => f.targets.includes(target));

/** The hosts of a target: a ring target's ring as the rollout assigns it, else the whole fleet; sorted by name. */
export function hostsOf(estate: Estate, t: Target): string[] {
  const fleet = fleetOf(estate, t.name);
  if (!fleet) return [];
  if (t.kind === 'devices' && t.ring) {
    const rings = assignRings(fleet.names, t.ring.rings);
    return fleet.names.filter((n) => rings.get(n) === t.ring?.index).sort();
  }
  return [...fleet.names].sort();
}

function unhealthyTarget(plan: RolloutPlan, f: UnhealthyFault): string {
  if (f.target !== undefined) return f.target;
  const ringed = [...new Set(plan.waves.flatMap((w) => w.targets).flatMap((t) => (t.kind === 'devices' && t.ring ? [t.ring.base] : [])))];
  if (ringed.length !== 1) {
    throw usage(
      `--unhealthy ${f.raw}: ${ringed.length === 0 ? 'no target has rings' : `several targets have rings (${ringed.join(', ')})`}: ` +
        `name one, e.g. TARGET@ring${f.ring ?? 1}:${f.count}`,
    );
  }
  return `${ringed[0] ?? ''}@ring${f.ring ?? 1}`;
}

export function resolveFaults(specs: FaultSpecs, plan: RolloutPlan, estate: Estate): ResolvedFaults {
  const unhealthy = specs.unhealthy.map((f): ResolvedUnhealthy => {
    const t = targetOf(plan, unhealthyTarget(plan, f), `--unhealthy ${f.raw}`);
    if (t.kind !== 'devices')
      throw usage(`--unhealthy ${f.raw}: ${t.name} is a ${t.kind} target; device health is reported by devices targets`);
    const hosts = hostsOf(estate, t);
    if (f.count > hosts.length) throw usage(`--unhealthy ${f.raw}: ${t.name} has ${hosts.length} device(s) in the mirrored fleet`);
    return { fault: f.raw, target: t.name, wave: waveIndexOf(plan, t.name), hosts: hosts.slice(0, f.count) };
  });
  const alarms = specs.alarms.map((f): ResolvedAlarm => {
    const t = targetOf(plan, f.target, `--alarm ${f.raw}`);
    const wave = waveOf(plan, f.wave, `--alarm ${f.raw}`);
    // the alarms the gates of the target's waves watch; else any the config's gates watch
    const own = plan.waves.filter((w) => w.targets.some((x) => x.name === t.name)).flatMap((w) => w.gates.alarms ?? []);
    const any = plan.waves.flatMap((w) => w.gates.alarms ?? []);
    const names = [...new Set(own.length > 0 ? own : any.length > 0 ? any : [UNWATCHED_ALARM])];
    return { fault: f.raw, target: t.name, wave, account: accountOf(t, estate.pipelineAccount), region: t.region, alarms: names };
  });
  const fail = specs.fail.map((f): ResolvedFail => {
    const t = targetOf(plan, f.target, `--fail ${f.raw}`);
    if (t.kind === 'web')
      throw usage(`--fail ${f.raw}: a web target's copy cannot be made to fail; use a devices, codedeploy or stack target`);
    return { fault: f.raw, target: t.name, kind: t.kind, wave: waveIndexOf(plan, t.name), hosts: hostsOf(estate, t) };
  });
  return { failRate: specs.failRate, unhealthy, alarms, fail };
}
