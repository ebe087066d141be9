// The gates of a wave, asked by the runner when the wave's deployments have ended (`deployed`),
// during the bake (`bake`) and when the bake is over (`baked`). `deployed` and `baked` run every
// gate the wave configures; `bake` only the quick reads: alarms, device health without waiting,
// deployment outcome (no command, no waiting). One result per gate; alarms and command one per
// target. An AWS error that may pass (throttling, 5xx, network) propagates: the runner asks again.
// One that will not (access denied, a missing deployment) fails the gate it kept from reading:
// a gate that cannot see must not pass.
import { isEdgeError } from '../../../shared/errors.js';
import type { AwsPool } from '../../aws/pool.js';
import type { GateKind, Target, Threshold } from '../config-types.js';
import { ALARMS_THRESHOLD, checkAlarms } from './alarms.js';
import type { CommandContext } from './command-env.js';
import { checkCommand, type CommandDeps } from './command.js';
import { listWaveDevices, waveDeployments } from './deployment-devices.js';
import { deploymentOutcomeResult } from './deployment-outcome.js';
import { checkDeviceHealth, type SessionDevice } from './device-health.js';
import type { GateChecker, GateInput, GateResult } from './types.js';

export type { GateChecker, GateInput, GatePhase, GateResult } from './types.js';
export { GATE_DETAIL_BYTES } from './types.js';

export interface GateCheckerDeps extends CommandDeps {
  /** Sessions per target account (the drivers' pool). */
  readonly pool: Pick<AwsPool, 'session'>;
  /** Waits between reads of the devices' shadows. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Wall-clock ms since the epoch. */
  readonly now: () => number;
  /** Between reads of the shadows still awaited (default 5000). */
  readonly healthPollMs?: number;
}

const limit = (t: Threshold, what: string): string => ('count' in t ? `at most ${t.count} ${what}` : `at most ${t.percent}% ${what}`);

/** A read that will not succeed when asked again: the gate fails with why. Anything else propagates. */
function unreadable(e: unknown, gate: GateKind, threshold: string, target?: string): GateResult {
  if (!isEdgeError(e) || e.retryable || !e.code.startsWith('AWS_')) throw e;
  return { gate, passed: false, value: `could not read: ${e.message}`, threshold, ...(target ? { target } : {}) };
}

export function createGateChecker(deps: GateCheckerDeps): GateChecker {
  return {
    async check(input: GateInput): Promise<GateResult[]> {
      const { wave, phase, state, rolloutId } = input;
      const gates = wave.gates;
      const results: GateResult[] = [];

      if (gates.deviceHealth || gates.deploymentOutcome) {
        let devices: SessionDevice[] | { failed: unknown };
        try {
          const deployments = waveDeployments(deps.pool, rolloutId, wave, state);
          const lists = await listWaveDevices(deployments);
          devices = deployments.flatMap((d, i) => (lists[i] ?? []).map((device) => ({ device, session: d.session })));
        } catch (e) {
          devices = { failed: e };
        }
        if (gates.deviceHealth) {
          const gate = gates.deviceHealth;
          const threshold = limit(gate.maxUnhealthy, 'unhealthy');
          if ('failed' in devices) results.push(unreadable(devices.failed, 'device-health', threshold));
          else {
            const health = { sleep: deps.sleep, now: deps.now, ...(deps.healthPollMs !== undefined ? { pollMs: deps.healthPollMs } : {}) };
            const judged = checkDeviceHealth(health, gate, phase, devices);
            results.push(await judged.catch((e: unknown) => unreadable(e, 'device-health', threshold)));
          }
        }
        if (gates.deploymentOutcome) {
          const gate = gates.deploymentOutcome;
          results.push(
            'failed' in devices
              ? unreadable(devices.failed, 'deployment-outcome', limit(gate.maxFailed, 'failed'))
              : deploymentOutcomeResult(gate, devices.map((d) => d.device)),
          );
        }
      }

      if (gates.alarms) {
        const failed = (t: Target, e: unknown): GateResult => unreadable(e, 'alarms', ALARMS_THRESHOLD, t.name);
        results.push(...(await checkAlarms(deps.pool, rolloutId, gates.alarms, wave.targets, failed)));
      }

      if (gates.command && phase !== 'bake') {
        // a target that failed is already counted by the wave's max_failed; its smoke test would count it twice
        const contexts: CommandContext[] = wave.targets
          .filter((t) => state.targets.get(t.name)?.status === 'succeeded')
          .map((target) => ({
            rolloutId,
            version: input.version,
            environment: input.environment,
            wave: wave.name,
            target,
            outputs: state.targets.get(target.name)?.outputs ?? {},
          }));
        results.push(...(await checkCommand(deps, gates.command, contexts)));
      }
      return results;
    },
  };
}
