// The environment a hook script sees (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/hook_executor.rb): the agent's own environment, minus anything
// that looks like a credential, plus the documented CodeDeploy variables. The official v1 agent
// passes on-prem IAM keys to hooks; we deliberately do not.

/** Credential variables the AWS SDKs and the official agent read; never passed to hooks. */
export const SECRET_ENV_NAMES: readonly string[] = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AWS_CREDENTIALS_FILE',
  'AWS_CREDENTIAL_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
];

/** Any variable whose name matches this is treated as a secret. */
export const SECRET_ENV_PATTERN = /SECRET|TOKEN|PASSWORD|PRIVATE_KEY/i;

/** The documented hook variables. BUNDLE_* left undefined are removed, even if inherited. */
export interface HookEnvVars {
  readonly LIFECYCLE_EVENT: string;
  readonly DEPLOYMENT_ID: string;
  readonly APPLICATION_NAME: string;
  readonly DEPLOYMENT_GROUP_NAME: string;
  readonly DEPLOYMENT_GROUP_ID: string;
  readonly BUNDLE_BUCKET?: string | undefined;
  readonly BUNDLE_KEY?: string | undefined;
  readonly BUNDLE_VERSION?: string | undefined;
  readonly BUNDLE_ETAG?: string | undefined;
  readonly BUNDLE_COMMIT?: string | undefined;
}

const HOOK_VAR_NAMES = [
  'LIFECYCLE_EVENT',
  'DEPLOYMENT_ID',
  'APPLICATION_NAME',
  'DEPLOYMENT_GROUP_NAME',
  'DEPLOYMENT_GROUP_ID',
  'BUNDLE_BUCKET',
  'BUNDLE_KEY',
  'BUNDLE_VERSION',
  'BUNDLE_ETAG',
  'BUNDLE_COMMIT',
] as const satisfies readonly (keyof HookEnvVars)[];

export interface HookEnvOptions {
  /** Extra names to drop: exact strings, or patterns tested against the name (e.g. /^LD_/). */
  readonly deny?: readonly (string | RegExp)[];
}

/** True when `name` must not reach a hook script. */
export function isDeniedEnvName(name: string, deny: readonly (string | RegExp)[] = []): boolean {
  if (SECRET_ENV_NAMES.includes(name) || SECRET_ENV_PATTERN.test(name)) return true;
  return deny.some((d) => (typeof d === 'string' ? d === name : d.test(name)));
}

/** A fresh environment object for a hook's child process; `baseEnv` is not modified. */
export function buildHookEnv(baseEnv: NodeJS.ProcessEnv, vars: HookEnvVars, options: HookEnvOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(baseEnv)) {
    if (value !== undefined && !isDeniedEnvName(name, options.deny)) env[name] = value;
  }
  for (const name of HOOK_VAR_NAMES) {
    const value = vars[name];
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
