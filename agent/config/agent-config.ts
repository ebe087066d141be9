// Agent configuration: our own keys plus the official codedeployagent.yml keys (with or without
// the leading colon Ruby symbols carry), so an existing config file works unchanged.
// The daemon issue extends this with endpoints, proxy and identity.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EdgeError } from '../../shared/errors.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../revision/unpack.js';

export interface AgentConfig {
  readonly rootDir: string;
  readonly logDir: string;
  readonly maxRevisions: number;
  readonly killGraceSeconds: number;
  readonly archiveMaxBytes: number;
  readonly archiveMaxEntries: number;
  readonly enableDeploymentsLog: boolean;
  readonly verbose: boolean;
}

export const DEFAULT_CONFIG_PATH = '/etc/edge-agent/agent.yml';

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  rootDir: '/opt/edge-agent/deployment-root',
  logDir: '/var/log/edge-agent',
  maxRevisions: 5,
  killGraceSeconds: 5,
  archiveMaxBytes: DEFAULT_ARCHIVE_LIMITS.maxBytes,
  archiveMaxEntries: DEFAULT_ARCHIVE_LIMITS.maxEntries,
  enableDeploymentsLog: true,
  verbose: false,
};

type Kind = 'path' | 'positiveInt' | 'boolean';
const KEYS: Record<string, { field: keyof AgentConfig; kind: Kind }> = {
  root_dir: { field: 'rootDir', kind: 'path' },
  log_dir: { field: 'logDir', kind: 'path' },
  max_revisions: { field: 'maxRevisions', kind: 'positiveInt' },
  kill_grace_seconds: { field: 'killGraceSeconds', kind: 'positiveInt' },
  archive_max_bytes: { field: 'archiveMaxBytes', kind: 'positiveInt' },
  archive_max_entries: { field: 'archiveMaxEntries', kind: 'positiveInt' },
  enable_deployments_log: { field: 'enableDeploymentsLog', kind: 'boolean' },
  verbose: { field: 'verbose', kind: 'boolean' },
};

/** Official keys that are valid but not used by this command. */
const KNOWN_OTHER_KEYS = new Set([
  'pid_dir', 'program_name', 'wait_between_runs', 'proxy_uri', 'disable_imds_v1', 'log_aws_wire', 'enable_auth_policy', 'use_fips_mode',
  'deploy_control_endpoint', 's3_endpoint_override', 'http_read_timeout', 'on_premises_config_file', 'ongoing_deployment_tracking',
  'kill_agent_max_wait_time_seconds', 'children', 'max_runs_per_worker', 'wait_between_spawning_children', 'wait_after_throttle_error',
  'wait_after_connection_problem', 'user', 'group', 'codedeploy_test_profile', 'use_mock_command_service', 'plugins', 'shared_dir',
  'instance_service_region', 'instance_service_endpoint', 'instance_service_port', 'wait_after_error',
]);

function coerce(key: string, kind: Kind, value: unknown): string | number | boolean {
  if (kind === 'path') {
    if (typeof value !== 'string' || value.trim() === '') throw new EdgeError('CONFIG_INVALID', `config key ${key}: expected a path, got ${JSON.stringify(value)}`);
    return value.trim().replace(/(.)\/+$/, '$1');
  }
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') throw new EdgeError('CONFIG_INVALID', `config key ${key}: expected true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new EdgeError('CONFIG_INVALID', `config key ${key}: expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function parseAgentConfig(text: string, source: string): { config: AgentConfig; warnings: string[] } {
  let doc: unknown;
  try {
    // duplicate keys: last one wins, as the official loader does
    doc = parse(text, { uniqueKeys: false }) ?? {};
  } catch (e) {
    throw new EdgeError('CONFIG_INVALID', `An error occurred loading the agent config file at ${source}. Error message: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new EdgeError('CONFIG_INVALID', `An error occurred loading the agent config file at ${source}. Error message: the file must hold a map of keys`);
  }
  const config: Record<string, unknown> = { ...DEFAULT_AGENT_CONFIG };
  const warnings: string[] = [];
  for (const [rawKey, value] of Object.entries(doc)) {
    const key = rawKey.replace(/^:/, '');
    const spec = KEYS[key];
    if (spec) {
      if (value !== null) config[spec.field] = coerce(key, spec.kind, value);
    } else if (!KNOWN_OTHER_KEYS.has(key)) {
      warnings.push(`config key ${rawKey} in ${source} is unknown and ignored`);
    }
  }
  return { config: config as unknown as AgentConfig, warnings };
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
