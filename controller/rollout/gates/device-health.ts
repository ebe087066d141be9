// The device health gate: the wave's devices judged from their IoT shadows (device-verdicts.ts).
// When the wave's deployments ended (and after the bake) it waits, polling, for the devices that
// have not reported since their deployment ended, up to the gate's `wait` after the last device
// finished, and stops waiting as soon as the devices already judged exceed the threshold. During
// the bake it reads once and judges what it sees.
import type { AwsSession } from '../../aws/pool.js';
import { forEachLimited } from '../../fleet/pool.js';
import type { DeviceHealthGate } from '../config-types.js';
import { readShadow } from './deployment-devices.js';
import {
  deviceHealthResult, doneWaiting, judgeDevice, judgedDevices, type DeploymentDevice, type DeviceJudgement,
} from './device-verdicts.js';
import type { GatePhase, GateResult } from './types.js';

/** Shadows read at once (the pool still paces the calls per account). */
const SHADOWS_AT_ONCE = 8;
export const HEALTH_POLL_MS = 5000;

export interface DeviceHealthDeps {
  readonly sleep: (ms: number) => Promise<void>;
  /** Wall-clock ms since the epoch (compared with when devices finished). */
  readonly now: () => number;
  readonly pollMs?: number;
}

/** A device and the session its account's shadows are read through. */
export interface SessionDevice {
  readonly device: DeploymentDevice;
  readonly session: Pick<AwsSession, 'iotdata'>;
}

/**
 * Until when to wait: `wait` after the last device finished, and never longer than `wait` from
 * now (a controller resumed long after the deployments does not wait again for what had its time).
 */
export function waitUntil(gate: DeviceHealthGate, devices: readonly DeploymentDevice[], now: number): number {
  const ends = devices.map((d) => d.finishedAt).filter((t): t is number => t !== undefined);
  const fromNow = now + gate.waitMs;
  return ends.length === 0 ? fromNow : Math.min(fromNow, Math.max(...ends) + gate.waitMs);
}

export async function checkDeviceHealth(
  deps: DeviceHealthDeps,
  gate: DeviceHealthGate,
  phase: GatePhase,
  all: readonly SessionDevice[],
): Promise<GateResult> {
  const devices = all.filter((d) => judgedDevices([d.device]).length === 1);
  const skipped = all.length - devices.length;
  const judged: DeviceJudgement[] = new Array<DeviceJudgement>(devices.length);
  const until = waitUntil(gate, devices.map((d) => d.device), deps.now());
  let todo = devices.map((_, i) => i);
  for (;;) {
    await forEachLimited(todo, SHADOWS_AT_ONCE, async (i) => {
      const { device, session } = devices[i] as SessionDevice;
      judged[i] = judgeDevice(gate, device, await readShadow(session, device.name));
    });
    if (phase === 'bake' || doneWaiting(gate, judged)) break;
    const left = until - deps.now();
    if (left <= 0) break;
    await deps.sleep(Math.min(deps.pollMs ?? HEALTH_POLL_MS, left));
    // a device judged from a fresh shadow keeps its verdict; only those still waiting are read again
    todo = todo.filter((i) => judged[i]?.waiting === true);
  }
  return deviceHealthResult(gate, judged, skipped);
}
