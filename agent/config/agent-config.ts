// Agent configuration: our own keys plus the official codedeployagent.yml keys (with or without
// the leading colon Ruby symbols carry), so an existing config file works unchanged.
// Pure: parseAgentConfig works on text; loadAgentConfig and resolveOnPremisesConfigPath touch the disk.
//
// Defaults that differ from, or choose between, the official ones:
// - wait_between_runs 1 s: the value the official package ships (its code default is 30, v2's 30);
//   PollHostCommand is a long poll, so a short pause costs nothing while idle and keeps each
//   lifecycle event from waiting half a minute after the previous one.
// - http_read_timeout 80 s as the official agent; values below 80 are refused (a long poll is held
//   open for up to ~60 s, a shorter timeout turns every idle poll into an error).
// - on_premises_config_file: unset means the first existing of /etc/edge-agent/onpremises.yml and
//   the official /etc/codedeploy-agent/conf/codedeploy.onpremises.yml.
// - kill_agent_max_wait_time_seconds 7200 as the official agent (a lifecycle event's scripts may
//   add up to more than 3600 s); systemd's TimeoutStopSec must be at least this.
import { existsSync, readFileSync } from 'node:fs';
import { EdgeError } from '../../shared/errors.js';
import type { HealthConfig } from '../health/health-config.js';
import type { IotSection } from './iot-config.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../revision/unpack.js';
import { applySection, isSectionName } from './config-sections.js';
import { readYamlKeys } from './yaml-keys.js';

export interface AgentConfig {
  readonly rootDir: string;
  readonly logDir: string;
  readonly maxRevisions: number;
  readonly killGraceSeconds: number;
  readonly archiveMaxBytes: number;
  readonly archiveMaxEntries: number;
  readonly enableDeploymentsLog: boolean;
  readonly verbose: boolean;
  /** Pause between two polls of the Commands service (s). */
  readonly waitBetweenRunsSeconds: number;
  /** Pause after a throttling error (s). */
  readonly waitAfterThrottleErrorSeconds: number;
  /** First pause after a connection problem (s); back-off grows from here. */
  readonly waitAfterConnectionProblemSeconds: number;
  /** HTTP(S) proxy for the Commands service and S3. */
  readonly proxyUri?: string;
  /** Commands endpoint URL, used verbatim (no -secure/-fips derivation). */
  readonly deployControlEndpoint?: string;
  readonly s3EndpointOverride?: string;
  /** Use the codedeploy-commands-secure service. */
  readonly enableAuthPolicy: boolean;
  /** Use -fips endpoints; only in US regions (checkFipsRegion). */
  readonly useFipsMode: boolean;
  /** Read timeout of Commands calls (s), at least 80. */
  readonly httpReadTimeoutSeconds: number;
  /** Explicit on-premises config path; unset: the first existing of DEFAULT_ON_PREMISES_CONFIG_PATHS. */
  readonly onPremisesConfigFile?: string;
  /** Graceful stop: how long a running lifecycle event may go on after SIGTERM (s). */
  readonly killAgentMaxWaitTimeSeconds: number;
  /** Region override; otherwise the on-premises file's region. */
  readonly region?: string;
  /** PEM file of the CA(s) the PKCS7 deployment-spec signer must chain to. */
  readonly specCaFile?: string;
  /** Regular expression the spec signer certificate's subject must match. */
  readonly specSignerSubject?: string;
  /** Accept unsigned TEXT/JSON deployment specs (never on a real fleet). */
  readonly developerMode: boolean;
  /** Install symlinks from a revision that resolve outside every destination of its AppSpec (default off). */
  readonly allowExternalSymlinks: boolean;
  /** The `health:` section (agent/health/health-config.ts); unset: the built-in checks, no gate, no LED. */
  readonly health?: HealthConfig;
  /** The `iot:` section (agent/config/iot-config.ts): device shadow + telemetry; unset: no IoT, the SDK is never loaded. */
  readonly iot?: IotSection;
  /** STS endpoint (GetCallerIdentity of the IoT-certificate identity). */
  readonly stsEndpointOverride?: string;
}

export const DEFAULT_CONFIG_PATH = '/etc/edge-agent/agent.yml';

/** Looked at in this order when on_premises_config_file is not set. */
export const DEFAULT_ON_PREMISES_CONFIG_PATHS: readonly string[] = ['/etc/edge-agent/onpremises.yml', '/etc/codedeploy-agent/conf/codedeploy.onpremises.yml'];

/** Minimum http_read_timeout: PollHostCommand holds the connection open for up to ~60 s. */
export const MIN_HTTP_READ_TIMEOUT_SECONDS = 80;

/** The regions where use_fips_mode is allowed (as the official agent). */
export const FIPS_REGIONS: readonly string[] = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-west-1', 'us-gov-east-1'];

const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

export function isRegionName(value: string): boolean {
  return REGION_PATTERN.test(value);
}

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  rootDir: '/opt/edge-agent/deployment-root',
  logDir: '/var/log/edge-agent',
  maxRevisions: 5,
  killGraceSeconds: 5,
  archiveMaxBytes: DEFAULT_ARCHIVE_LIMITS.maxBytes,
  archiveMaxEntries: DEFAULT_ARCHIVE_LIMITS.maxEntries,
  enableDeploymentsLog: true,
  verbose: false,
  waitBetweenRunsSeconds: 1,
  waitAfterThrottleErrorSeconds: 60,
  waitAfterConnectionProblemSeconds: 5,
  enableAuthPolicy: false,
  useFipsMode: false,
  httpReadTimeoutSeconds: 80,
  killAgentMaxWaitTimeSeconds: 7200,
  developerMode: false,
  allowExternalSymlinks: false,
};

type Kind = 'path' | 'positiveInt' | 'seconds' | 'boolean' | 'url' | 'region' | 'regex' | 'readTimeout';
type Value = string | number | boolean | undefined;

/** Config file key (without colon) → AgentConfig field, in the order check-config prints them. */
export const AGENT_CONFIG_KEYS = {
  root_dir: { field: 'rootDir', kind: 'path' },
  log_dir: { field: 'logDir', kind: 'path' },
  max_revisions: { field: 'maxRevisions', kind: 'positiveInt' },
  enable_deployments_log: { field: 'enableDeploymentsLog', kind: 'boolean' },
  verbose: { field: 'verbose', kind: 'boolean' },
  kill_grace_seconds: { field: 'killGraceSeconds', kind: 'positiveInt' },
  archive_max_bytes: { field: 'archiveMaxBytes', kind: 'positiveInt' },
  archive_max_entries: { field: 'archiveMaxEntries', kind: 'positiveInt' },
  region: { field: 'region', kind: 'region' },
  on_premises_config_file: { field: 'onPremisesConfigFile', kind: 'path' },
  wait_between_runs: { field: 'waitBetweenRunsSeconds', kind: 'seconds' },
  wait_after_throttle_error: { field: 'waitAfterThrottleErrorSeconds', kind: 'seconds' },
  wait_after_connection_problem: { field: 'waitAfterConnectionProblemSeconds', kind: 'seconds' },
  http_read_timeout: { field: 'httpReadTimeoutSeconds', kind: 'readTimeout' },
  kill_agent_max_wait_time_seconds: { field: 'killAgentMaxWaitTimeSeconds', kind: 'positiveInt' },
  proxy_uri: { field: 'proxyUri', kind: 'url' },
  deploy_control_endpoint: { field: 'deployControlEndpoint', kind: 'url' },
  s3_endpoint_override: { field: 's3EndpointOverride', kind: 'url' },
  sts_endpoint_override: { field: 'stsEndpointOverride', kind: 'url' },
  enable_auth_policy: { field: 'enableAuthPolicy', kind: 'boolean' },
  use_fips_mode: { field: 'useFipsMode', kind: 'boolean' },
  spec_ca_file: { field: 'specCaFile', kind: 'path' },
  spec_signer_subject: { field: 'specSignerSubject', kind: 'regex' },
  developer_mode: { field: 'developerMode', kind: 'boolean' },
  allow_external_symlinks: { field: 'allowExternalSymlinks', kind: 'boolean' },
} as const satisfies Record<string, { field: keyof AgentConfig; kind: Kind }>;

const KEYS: Record<string, { field: keyof AgentConfig; kind: Kind }> = AGENT_CONFIG_KEYS;

/** Official keys that are valid but not used by edge-agent. */
const KNOWN_OTHER_KEYS = new Set([
  'pid_dir', 'program_name', 'disable_imds_v1', 'log_aws_wire', 'ongoing_deployment_tracking', 'children', 'max_runs_per_worker',
  'wait_between_spawning_children', 'user', 'group', 'codedeploy_test_profile', 'use_mock_command_service', 'plugins', 'shared_dir',
  'instance_service_region', 'instance_service_endpoint', 'instance_service_port', 'wait_after_error',
]);

const invalid = (key: string, what: string, value: unknown): EdgeError => new EdgeError('CONFIG_INVALID', `config key ${key}: ${what}, got ${JSON.stringify(value)}`);

function wholeNumber(value: unknown): unknown {
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
}

function coerce(key: string, kind: Kind, value: unknown): Value {
  switch (kind) {
    case 'path':
      if (typeof value !== 'string' || value.trim() === '') throw invalid(key, 'expected a path', value);
      return value.trim().replace(/(.)\/+$/, '$1');
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(key, 'expected true or false', value);
      return value;
    case 'positiveInt': {
      const n = wholeNumber(value);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw invalid(key, 'expected a whole number of at least 1', value);
      return n;
    }
    case 'readTimeout': {
      const n = wholeNumber(value);
      if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(key, 'expected a whole number of seconds', value);
      if (n < MIN_HTTP_READ_TIMEOUT_SECONDS) {
        throw invalid(key, `must be at least ${MIN_HTTP_READ_TIMEOUT_SECONDS} seconds, because PollHostCommand is a long poll the service holds open for up to ~60 s`, value);
      }
      return n;
    }
    case 'seconds': {
      const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw invalid(key, 'expected a number of seconds of at least 0', value);
      return n;
    }
    case 'url': {
      if (typeof value === 'string' && value.trim() === '') return undefined;
      let url: URL | undefined;
      try {
        url = typeof value === 'string' ? new URL(value.trim()) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw invalid(key, 'expected an http:// or https:// URL', value);
      return (value as string).trim();
    }
    case 'region':
      if (typeof value !== 'string' || !isRegionName(value.trim())) throw invalid(key, 'expected a region name like eu-west-1', value);
      return value.trim();
    case 'regex':
      if (typeof value !== 'string' || value === '') throw invalid(key, 'expected a regular expression', value);
      try {
        new RegExp(value);
      } catch (e) {
        throw invalid(key, `not a valid regular expression (${(e as Error).message})`, value);
      }
      return value;
  }
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

function crossKeyChecks(config: AgentConfig, source: string, doc: Record<string, unknown>, warnings: string[]): void {
  if (config.useFipsMode && config.region !== undefined) checkFipsRegion(config, config.region);
  for (const key of ['deploy_control_endpoint', 's3_endpoint_override', 'sts_endpoint_override'] as const) {
    const url = config[AGENT_CONFIG_KEYS[key].field];
    if (url?.startsWith('http:') && !isLoopback(url)) warnings.push(`config key ${key} in ${source} uses plain http:// to a host that is not loopback: requests are signed but not encrypted`);
  }
  if (config.developerMode) warnings.push(`developer_mode is on in ${source}: unsigned TEXT/JSON deployment specs are accepted; never use it on a fleet`);
  const children = wholeNumber(doc['children']);
  if (children !== undefined && children !== null && children !== 1) throw invalid('children', 'children can only be set to 1', doc['children']);
}

export function parseAgentConfig(text: string, source: string): { config: AgentConfig; warnings: string[] } {
  let doc: Record<string, unknown> | undefined;
  try {
    doc = readYamlKeys(text);
  } catch (e) {
    throw new EdgeError('CONFIG_INVALID', `An error occurred loading the agent config file at ${source}. Error message: ${(e as Error).message}`);
  }
  if (doc === undefined) {
    throw new EdgeError('CONFIG_INVALID', `An error occurred loading the agent config file at ${source}. Error message: the file must hold a map of keys`);
  }
  const config: Record<string, unknown> = { ...DEFAULT_AGENT_CONFIG };
  const warnings: string[] = [];
  // keys with or without the leading colon are one key; the one written last wins (yaml-keys.ts)
  for (const [key, value] of Object.entries(doc)) {
    const spec = KEYS[key];
    if (spec) {
      if (value === null) continue;
      const coerced = coerce(key, spec.kind, value);
      if (coerced === undefined) delete config[spec.field];
      else config[spec.field] = coerced;
    } else if (isSectionName(key)) {
      applySection(config, key, value, warnings);
    } else if (!KNOWN_OTHER_KEYS.has(key)) {
      warnings.push(`config key ${key} in ${source} is unknown and ignored`);
    }
  }
  const result = config as unknown as AgentConfig;
  crossKeyChecks(result, source, doc, warnings);
  return { config: result, warnings };
}

export function loadAgentConfig(path: string): { config: AgentConfig; warnings: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new EdgeError('CONFIG_NOT_FOUND', `configuration file ${path} does not exist or is not readable`);
  }
  return parseAgentConfig(text, path);
}

/** Throws CONFIG_INVALID when use_fips_mode is on and the effective region is not a US one. */
export function checkFipsRegion(config: Pick<AgentConfig, 'useFipsMode'>, region: string): void {
  if (config.useFipsMode && !FIPS_REGIONS.includes(region)) {
    throw new EdgeError('CONFIG_INVALID', `use_fips_mode can be set to true only in regions located in the USA (the region is ${region})`);
  }
}

/** The on-premises config file to read: the configured one, else the first default that exists. */
export function resolveOnPremisesConfigPath(config: Pick<AgentConfig, 'onPremisesConfigFile'>, exists: (path: string) => boolean = existsSync): string | undefined {
  return config.onPremisesConfigFile ?? DEFAULT_ON_PREMISES_CONFIG_PATHS.find((p) => exists(p));
}
