// The health gate: before DownloadBundle, the device samples its gate checks; when the verdict is
// at or past health.gate.fail_on the command fails (HEALTH_GATE_UNHEALTHY) with a diagnostics
// message naming each failing check, its value and its threshold, instead of installing onto a
// sick device. Either way the sample goes to the deployment's scripts.log.
//
// The gate is agent configuration, not revision content: it runs before the revision is
// downloaded, and a revision should not be able to vouch for the device it is installed on.
import { EdgeError } from '../../shared/errors.js';
import { ScriptLog } from '../hooks/script-log.js';
import type { HealthGateConfig } from './health-config.js';
import { gateAllows, gateRefusalMessage, problemLines } from './policy.js';
import { renderHealth } from './render.js';
import type { HealthSampler } from './sampler.js';

/** The port CommandExecutor calls before DownloadBundle. */
export interface HealthGatePort {
  /** Resolves when the deployment may go on; throws HEALTH_GATE_UNHEALTHY when not. */
  check(ctx: { readonly scriptsLogPath: string; readonly deploymentId: string; readonly event: string }): Promise<void>;
}

export const GATE_SCRIPT_NAME = 'edge-agent health gate';

export function createHealthGate(gate: HealthGateConfig, sampler: Pick<HealthSampler, 'sample'>): HealthGatePort {
  return {
    async check(ctx) {
      const report = await sampler.sample(gate.checks ? { checks: gate.checks } : {});
      const allowed = gateAllows(report.verdict, gate.failOn);
      const log = new ScriptLog({ path: ctx.scriptsLogPath });
      log.beginEvent(ctx.event);
      log.beginScript(GATE_SCRIPT_NAME);
      const lines = [...renderHealth(report), allowed ? 'health gate: passed, deployment goes on' : `health gate: REFUSED (fail_on: ${gate.failOn})`];
      log.output('stdout', lines);
      if (!allowed) {
        throw new EdgeError('HEALTH_GATE_UNHEALTHY', gateRefusalMessage(report, gate.failOn), {
          // scriptName + log: the diagnostics name the gate and carry its sample as the log tail
          details: { verdict: report.verdict, failing: problemLines(report.checks), scriptName: GATE_SCRIPT_NAME, log: lines.map((l) => `[stdout]${l}`).join('\n') + '\n' },
        });
      }
    },
  };
}
