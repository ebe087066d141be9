// `edge-agent run`: the long-running agent. Loads the config and on-premises identity, refuses
// insecure secret files, builds the Commands client, the S3 fetcher and the engine, and polls
// until SIGTERM. Stop is graceful: polling stops at once, a running command may finish within
// kill_agent_max_wait_time_seconds, then its hook is stopped and the command reported.
import { mkdirSync, readFileSync } from 'node:fs';
import { EdgeError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { AgentStateFile } from './command/agent-state.js';
import { CodeDeployCommandClient } from './command/codedeploy-command-client.js';
import { CommandPoller } from './command/command-poller.js';
import { commandsEndpoint } from './command/commands-endpoint.js';
import { exposedGc, idleCollector } from './command/idle-gc.js';
import { resolveAgentConfigPath } from './config/config-path.js';
import { checkFipsRegion, DEFAULT_AGENT_CONFIG, loadAgentConfig, resolveOnPremisesConfigPath, type AgentConfig } from './config/agent-config.js';
import { credentialProviderFor } from './config/credentials.js';
import { iotHostIdentity, readIotCertificate } from './config/iot-credentials.js';
import { loadOnPremisesConfig } from './config/onprem-config.js';
import { checkOnPremisesSecretFiles } from './config/secret-files.js';
import { CommandExecutor } from './deployment/command-executor.js';
import { executorDepsFromConfig } from './deployment/executor-from-config.js';
import { deploymentLayout } from './deployment/layout.js';
import { RootLock } from './deployment/root-lock.js';
import { DEFAULT_HEALTH_CONFIG } from './health/health-config.js';
import { createHealthSampler, type HealthSampler } from './health/sampler.js';
import { startStatusLed } from './health/status-led.js';
import { createS3BundleFetcher } from './revision/s3-bundle-fetcher.js';
import { telemetryFromConfig } from './telemetry/telemetry-from-config.js';
import { AGENT_VERSION } from './version.js';

export interface DaemonOptions {
  readonly configPath?: string;
  readonly onPremisesConfigPath?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly makeLogger: (config: AgentConfig) => Logger;
  /** Aborted on SIGTERM/SIGINT. */
  readonly stop: AbortSignal;
  /** Test knob: scales the official back-off (90 s max, 60 s after throttling). */
  readonly backoffScale?: number;
}

/** Idle this long after a command before the full GCs (the next lifecycle event usually comes sooner). */
const IDLE_GC_DELAY_MS = 5000;

function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv): AgentConfig {
  const file = resolveAgentConfigPath({ flag: path, env });
  return file ? loadAgentConfig(file).config : DEFAULT_AGENT_CONFIG;
}

/** One health sampler for the gate, the status LED and the telemetry, built on first use only
 * (an agent without health features never loads systeminformation). */
function sharedHealthSampler(config: AgentConfig, rootDir: string, env: NodeJS.ProcessEnv): Pick<HealthSampler, 'sample' | 'close'> {
  let sampler: HealthSampler | undefined;
  return {
    sample: (o) => {
      sampler ??= createHealthSampler(config.health ?? DEFAULT_HEALTH_CONFIG, { rootDir, env });
      return sampler.sample(o);
    },
    close: () => sampler?.close(),
  };
}

export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const config = loadConfig(opts.configPath, opts.env);
  const log = opts.makeLogger(config);
  const onpremPath = opts.onPremisesConfigPath ?? resolveOnPremisesConfigPath(config);
  if (!onpremPath) {
    throw new EdgeError('CONFIG_NOT_FOUND', 'No on-premises identity file: set on_premises_config_file in the agent config or provision /etc/edge-agent/onpremises.yml');
  }
  const { config: onprem, warnings } = loadOnPremisesConfig(onpremPath);
  for (const w of warnings) log.warn({ file: onpremPath }, w);
  checkOnPremisesSecretFiles(onprem);
  const region = config.region ?? onprem.region;
  if (config.useFipsMode) checkFipsRegion(config, region);
  let iotIdentity: ReturnType<typeof iotHostIdentity> | undefined;
  const credentials = credentialProviderFor(onprem, { warn: (m) => log.warn(m), sdkRecheckSeconds: 30, onIotRefresh: () => iotIdentity?.recheck() });
  if (onprem.mode === 'iot-certificate') {
    // the IoT-certificate identity: no keys on the device; the host identifier is the session ARN
    readIotCertificate(onprem.iot);
    iotIdentity = iotHostIdentity(credentials, { region, ...(config.stsEndpointOverride ? { endpoint: config.stsEndpointOverride } : {}), log });
  }
  const hostIdentifier = iotIdentity ? await iotIdentity.resolve(opts.stop) : onprem.hostIdentifier;
  if (hostIdentifier === undefined) return; // stopped before the IoT identity was known

  const layout = deploymentLayout(config.rootDir);
  mkdirSync(layout.rootDir, { recursive: true });
  const lock = new RootLock(layout.rootDir);
  lock.acquire();
  try {
    const caPem = config.specCaFile ? readFileSync(config.specCaFile, 'utf8') : undefined;
    const commands = new CodeDeployCommandClient({
      endpoint: commandsEndpoint(region, { secure: config.enableAuthPolicy, fips: config.useFipsMode, ...(config.deployControlEndpoint ? { override: config.deployControlEndpoint } : {}) }),
      region,
      credentials,
      agentVersion: AGENT_VERSION,
      secure: config.enableAuthPolicy,
      readTimeoutMs: config.httpReadTimeoutSeconds * 1000,
      ...(config.proxyUri ? { proxy: config.proxyUri } : {}),
    });
    const health = sharedHealthSampler(config, layout.rootDir, opts.env);
    const executor = new CommandExecutor({
      ...executorDepsFromConfig(config, { layout, log, env: opts.env, healthSampler: health }),
      fetchRemote: createS3BundleFetcher({
        region,
        credentials,
        ...(config.s3EndpointOverride ? { endpoint: config.s3EndpointOverride, forcePathStyle: true } : {}),
        log,
      }),
    });
    const state = new AgentStateFile({ rootDir: layout.rootDir }, { agentVersion: AGENT_VERSION, hostIdentifier });
    const scale = opts.backoffScale ?? 1;
    const idle = idleCollector({
      gc: exposedGc(),
      delayMs: IDLE_GC_DELAY_MS,
      collected: (before, after) => {
        const { heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
        log.debug({ rssBefore: before, rssAfter: after, heapTotal, heapUsed, external, arrayBuffers }, 'idle: full garbage collection');
      },
    });
    const poller = new CommandPoller({
      commands,
      executor,
      hostIdentifier,
      // loaded with the first command: the idle daemon does not hold the PKCS#7 reader
      openSpec: async (result) =>
        (await import('./deployment/spec-envelope.js')).openDeploymentSpec(result, {
          developerMode: config.developerMode,
          ...(caPem ? { caPem } : {}),
          ...(config.specSignerSubject ? { signerSubject: new RegExp(config.specSignerSubject) } : {}),
          region,
        }),
      log,
      state,
      waitBetweenPollsMs: config.waitBetweenRunsSeconds * 1000,
      backoff: { maxMs: 90_000 * scale, throttleMs: config.waitAfterThrottleErrorSeconds * 1000 * scale },
      heartbeatMs: 5 * 60_000,
      idle,
    });
    // Graceful stop: polling ends now; the running command gets the configured bound.
    const commandStop = new AbortController();
    let boundTimer: NodeJS.Timeout | undefined;
    const onStop = (): void => {
      log.info({ boundSeconds: config.killAgentMaxWaitTimeSeconds }, 'stopping: no more polling; letting the running command finish');
      boundTimer = setTimeout(() => commandStop.abort(new Error('graceful stop bound reached')), config.killAgentMaxWaitTimeSeconds * 1000);
      boundTimer.unref();
    };
    opts.stop.addEventListener('abort', onStop, { once: true });
    // IoT telemetry (shadow + dt/<thing>/health) when the config has an iot: section; it never blocks polling
    const telemetry = await telemetryFromConfig({ config, onprem, rootDir: layout.rootDir, log, agentVersion: AGENT_VERSION, hostIdentifier, sampleHealth: () => health.sample(), deployment: () => state.snapshot });
    await telemetry?.start();
    // status LED (health.led): idle / deploying / last deployment failed / unhealthy
    const led = config.health?.led ? await startStatusLed({ health: { ...config.health, led: config.health.led }, rootDir: layout.rootDir, env: opts.env, activity: () => state.snapshot, log, sampler: health }) : undefined;
    log.info({ hostIdentifier, region, rootDir: layout.rootDir, version: AGENT_VERSION }, 'edge-agent started');
    try {
      await poller.run(opts.stop, commandStop.signal);
    } finally {
      idle.dispose();
      await telemetry?.stop();
      await led?.stop();
      health.close();
      clearTimeout(boundTimer);
      state.stopped();
      log.info('edge-agent stopped');
    }
  } finally {
    lock.release();
  }
}
