// `edge-agent check-config`: validates the agent config, the on-premises identity, the secret
// files' permissions and the credentials file, then prints the effective configuration with
// secrets redacted (access key id: last 4 characters; secret key and session token: never).
// Exit code 0 when the daemon could start with it, 2 when not (the report then carries every error,
// and the --json document an `error` summing them up).
import { existsSync, readFileSync } from 'node:fs';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError, toEdgeError } from '../../shared/errors.js';
import {
  AGENT_CONFIG_KEYS,
  checkFipsRegion,
  DEFAULT_AGENT_CONFIG,
  DEFAULT_CONFIG_PATH,
  DEFAULT_ON_PREMISES_CONFIG_PATHS,
  loadAgentConfig,
  type AgentConfig,
} from '../config/agent-config.js';
import { resolveAgentConfigPath } from '../config/config-path.js';
import { sectionViews } from '../config/config-sections.js';
import { credentialProviderFor, redactAccessKeyId } from '../config/credentials.js';
import { checkIotSchedule, formatIotEndpoint, resolveTelemetryConfig } from '../config/iot-config.js';
import { readIotCertificate } from '../config/iot-credentials.js';
import { loadOnPremisesConfig, type OnPremisesConfig } from '../config/onprem-config.js';
import { checkSecretFile, currentUid, secretFilesOf } from '../config/secret-files.js';

export interface CheckConfigOptions {
  /** Agent config file; default /etc/edge-agent/agent.yml when it exists, else the built-in defaults. */
  readonly config?: string;
  /** On-premises file; default on_premises_config_file, else the first existing default path. */
  readonly onPremisesConfig?: string;
}

/** Where defaults come from; tests replace them. */
export interface CheckConfigEnv {
  readonly defaultConfigPath: string;
  readonly defaultOnPremisesPaths: readonly string[];
  readonly exists: (path: string) => boolean;
  readonly agentUid: number;
  /** EDGE_AGENT_CONFIG names the config when -c is not given. */
  readonly processEnv: NodeJS.ProcessEnv;
}

const defaultEnv = (): CheckConfigEnv => ({
  defaultConfigPath: DEFAULT_CONFIG_PATH,
  defaultOnPremisesPaths: DEFAULT_ON_PREMISES_CONFIG_PATHS,
  exists: existsSync,
  agentUid: currentUid(),
  processEnv: process.env,
});

/** The `edge-agent.check-config/v1` document. */
export interface CheckConfigReport {
  ok: boolean;
  agentConfigFile: string | null;
  agentConfig: Record<string, string | number | boolean | null>;
  onPremisesConfigFile: string | null;
  identity: Record<string, string | boolean | null> | null;
  warnings: string[];
  errors: { code: string; message: string; action: string }[];
}

function agentConfigView(config: AgentConfig): CheckConfigReport['agentConfig'] {
  const view: CheckConfigReport['agentConfig'] = {};
  for (const [key, { field }] of Object.entries(AGENT_CONFIG_KEYS)) view[key] = config[field] ?? null;
  // nested sections (health:, ...) as flat "section.key" rows
  return { ...view, ...sectionViews(config) };
}

type Identity = NonNullable<CheckConfigReport['identity']>;

async function identityView(onprem: OnPremisesConfig, agentUid: number, fail: (e: unknown) => void): Promise<Identity> {
  const view: Identity = {
    mode: onprem.mode,
    region: onprem.region,
    host_identifier: onprem.hostIdentifier ?? '(learnt at start: the session ARN, STS GetCallerIdentity)',
  };
  if (onprem.mode === 'iot-certificate') {
    const { iot } = onprem;
    Object.assign(view, {
      iot_thing_name: iot.thingName,
      iot_role_alias: iot.roleAlias,
      iot_credentials_endpoint: formatIotEndpoint(iot.credentialsEndpoint),
      iot_certificate_file: iot.certificateFile,
      iot_private_key_file: iot.privateKeyFile,
      iot_ca_file: iot.caFile ?? null,
    });
    try {
      // the files the daemon reads (key 0600, PEM); the credentials provider itself is not called
      readIotCertificate(iot, { agentUid });
    } catch (e) {
      fail(e);
    }
    return view;
  }
  if (onprem.mode === 'iam-user') {
    view['aws_access_key_id'] = redactAccessKeyId(onprem.credentials.accessKeyId);
    view['aws_secret_access_key'] = 'REDACTED';
    return view;
  }
  view['aws_credentials_file'] = onprem.credentialsFile;
  try {
    // one real read, with the same checks the daemon makes
    const identity = await credentialProviderFor(onprem, { agentUid })();
    view['aws_access_key_id'] = redactAccessKeyId(identity.accessKeyId);
    view['aws_secret_access_key'] = 'REDACTED';
    view['aws_session_token'] = identity.sessionToken ? 'REDACTED' : null;
  } catch (e) {
    fail(e);
  }
  return view;
}

function checkSpecCa(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new EdgeError('CONFIG_NOT_FOUND', `config key spec_ca_file: ${path} does not exist or is not readable`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new EdgeError('CONFIG_INVALID', `config key spec_ca_file: ${path} holds no PEM certificate`);
}

async function buildReport(opts: CheckConfigOptions, env: CheckConfigEnv): Promise<CheckConfigReport> {
  const report: CheckConfigReport = { ok: true, agentConfigFile: null, agentConfig: {}, onPremisesConfigFile: null, identity: null, warnings: [], errors: [] };
  const fail = (e: unknown): void => {
    const err: EdgeError = toEdgeError(e);
    report.errors.push({ code: err.code, message: err.message, action: err.action });
  };
  let config = DEFAULT_AGENT_CONFIG;
  let configLoaded = true;
  const configPath = resolveAgentConfigPath({ flag: opts.config, env: env.processEnv, exists: env.exists, defaultPath: env.defaultConfigPath });
  if (configPath !== undefined) {
    report.agentConfigFile = configPath;
    try {
      const loaded = loadAgentConfig(configPath);
      config = loaded.config;
      report.warnings.push(...loaded.warnings);
    } catch (e) {
      configLoaded = false;
      fail(e);
    }
  } else {
    report.warnings.push(`no agent config file (${env.defaultConfigPath} does not exist): the built-in defaults are used`);
  }
  // an agent config that did not load has no effective values to show (the rest is still checked with the defaults)
  if (configLoaded) report.agentConfig = agentConfigView(config);
  if (config.specCaFile !== undefined) {
    try {
      checkSpecCa(config.specCaFile);
    } catch (e) {
      fail(e);
    }
  }

  const onpremPath = opts.onPremisesConfig ?? config.onPremisesConfigFile ?? env.defaultOnPremisesPaths.find((p) => env.exists(p));
  if (onpremPath === undefined) {
    fail(new EdgeError('CONFIG_NOT_FOUND', `no on-premises configuration file: none of ${env.defaultOnPremisesPaths.join(', ')} exists; the daemon needs one (set on_premises_config_file)`));
    return report;
  }
  report.onPremisesConfigFile = onpremPath;
  let onprem: OnPremisesConfig;
  try {
    const loaded = loadOnPremisesConfig(onpremPath);
    onprem = loaded.config;
    report.warnings.push(...loaded.warnings);
  } catch (e) {
    fail(e);
    return report;
  }
  const region = config.region ?? onprem.region;
  if (config.region !== undefined && config.region !== onprem.region) {
    report.warnings.push(`config key region (${config.region}) overrides the on-premises file's region (${onprem.region})`);
  }
  try {
    checkFipsRegion(config, region);
  } catch (e) {
    fail(e);
  }
  let secretsOk = true;
  for (const file of secretFilesOf(onprem)) {
    try {
      checkSecretFile(file, { agentUid: env.agentUid });
    } catch (e) {
      secretsOk = false;
      fail(e);
    }
  }
  report.identity = { ...(await identityView(onprem, env.agentUid, secretsOk ? fail : () => undefined)), effective_region: region };
  if (config.iot?.enabled) {
    await checkIotSchedule(config.iot).catch(fail);
    try {
      // the telemetry certificate: the iot: section's own, else the IoT identity's
      readIotCertificate(resolveTelemetryConfig(config.iot, onprem.mode === 'iot-certificate' ? onprem.iot : undefined), { agentUid: env.agentUid });
    } catch (e) {
      fail(e);
    }
  }
  return report;
}

/** The report for people: the effective values, then the warnings and errors, then the verdict. */
export function renderCheckConfig(report: CheckConfigReport): string {
  const lines: string[] = [];
  const row = (key: string, value: unknown): void => {
    lines.push(`  ${`${key}:`.padEnd(36)} ${value === null || value === undefined ? '(not set)' : String(value)}`);
  };
  lines.push(`agent config: ${report.agentConfigFile ?? '(none: built-in defaults)'}`);
  for (const [key, value] of Object.entries(report.agentConfig)) row(key, value);
  if (Object.keys(report.agentConfig).length === 0) lines.push('  (not loaded: see the error below)');
  lines.push(`on-premises identity: ${report.onPremisesConfigFile ?? '(none)'}`);
  if (report.identity) for (const [key, value] of Object.entries(report.identity)) row(key, value);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  for (const e of report.errors) lines.push(`error: ${e.message} [${e.code}] ${e.action}`);
  const count = report.errors.length;
  lines.push(report.ok ? 'configuration OK' : `configuration INVALID (${count} error${count === 1 ? '' : 's'})`);
  return `${lines.join('\n')}\n`;
}

/** The errors of an invalid configuration as one error: the first named, the rest counted. */
function summaryError(errors: CheckConfigReport['errors']): EdgeError {
  const [first] = errors;
  const what = first ? `${first.message} [${first.code}]` : 'unknown';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more: see errors)` : '';
  return new EdgeError('CONFIG_CHECK_FAILED', `the configuration is invalid: ${what}${more}`);
}

/** Checks everything; exit 0 valid, 2 invalid (with the error). */
export async function checkConfig(opts: CheckConfigOptions, env: Partial<CheckConfigEnv> = {}): Promise<CommandOutcome<CheckConfigReport>> {
  const report = await buildReport(opts, { ...defaultEnv(), ...env });
  report.ok = report.errors.length === 0;
  if (report.ok) return { data: report, exit: ExitCode.OK };
  return { data: report, exit: ExitCode.USAGE, error: summaryError(report.errors) };
}
