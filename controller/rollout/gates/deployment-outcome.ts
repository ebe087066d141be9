// The deployment outcome gate (pure): of the devices of the wave's deployments, how many failed
// (CodeDeploy's instance status) out of those that finished (Succeeded, Failed, Skipped). Below
// `min_finished` finished devices a percentage says little (one failure of two is 50%), so the
// gate passes without judging, as IoT Jobs' abort config waits for a minimum of executions.
import type { DeploymentOutcomeGate } from '../config-types.js';
import { FINISHED_DEVICE, type DeploymentDevice } from './device-verdicts.js';
import { allowedOf, atMost, boundedLines, clip, percentOf } from './text.js';
import { GATE_DETAIL_BYTES, type GateResult } from './types.js';

export function deploymentOutcomeResult(gate: DeploymentOutcomeGate, devices: readonly DeploymentDevice[]): GateResult {
  const finished = devices.filter((d) => (FINISHED_DEVICE as readonly string[]).includes(d.status));
  const failed = finished.filter((d) => d.status === 'Failed');
  const lines = failed.map((d) => clip(`failed ${d.name}: ${d.failure ?? 'failed'}`));
  const detail = lines.length > 0 ? { detail: boundedLines(lines, GATE_DETAIL_BYTES) } : {};
  if (finished.length < gate.minFinished) {
    return {
      gate: 'deployment-outcome',
      passed: true,
      value: `${finished.length} of ${devices.length} devices finished, fewer than min_finished ${gate.minFinished}: not judged`,
      threshold: `judged from ${gate.minFinished} finished devices`,
      ...detail,
    };
  }
  return {
    gate: 'deployment-outcome',
    passed: failed.length <= allowedOf(gate.maxFailed, finished.length),
    value: `${failed.length} of ${finished.length} finished devices failed (${percentOf(failed.length, finished.length)}%)`,
    threshold: atMost(gate.maxFailed, finished.length, 'failed'),
    ...detail,
  };
}
