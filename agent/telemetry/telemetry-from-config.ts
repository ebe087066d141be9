// Builds the telemetry service from the agent config, or nothing when there is no (enabled) `iot:`
// section. Config problems (missing or unreadable certificate, key file not 0600) are thrown here,
// before the agent starts: the same refusal as for the on-premises secret files. Everything after
// (SDK loading, connecting) only logs. The certificate is read once; a rotated one needs a restart.
// The service (and node-cron) load only when IoT is configured.
import type { Logger } from '../../shared/log.js';
import type { AgentConfig } from '../config/agent-config.js';
import { checkIotSchedule, resolveTelemetryConfig } from '../config/iot-config.js';
import { readIotCertificate } from '../config/iot-credentials.js';
import type { OnPremisesConfig } from '../config/onprem-config.js';
import type { HealthReport } from '../health/types.js';
import { createIotMqttConnection } from './mqtt-connection.js';
import type { DeploymentRecord } from './shadow-reporter.js';
import type { TelemetryService } from './telemetry-service.js';

export interface TelemetryWiring {
  readonly config: AgentConfig;
  readonly onprem: OnPremisesConfig;
  readonly rootDir: string;
  readonly log: Logger;
  readonly agentVersion: string;
  readonly hostIdentifier?: string;
  readonly sampleHealth: () => Promise<HealthReport>;
  readonly deployment: () => { readonly current?: DeploymentRecord; readonly last?: DeploymentRecord } | undefined;
  /** For the key-file ownership check; default the process uid. */
  readonly agentUid?: number;
}

export async function telemetryFromConfig(w: TelemetryWiring): Promise<TelemetryService | undefined> {
  const section = w.config.iot;
  if (!section?.enabled) return undefined;
  await checkIotSchedule(section);
  const config = resolveTelemetryConfig(section, w.onprem.mode === 'iot-certificate' ? w.onprem.iot : undefined);
  const certificate = readIotCertificate(config, w.agentUid === undefined ? {} : { agentUid: w.agentUid });
  const { TelemetryService } = await import('./telemetry-service.js');
  return new TelemetryService({
    config,
    rootDir: w.rootDir,
    log: w.log,
    agentVersion: w.agentVersion,
    identity: { mode: w.onprem.mode, ...(w.hostIdentifier ? { hostIdentifier: w.hostIdentifier } : {}) },
    sampleHealth: w.sampleHealth,
    deployment: w.deployment,
    connect: () =>
      createIotMqttConnection(
        {
          endpoint: config.endpoint,
          clientId: config.thingName,
          certificate,
          keepAliveSeconds: config.keepAliveSeconds,
          reconnectMinMs: config.reconnectMinSeconds * 1000,
          reconnectMaxMs: config.reconnectMaxSeconds * 1000,
          ackTimeoutSeconds: config.ackTimeoutSeconds,
        },
        w.log,
      ),
  });
}
