// The on-premises identity file, compatible with codedeploy.onpremises.yml (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/onpremise_config.rb):
//   IAM user:    region, iam_user_arn, aws_access_key_id, aws_secret_access_key
//   IAM session: region, iam_session_arn, aws_credentials_file
//   IoT certificate (ours): region, iot_thing_name, iot_role_alias, iot_credentials_endpoint,
//                iot_certificate_file, iot_private_key_file[, iot_ca_file]; the host identifier is
//                the assumed-role session ARN, learnt at start (iot-credentials.ts)
// Keys may carry the Ruby leading colon; a duplicate key's last value wins. The official error
// messages are kept verbatim. Messages never contain a secret value.
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { EdgeError } from '../../shared/errors.js';
import { isRegionName } from './agent-config.js';
import { IOT_IDENTITY_KEYS, parseIotIdentityKeys, type IotIdentitySettings } from './iot-config.js';
import { readYamlKeys } from './yaml-keys.js';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

interface Common {
  /** The file this came from. */
  readonly source: string;
  readonly region: string;
  /** The file itself holds a secret (aws_secret_access_key), so it must be private to the agent. */
  readonly holdsSecrets: boolean;
}

export interface IamUserIdentity extends Common {
  readonly mode: 'iam-user';
  /** The iam_user_arn, sent as HostIdentifier in every Commands call. */
  readonly hostIdentifier: string;
  readonly credentials: StaticCredentials;
  readonly credentialsFile?: undefined;
}

export interface IamSessionIdentity extends Common {
  readonly mode: 'iam-session';
  /** The iam_session_arn, sent as HostIdentifier in every Commands call. */
  readonly hostIdentifier: string;
  readonly credentials?: undefined;
  /** INI file with a [default] profile, kept fresh by something else (e.g. the session helper). */
  readonly credentialsFile: string;
}

export interface IotCertificateIdentity extends Common {
  readonly mode: 'iot-certificate';
  /** Not in the file: the session ARN of the credentials (STS GetCallerIdentity at start). */
  readonly hostIdentifier?: undefined;
  readonly credentials?: undefined;
  readonly credentialsFile?: undefined;
  readonly iot: IotIdentitySettings;
}

export type OnPremisesConfig = IamUserIdentity | IamSessionIdentity | IotCertificateIdentity;

const IAM_USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/.+$/;
const IAM_SESSION_ARN = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[^/]+\/.+$/;
const SECRET_KEYS = new Set(['aws_secret_access_key', 'aws_session_token']);
const KNOWN_KEYS = new Set(['region', 'iam_user_arn', 'iam_session_arn', 'aws_access_key_id', 'aws_secret_access_key', 'aws_credentials_file', ...IOT_IDENTITY_KEYS]);

const invalid = (message: string, source: string): EdgeError => new EdgeError('CONFIG_INVALID', message, { details: { path: source } });

function readKeys(text: string, source: string): Record<string, unknown> {
  let keys: Record<string, unknown> | undefined;
  try {
    keys = readYamlKeys(text);
  } catch {
    // the parser's message quotes the offending line, which may hold a secret: never show it
    keys = undefined;
  }
  if (keys === undefined) throw invalid(`The deployment failed because the format of the following on-premises configuration file is invalid: ${source}`, source);
  return keys;
}

/** The string value of a key, or undefined when absent/null/empty; throws on another type. */
function stringKey(keys: Record<string, unknown>, key: string, source: string): string | undefined {
  const value = keys[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && !SECRET_KEYS.has(key) && key !== 'aws_access_key_id') return String(value);
  if (typeof value !== 'string') {
    const shown = SECRET_KEYS.has(key) ? `a ${Array.isArray(value) ? 'list' : typeof value}` : JSON.stringify(value);
    throw invalid(`on-premises config ${source}: '${key}' must be a string, got ${shown}`, source);
  }
  return value.trim() === '' ? undefined : value.trim();
}

function required(keys: Record<string, unknown>, fields: readonly string[], arnKey: string, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const value = stringKey(keys, field, source);
    if (value === undefined) throw invalid(`'${field}' key is required when '${arnKey}' is provided.`, source);
    out[field] = value;
  }
  return out;
}

export function parseOnPremisesConfig(text: string, source: string): { config: OnPremisesConfig; warnings: string[] } {
  const keys = readKeys(text, source);
  const userArn = stringKey(keys, 'iam_user_arn', source);
  const sessionArn = stringKey(keys, 'iam_session_arn', source);
  if (userArn !== undefined && sessionArn !== undefined) throw invalid("On Premises config cannot contain both 'iam_user_arn' and 'iam_session_arn' keys.", source);
  const iotKeys = IOT_IDENTITY_KEYS.filter((k) => keys[k] !== undefined && keys[k] !== null);
  if (iotKeys.length > 0 && (userArn !== undefined || sessionArn !== undefined)) {
    throw invalid(`on-premises config ${source}: '${iotKeys[0]}' (the IoT certificate identity) cannot be combined with '${userArn !== undefined ? 'iam_user_arn' : 'iam_session_arn'}': keep one identity`, source);
  }
  if (userArn === undefined && sessionArn === undefined && iotKeys.length === 0) {
    throw invalid(
      `on-premises config ${source} names no identity: set 'iam_user_arn' (with 'aws_access_key_id', 'aws_secret_access_key' and 'region'), 'iam_session_arn' (with 'aws_credentials_file' and 'region') or 'iot_thing_name' (with 'iot_role_alias', 'iot_credentials_endpoint', 'iot_certificate_file', 'iot_private_key_file' and 'region')`,
      source,
    );
  }
  const warnings = Object.keys(keys)
    .filter((k) => !KNOWN_KEYS.has(k))
    .map((k) => `on-premises config key ${k} in ${source} is unknown and ignored`);
  const holdsSecrets = stringKey(keys, 'aws_secret_access_key', source) !== undefined;
  let config: OnPremisesConfig;
  if (iotKeys.length > 0) {
    const region = stringKey(keys, 'region', source);
    if (region === undefined) throw invalid("'region' key is required when 'iot_thing_name' is provided.", source);
    config = { mode: 'iot-certificate', source, region, holdsSecrets, iot: parseIotIdentityKeys(keys, source) };
  } else if (userArn !== undefined) {
    const v = required(keys, ['region', 'aws_access_key_id', 'aws_secret_access_key'], 'iam_user_arn', source);
    if (!IAM_USER_ARN.test(userArn)) throw invalid(`on-premises config ${source}: 'iam_user_arn' must look like arn:aws:iam::<account>:user/<name>, got ${JSON.stringify(userArn)}`, source);
    if (!/^[A-Z0-9]{16,128}$/.test(v['aws_access_key_id'] as string)) {
      throw invalid(`on-premises config ${source}: 'aws_access_key_id' is not an access key id (16 to 128 capital letters and digits, e.g. AKIA...)`, source);
    }
    if (stringKey(keys, 'aws_credentials_file', source) !== undefined) warnings.push(`on-premises config ${source}: 'aws_credentials_file' is ignored with 'iam_user_arn'`);
    config = {
      mode: 'iam-user',
      source,
      region: v['region'] as string,
      hostIdentifier: userArn,
      holdsSecrets,
      credentials: { accessKeyId: v['aws_access_key_id'] as string, secretAccessKey: v['aws_secret_access_key'] as string },
    };
  } else {
    const arn = sessionArn as string;
    const v = required(keys, ['region', 'aws_credentials_file'], 'iam_session_arn', source);
    if (!IAM_SESSION_ARN.test(arn)) {
      throw invalid(`on-premises config ${source}: 'iam_session_arn' must look like arn:aws:sts::<account>:assumed-role/<role>/<session>, got ${JSON.stringify(arn)}`, source);
    }
    const file = v['aws_credentials_file'] as string;
    if (!isAbsolute(file)) throw invalid(`on-premises config ${source}: 'aws_credentials_file' must be an absolute path, got ${JSON.stringify(file)}`, source);
    for (const k of ['aws_access_key_id', 'aws_secret_access_key']) {
      if (keys[k] !== undefined) warnings.push(`on-premises config ${source}: '${k}' is ignored with 'iam_session_arn' (the keys come from ${file})`);
    }
    config = { mode: 'iam-session', source, region: v['region'] as string, hostIdentifier: arn, holdsSecrets, credentialsFile: file };
  }
  if (!isRegionName(config.region)) throw invalid(`on-premises config ${source}: 'region' must be a region name like eu-west-1, got ${JSON.stringify(config.region)}`, source);
  return { config, warnings };
}

export function loadOnPremisesConfig(path: string): { config: OnPremisesConfig; warnings: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new EdgeError('CONFIG_NOT_FOUND', `on-premises configuration file ${path} does not exist or is not readable`, { details: { path } });
  }
  return parseOnPremisesConfig(text, path);
}
