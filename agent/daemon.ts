// `edge-agent run`: the long-running agent. Loads the config and on-premises identity, refuses
// insecure secret files, builds the Commands client, the S3 fetcher and the engine, and polls
// until SIGTERM. Stop is graceful: polling stops at once, a running command may finish within
// kill_agent_max_wait_time_seconds, then its hook is stopped and the command reported.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { EdgeError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { AgentStateFile } from './command/agent-state.js';
import { CodeDeployCommandClient } from './command/codedeploy-command-client.js';
import { CommandPoller } from './command/command-poller.js';
import { commandsEndpoint } from './command/commands-endpoint.js';
import { checkFipsRegion, DEFAULT_AGENT_CONFIG, DEFAULT_CONFIG_PATH, loadAgentConfig, resolveOnPremisesConfigPath, type AgentConfig } from './config/agent-config.js';
import { credentialProviderFor } from './config/credentials.js';
import { loadOnPremisesConfig } from './config/onprem-config.js';
import { checkOnPremisesSecretFiles } from './config/secret-files.js';
import { CommandExecutor } from './deployment/command-executor.js';
import { executorDepsFromConfig } from './deployment/executor-from-config.js';
import { deploymentLayout } from './deployment/layout.js';
import { RootLock } from './deployment/root-lock.js';
import { openDeploymentSpec } from './deployment/spec-envelope.js';
import { createS3BundleFetcher } from './revision/s3-bundle-fetcher.js';
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

function loadConfig(path: string | undefined): AgentConfig {
  const file = path ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  return file ? loadAgentConfig(file).config : DEFAULT_AGENT_CONFIG;
}

export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const config = loadConfig(opts.configPath);
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
  const credentials = credentialProviderFor(onprem, { warn: (m) => log.warn(m), sdkRecheckSeconds: 30 });

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
    const executor = new CommandExecutor({
      ...executorDepsFromConfig(config, { layout, log, env: opts.env }),
      fetchRemote: createS3BundleFetcher({
        region,
        credentials,
        ...(config.s3EndpointOverride ? { endpoint: config.s3EndpointOverride, forcePathStyle: true } : {}),
        log,
      }),
    });
    const state = new AgentStateFile({ rootDir: layout.rootDir }, { agentVersion: AGENT_VERSION, hostIdentifier: onprem.hostIdentifier });
    const scale = opts.backoffScale ?? 1;
    const poller = new CommandPoller({
      commands,
      executor,
      hostIdentifier: onprem.hostIdentifier,
      openSpec: (result) =>
        openDeploymentSpec(result, {
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
    log.info({ hostIdentifier: onprem.hostIdentifier, region, rootDir: layout.rootDir, version: AGENT_VERSION }, 'edge-agent started');
    try {
      await poller.run(opts.stop, commandStop.signal);
    } finally {
      clearTimeout(boundTimer);
      state.stopped();
      log.info('edge-agent stopped');
    }
  } finally {
    lock.release();
  }
}
