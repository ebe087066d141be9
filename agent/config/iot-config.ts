// AWS IoT settings of the agent, both pure parsing and the file checks:
// - the `iot:` section of the agent config (device shadow + telemetry over MQTT5 with mutual TLS);
// - the IoT-certificate identity of the on-premises file (iot_* keys: temporary credentials from the
//   IoT credentials provider), whose certificate files the `iot:` section reuses when it names none.
// Pure: the files themselves are read by readIotCertificate (iot-credentials.ts); node-cron is
// loaded by checkIotSchedule, when IoT is used.
import { isAbsolute } from 'node:path';
import { EdgeError } from '../../shared/errors.js';

export interface IotEndpoint {
  readonly host: string;
  readonly port: number;
}

/** The files of a device certificate. */
export interface IotCertificateFiles {
  readonly thingName: string;
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  /** PEM of the CA(s) the server must chain to; unset: Node's bundled public roots. */
  readonly caFile?: string;
}

/** The on-premises IoT-certificate identity (iot_* keys). */
export interface IotIdentitySettings extends IotCertificateFiles {
  readonly roleAlias: string;
  readonly credentialsEndpoint: IotEndpoint;
}

/** The `iot:` section as written; certificate keys may come from the identity instead. */
export interface IotSection extends Partial<IotCertificateFiles> {
  readonly enabled: boolean;
  /** The MQTT data endpoint (…-ats.iot.<region>.amazonaws.com), port 8883 by default. */
  readonly endpoint: IotEndpoint;
  /** node-cron expression (5 fields, or 6 with seconds) of the health sample and publish. */
  readonly schedule: string;
  readonly spoolMaxMessages: number;
  readonly spoolMaxBytes: number;
  readonly keepAliveSeconds: number;
  readonly reconnectMinSeconds: number;
  readonly reconnectMaxSeconds: number;
  /** How long a publish may wait for its PUBACK (or a shadow update for its answer) before it is retried. */
  readonly ackTimeoutSeconds: number;
}

/** What the telemetry service runs with: the section with its certificate resolved. */
export type IotTelemetryConfig = IotSection & IotCertificateFiles;

export const DEFAULT_IOT_SECTION: Omit<IotSection, 'endpoint'> = {
  enabled: true,
  schedule: '* * * * *',
  spoolMaxMessages: 1000,
  spoolMaxBytes: 1024 * 1024,
  keepAliveSeconds: 300,
  reconnectMinSeconds: 1,
  reconnectMaxSeconds: 120,
  ackTimeoutSeconds: 30,
};

/** AWS IoT thing names: 1-128 of letters, digits, colon, underscore, hyphen (also safe in topics). */
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const ROLE_ALIAS = /^[\w=,@-]{1,128}$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)$/;

const invalid = (key: string, what: string, value: unknown): EdgeError =>
  new EdgeError('CONFIG_INVALID', `config key ${key}: ${what}, got ${JSON.stringify(value)}`, { details: { key } });

/** host[:port]; IPv6 literals in brackets ([::1]:8883). */
export function parseIotEndpoint(key: string, value: unknown, defaultPort: number): IotEndpoint {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(key, 'expected host[:port]', value);
  const text = value.trim();
  if (/^[a-z]+:\/\//i.test(text)) throw invalid(key, 'expected host[:port] without a scheme (e.g. abc123-ats.iot.eu-west-1.amazonaws.com)', value);
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
  const host = m?.[1];
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!host || !HOST.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) throw invalid(key, 'expected host[:port] with a port from 1 to 65535', value);
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

export function formatIotEndpoint(e: IotEndpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

export function parseThingName(key: string, value: unknown): string {
  if (typeof value !== 'string' || !THING_NAME.test(value.trim())) throw invalid(key, 'expected a thing name (1-128 letters, digits, : _ -)', value);
  return value.trim();
}

export function parseRoleAlias(key: string, value: unknown): string {
  if (typeof value !== 'string' || !ROLE_ALIAS.test(value.trim())) throw invalid(key, 'expected a role alias name (1-128 letters, digits, _ = , @ -)', value);
  return value.trim();
}

export function parseAbsolutePath(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || !isAbsolute(value.trim())) throw invalid(key, 'expected an absolute path', value);
  return value.trim();
}

function wholeNumber(key: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalid(key, `expected a whole number from ${min} to ${max}`, value);
  return n;
}

const SCHEDULE_HINT = "expected a cron expression (5 fields, or 6 with seconds first), e.g. '* * * * *' for every minute";

/** The shape only (5 or 6 fields); node-cron's full check is checkIotSchedule, when IoT is used. */
function schedule(key: string, value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  const fields = text === '' ? 0 : text.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw invalid(key, SCHEDULE_HINT, value);
  return text;
}

/**
 * node-cron's check of iot.schedule (each field's range and syntax). Loaded here, when the agent
 * starts telemetry or check-config runs, not by the config parser: node-cron costs the idle
 * daemon without IoT about 0.5 MiB of RSS (scripts/bench-daemon.ts).
 */
export async function checkIotSchedule(section: IotSection, key = 'iot.schedule'): Promise<void> {
  const { validate } = await import('node-cron');
  if (!validate(section.schedule)) throw invalid(key, SCHEDULE_HINT, section.schedule);
}

type Field = keyof IotSection;
const SECTION_KEYS: Record<string, { field: Field; parse: (key: string, value: unknown) => unknown }> = {
  enabled: {
    field: 'enabled',
    parse: (k, v) => {
      if (typeof v !== 'boolean') throw invalid(k, 'expected true or false', v);
      return v;
    },
  },
  endpoint: { field: 'endpoint', parse: (k, v) => parseIotEndpoint(k, v, 8883) },
  thing_name: { field: 'thingName', parse: parseThingName },
  certificate_file: { field: 'certificateFile', parse: parseAbsolutePath },
  private_key_file: { field: 'privateKeyFile', parse: parseAbsolutePath },
  ca_file: { field: 'caFile', parse: parseAbsolutePath },
  schedule: { field: 'schedule', parse: schedule },
  spool_max_messages: { field: 'spoolMaxMessages', parse: (k, v) => wholeNumber(k, v, 1, 1_000_000) },
  spool_max_bytes: { field: 'spoolMaxBytes', parse: (k, v) => wholeNumber(k, v, 1024, 1024 ** 3) },
  keep_alive_seconds: { field: 'keepAliveSeconds', parse: (k, v) => wholeNumber(k, v, 30, 1200) },
  reconnect_min_seconds: { field: 'reconnectMinSeconds', parse: (k, v) => wholeNumber(k, v, 1, 3600) },
  reconnect_max_seconds: { field: 'reconnectMaxSeconds', parse: (k, v) => wholeNumber(k, v, 1, 86_400) },
  ack_timeout_seconds: { field: 'ackTimeoutSeconds', parse: (k, v) => wholeNumber(k, v, 1, 3600) },
};

/** The keys of the `iot:` section, in the order check-config prints them. */
export const IOT_SECTION_KEYS: readonly string[] = Object.keys(SECTION_KEYS);

/** Parses the value of the agent config's `iot:` key (keys may carry the Ruby leading colon). */
export function parseIotSection(value: unknown, name: string, warnings: string[]): IotSection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(name, 'expected a map of keys (endpoint, thing_name, certificate_file, ...)', value);
  const out: Record<string, unknown> = { ...DEFAULT_IOT_SECTION };
  for (const [rawKey, v] of Object.entries(value as Record<string, unknown>)) {
    const key = rawKey.replace(/^:/, '');
    const spec = SECTION_KEYS[key];
    if (!spec) warnings.push(`config key ${name}.${key} is unknown and ignored`);
    else if (v !== null) out[spec.field] = spec.parse(`${name}.${key}`, v);
  }
  if (out['endpoint'] === undefined) throw invalid(`${name}.endpoint`, 'is required: the AWS IoT data endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS)', undefined);
  const section = out as unknown as IotSection;
  if (section.reconnectMinSeconds > section.reconnectMaxSeconds) throw invalid(`${name}.reconnect_min_seconds`, `must not be above ${name}.reconnect_max_seconds`, section.reconnectMinSeconds);
  return section;
}

/** check-config rows ("iot.<key>" → value); only file paths, never file contents. */
export function iotSectionView(section: IotSection): Record<string, string | number | boolean | null> {
  const rows: Record<string, string | number | boolean | null> = {};
  for (const [key, { field }] of Object.entries(SECTION_KEYS)) {
    const v = section[field];
    rows[`iot.${key}`] = v === undefined ? null : typeof v === 'object' ? formatIotEndpoint(v) : v;
  }
  return rows;
}

/** The on-premises file's keys of the IoT-certificate identity. */
export const IOT_IDENTITY_KEYS: readonly string[] = ['iot_thing_name', 'iot_role_alias', 'iot_credentials_endpoint', 'iot_certificate_file', 'iot_private_key_file', 'iot_ca_file'];

/** Parses the iot_* keys of the on-premises file (all but iot_ca_file are required). */
export function parseIotIdentityKeys(keys: Record<string, unknown>, source: string): IotIdentitySettings {
  const present = (k: string): boolean => keys[k] !== undefined && keys[k] !== null && keys[k] !== '';
  const missing = IOT_IDENTITY_KEYS.filter((k) => k !== 'iot_ca_file' && !present(k));
  if (missing.length > 0) {
    throw new EdgeError('CONFIG_INVALID', `on-premises config ${source}: the IoT certificate identity also needs ${missing.map((k) => `'${k}'`).join(', ')}`, { details: { path: source } });
  }
  return {
    thingName: parseThingName('iot_thing_name', keys['iot_thing_name']),
    roleAlias: parseRoleAlias('iot_role_alias', keys['iot_role_alias']),
    credentialsEndpoint: parseIotEndpoint('iot_credentials_endpoint', keys['iot_credentials_endpoint'], 443),
    certificateFile: parseAbsolutePath('iot_certificate_file', keys['iot_certificate_file']),
    privateKeyFile: parseAbsolutePath('iot_private_key_file', keys['iot_private_key_file']),
    ...(present('iot_ca_file') ? { caFile: parseAbsolutePath('iot_ca_file', keys['iot_ca_file']) } : {}),
  };
}

/** The section with its certificate: its own keys, else the IoT identity's. */
export function resolveTelemetryConfig(section: IotSection, identity?: IotCertificateFiles): IotTelemetryConfig {
  const thingName = section.thingName ?? identity?.thingName;
  const certificateFile = section.certificateFile ?? identity?.certificateFile;
  const privateKeyFile = section.privateKeyFile ?? identity?.privateKeyFile;
  const caFile = section.caFile ?? identity?.caFile;
  const missing = [
    ['thing_name', thingName],
    ['certificate_file', certificateFile],
    ['private_key_file', privateKeyFile],
  ].filter(([, v]) => v === undefined);
  if (missing.length > 0) {
    throw new EdgeError(
      'CONFIG_INVALID',
      `config section iot needs ${missing.map(([k]) => `iot.${k}`).join(', ')} (or an on-premises identity with iot_thing_name, iot_certificate_file and iot_private_key_file)`,
    );
  }
  return { ...section, thingName: thingName as string, certificateFile: certificateFile as string, privateKeyFile: privateKeyFile as string, ...(caFile ? { caFile } : {}) };
}
