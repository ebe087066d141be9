// The device health gate's judgement (pure): which of a wave's devices are healthy, unhealthy or
// unknown from their shadows, whether waiting for more shadows can still change the answer, and the
// result. A shadow counts only when it was written after the device's part of the deployment ended:
// a report from before the release was installed says nothing about the release.
import type { Health } from '../../fleet/fleet-state.js';
import type { DeviceHealthGate } from '../config-types.js';
import { GATE_DETAIL_BYTES, type GateResult } from './types.js';
import { allowedOf, atMost, boundedLines, clip, percentOf } from './text.js';

/** A device of one of the wave's deployments, as BatchGetDeploymentTargets shows it. */
export interface DeploymentDevice {
  /** The on-premises instance name (also its IoT thing name). */
  readonly name: string;
  readonly deploymentId: string;
  /** The rollout target whose deployment it is. */
  readonly target: string;
  /** CodeDeploy's instance status: Pending, InProgress, Succeeded, Failed, Skipped, Ready. */
  readonly status: string;
  /** When its part ended (lastUpdatedAt of a finished device), ms since the epoch. */
  readonly finishedAt?: number;
  /** The last lifecycle event it ran (Succeeded or Failed), e.g. ValidateService. */
  readonly lastEvent?: string;
  /** The event that failed and its message, for a failed device. */
  readonly failure?: string;
}

/** What the device's shadow says: the health `fleetctl status` shows, and the deployment command it last ran. */
export interface ShadowReading {
  readonly health: Health;
  readonly lastCommand?: { readonly deploymentId: string; readonly command?: string };
}

export type DeviceState = 'healthy' | 'unhealthy' | 'unknown';

export interface DeviceJudgement {
  readonly name: string;
  readonly state: DeviceState;
  /** Why, for the detail: `unhealthy: cpu_temperature`, `no shadow since its deployment ended`. */
  readonly why: string;
  /** Unknown for now, but a later shadow may tell (the gate waits for those). */
  readonly waiting: boolean;
}

export const FINISHED_DEVICE = ['Succeeded', 'Failed', 'Skipped'] as const;
/** Devices that ran the release: a skipped device never did, so its health says nothing about it. */
const RAN = ['Succeeded', 'Failed'];

/** The deployment command the agent last reported (`reported.deployment.last`), when the shadow has one. */
export function lastCommandOf(doc: Record<string, unknown>): ShadowReading['lastCommand'] {
  const reported = (doc['state'] as { reported?: { deployment?: { last?: unknown } } } | undefined)?.reported;
  const last = reported?.deployment?.last as { deploymentId?: unknown; command?: unknown } | undefined;
  if (typeof last?.deploymentId !== 'string') return undefined;
  return { deploymentId: last.deploymentId, ...(typeof last.command === 'string' ? { command: last.command } : {}) };
}

/**
 * Whether the shadow was written after the device's part of the deployment ended. Shadow times
 * have whole seconds, so only a later second counts: a report in the very second the device
 * finished may carry health sampled before the install (a safe gate waits for the next report).
 * A shadow whose agent says the last command it ran is this deployment's last event counts too:
 * the agent reads its deployment state before it samples health, so that health is from after it.
 */
export function isFresh(device: DeploymentDevice, shadow: ShadowReading): boolean {
  const updated = shadow.health.updatedAt === undefined ? NaN : Date.parse(shadow.health.updatedAt);
  const second = (ms: number): number => Math.floor(ms / 1000);
  if (device.finishedAt !== undefined && Number.isFinite(updated) && second(updated) > second(device.finishedAt)) return true;
  const last = shadow.lastCommand;
  if (last === undefined || device.lastEvent === undefined) return false;
  return last.deploymentId === device.deploymentId && last.command === device.lastEvent;
}

/** One device: `shadow` null when it has none (never reported, or not an IoT thing). */
export function judgeDevice(gate: DeviceHealthGate, device: DeploymentDevice, shadow: ShadowReading | null): DeviceJudgement {
  const unknown = (why: string, waiting: boolean): DeviceJudgement => ({ name: device.name, state: 'unknown', why, waiting });
  if (device.finishedAt === undefined || !(FINISHED_DEVICE as readonly string[]).includes(device.status)) {
    return unknown(`its deployment has not ended (${device.status})`, true);
  }
  if (shadow === null) return unknown('no shadow', true);
  if (!isFresh(device, shadow)) {
    const last = shadow.health.updatedAt ? ` (last ${shadow.health.updatedAt})` : '';
    return unknown(`no shadow update since its deployment ended${last}`, true);
  }
  const { verdict, failing } = shadow.health;
  const checks = failing.length > 0 ? `: ${failing.join(', ')}` : '';
  if (verdict === 'unhealthy' || (verdict === 'degraded' && gate.degradedIsUnhealthy)) {
    return { name: device.name, state: 'unhealthy', why: `${verdict}${checks}`, waiting: false };
  }
  if (verdict === 'healthy' || verdict === 'degraded') {
    return { name: device.name, state: 'healthy', why: `${verdict}${checks}`, waiting: false };
  }
  return unknown(`its shadow reports no health verdict (${verdict})`, false);
}

/** The devices the gate judges: those that ran the release. */
export const judgedDevices = (devices: readonly DeploymentDevice[]): DeploymentDevice[] => devices.filter((d) => RAN.includes(d.status));

/** Failures that count: unhealthy devices, and unknown ones when the policy is `fail`. */
function counted(gate: DeviceHealthGate, js: readonly DeviceJudgement[], includeWaiting: boolean): number {
  const counts = (j: DeviceJudgement): boolean =>
    j.state === 'unhealthy' || (j.state === 'unknown' && gate.unknown === 'fail' && (includeWaiting || !j.waiting));
  return js.filter(counts).length;
}

/** Whether to judge now: no device left to wait for, or the devices already judged exceed the threshold. */
export function doneWaiting(gate: DeviceHealthGate, js: readonly DeviceJudgement[]): boolean {
  if (!js.some((j) => j.waiting)) return true;
  return counted(gate, js, false) > allowedOf(gate.maxUnhealthy, js.length);
}

export function deviceHealthResult(gate: DeviceHealthGate, js: readonly DeviceJudgement[], skipped: number): GateResult {
  const n = js.length;
  const unhealthy = js.filter((j) => j.state === 'unhealthy');
  const unknown = js.filter((j) => j.state === 'unknown');
  const passed = counted(gate, js, true) <= allowedOf(gate.maxUnhealthy, n);
  const counts = unknown.length > 0 && gate.unknown === 'fail' ? ' (counted as unhealthy)' : '';
  const value =
    n === 0
      ? 'no devices ran this release'
      : `${unhealthy.length} of ${n} devices unhealthy (${percentOf(unhealthy.length, n)}%), ${unknown.length} unknown${counts}`;
  const lines = [
    ...unhealthy.map((j) => clip(`unhealthy ${j.name}: ${j.why}`)),
    ...unknown.map((j) => clip(`unknown ${j.name}: ${j.why}`)),
    ...(skipped > 0 ? [`${skipped} skipped device${skipped === 1 ? '' : 's'} not judged (they did not run the release)`] : []),
  ];
  return {
    gate: 'device-health',
    passed,
    value,
    threshold: atMost(gate.maxUnhealthy, n, 'unhealthy'),
    ...(lines.length > 0 ? { detail: boundedLines(lines, GATE_DETAIL_BYTES) } : {}),
  };
}
