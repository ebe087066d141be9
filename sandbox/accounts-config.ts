// The `accounts:` section of the sandbox config (pure): the pipeline, device and tenant accounts,
// each with its roles (trust), buckets (policy, default encryption, object ownership), KMS keys
// (key policy, aliases), pre-created CodeDeploy applications/deployment groups and virtual hosts
// (virtual-hosts/virtual-host-config.ts). Parsing throws `ConfigProblem(path, reason)`; the caller adds the file.
import { PolicyError, parsePolicy, type PolicyDocument } from './iam/policy.js';
import { parseVirtualHostGroup, type VirtualHostGroup } from './virtual-hosts/virtual-host-config.js';

export type AccountKind = 'pipeline' | 'device' | 'tenant';
export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';

export interface RoleConfig {
  readonly name: string;
  /** The trust policy (who may call sts:AssumeRole), compiled from `trust` or given as `trustPolicy`. */
  readonly trust: PolicyDocument;
  /** 3600..43200 seconds (IAM's MaxSessionDuration; default 3600). */
  readonly maxSessionDuration: number;
}

export interface BucketConfig {
  readonly name: string;
  readonly region?: string;
  /** The bucket policy as JSON text (checked when parsed). */
  readonly policy?: string;
  readonly encryption?: { readonly algorithm: 'AES256' | 'aws:kms'; readonly kmsKey?: string; readonly bucketKey: boolean };
  readonly objectOwnership: ObjectOwnership;
  readonly versioning?: 'Enabled' | 'Suspended';
}

export interface KmsKeyConfig {
  /** A fixed key id (UUID); default: derived from the account and the first alias (stable across restarts). */
  readonly id?: string;
  /** Alias names with the `alias/` prefix. */
  readonly aliases: readonly string[];
  readonly description: string;
  /** The key policy as JSON text; default: the account root may do everything (kms:*). */
  readonly policy?: string;
}

export interface CodeDeployAppConfig {
  readonly name: string;
  readonly computePlatform: string;
  /** CreateDeploymentGroup input members (serviceRoleArn, deploymentConfigName, onPremisesInstanceTagFilters, …). */
  readonly deploymentGroups: readonly Readonly<Record<string, unknown>>[];
}

export interface AccountConfig {
  readonly accountId: string;
  readonly name: string;
  readonly kind: AccountKind;
  /** undefined = any role name may be assumed by any principal (an open account). */
  readonly roles?: readonly RoleConfig[];
  readonly buckets: readonly BucketConfig[];
  readonly kmsKeys: readonly KmsKeyConfig[];
  readonly codedeploy: readonly CodeDeployAppConfig[];
  /** Virtual hosts: registered on-premises instances the sandbox answers for (see docs/sandbox.md). */
  readonly virtualHosts: readonly VirtualHostGroup[];
}

export class ConfigProblem extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ConfigProblem';
  }
}

export const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ALIAS = /^alias\/[\w/-]{1,250}$/;

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

function map(v: unknown, path: string, known: readonly string[]): Doc {
  if (!isMap(v)) throw new ConfigProblem(path, `expected a map (keys: ${known.join(', ')})`);
  for (const k of Object.keys(v)) if (!known.includes(k)) throw new ConfigProblem(`${path}.${k}`, `unknown key (known: ${known.join(', ')})`);
  return v;
}

function items(v: unknown, path: string, what: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ConfigProblem(path, `expected a list of ${what}`);
  return v;
}

function str(v: unknown, path: string, pattern?: RegExp, hint = ''): string {
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) throw new ConfigProblem(path, `expected ${hint || 'a string'}, got ${JSON.stringify(v)}`);
  return v;
}

const strings = (v: unknown, path: string, pattern?: RegExp, hint?: string): string[] =>
  (typeof v === 'string' ? [v] : items(v, path, 'strings')).map((x, i) => str(x, `${path}[${i}]`, pattern, hint));

function policyText(v: unknown, path: string): string {
  try {
    parsePolicy(v, path);
  } catch (e) {
    if (e instanceof PolicyError) throw new ConfigProblem(e.path, e.reason);
    throw e;
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function compilePolicy(v: unknown, path: string): PolicyDocument {
  try {
    return parsePolicy(v, path);
  } catch (e) {
    if (e instanceof PolicyError) throw new ConfigProblem(e.path, e.reason);
    throw e;
  }
}

/** A trust shorthand (accounts, principals, services, externalId) as a trust policy. */
export function trustPolicy(trust: { accounts?: readonly string[]; principals?: readonly string[]; services?: readonly string[]; externalId?: string }): PolicyDocument {
  const aws = [...(trust.accounts ?? []), ...(trust.principals ?? [])];
  const statements: Doc[] = [];
  if (aws.length > 0) {
    statements.push({
      Effect: 'Allow',
      Principal: { AWS: aws },
      Action: 'sts:AssumeRole',
      ...(trust.externalId !== undefined ? { Condition: { StringEquals: { 'sts:ExternalId': trust.externalId } } } : {}),
    });
  }
  if ((trust.services ?? []).length > 0) statements.push({ Effect: 'Allow', Principal: { Service: trust.services }, Action: 'sts:AssumeRole' });
  return parsePolicy({ Version: '2012-10-17', Statement: statements });
}

function parseRole(v: unknown, path: string, accountId: string, pipelineAccountId: string): RoleConfig {
  // A bare name: trusted by the pipeline account and the role's own account.
  if (typeof v === 'string') {
    return { name: str(v, path, ROLE_NAME, 'a role name'), trust: trustPolicy({ accounts: [...new Set([pipelineAccountId, accountId])] }), maxSessionDuration: 3600 };
  }
  const r = map(v, path, ['name', 'trust', 'trustPolicy', 'maxSessionDuration']);
  const name = str(r['name'], `${path}.name`, ROLE_NAME, 'a role name ([\\w+=,.@-], 1-64 characters)');
  const max = r['maxSessionDuration'] ?? 3600;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 3600 || max > 43200) {
    throw new ConfigProblem(`${path}.maxSessionDuration`, `expected whole seconds from 3600 to 43200, got ${JSON.stringify(max)}`);
  }
  if (r['trust'] !== undefined && r['trustPolicy'] !== undefined) throw new ConfigProblem(path, 'give either trust or trustPolicy, not both');
  if (r['trustPolicy'] !== undefined) return { name, trust: compilePolicy(r['trustPolicy'], `${path}.trustPolicy`), maxSessionDuration: max };
  if (r['trust'] === undefined) return { name, trust: trustPolicy({ accounts: [...new Set([pipelineAccountId, accountId])] }), maxSessionDuration: max };
  const t = map(r['trust'], `${path}.trust`, ['accounts', 'principals', 'services', 'externalId']);
  const at = `${path}.trust`;
  const trust = {
    accounts: strings(t['accounts'], `${at}.accounts`, /^(\d{12}|arn:aws:iam::\d{12}:root)$/, 'a 12-digit account id (quote it in YAML) or arn:aws:iam::<account>:root'),
    principals: strings(t['principals'], `${at}.principals`, /^arn:aws:(iam::\d{12}:(role|user)\/|sts::\d{12}:assumed-role\/)\S+$/, 'an IAM role/user ARN or an assumed-role session ARN'),
    services: strings(t['services'], `${at}.services`, /^[a-z0-9.-]+\.amazonaws\.com$/, 'a service principal like cloudformation.amazonaws.com'),
    ...(t['externalId'] !== undefined ? { externalId: str(t['externalId'], `${at}.externalId`, /^[\w+=,.@:/-]{2,1224}$/, 'an external id (2-1224 characters of [\\w+=,.@:/-])') } : {}),
  };
  if (trust.accounts.length + trust.principals.length + trust.services.length === 0) throw new ConfigProblem(at, 'names nobody: give accounts, principals or services');
  return { name, trust: trustPolicy(trust), maxSessionDuration: max };
}

function parseBucket(v: unknown, path: string): BucketConfig {
  const b = map(v, path, ['name', 'region', 'policy', 'encryption', 'objectOwnership', 'versioning']);
  const name = str(b['name'], `${path}.name`, BUCKET_NAME, 'a bucket name (3-63 of a-z 0-9 . -)');
  const ownership = b['objectOwnership'] ?? 'BucketOwnerEnforced';
  if (!['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'].includes(ownership as string)) {
    throw new ConfigProblem(`${path}.objectOwnership`, `expected BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter, got ${JSON.stringify(ownership)}`);
  }
  const versioning = b['versioning'];
  if (versioning !== undefined && versioning !== 'Enabled' && versioning !== 'Suspended') throw new ConfigProblem(`${path}.versioning`, 'expected Enabled or Suspended');
  let encryption: BucketConfig['encryption'];
  if (b['encryption'] === 'AES256') encryption = { algorithm: 'AES256', bucketKey: false };
  else if (b['encryption'] !== undefined) {
    const e = map(b['encryption'], `${path}.encryption`, ['algorithm', 'kmsKey', 'bucketKey']);
    const algorithm = e['algorithm'] ?? 'aws:kms';
    if (algorithm !== 'aws:kms' && algorithm !== 'AES256') throw new ConfigProblem(`${path}.encryption.algorithm`, 'expected aws:kms or AES256');
    if (algorithm === 'AES256' && e['kmsKey'] !== undefined) throw new ConfigProblem(`${path}.encryption.kmsKey`, 'only with algorithm aws:kms');
    if (e['bucketKey'] !== undefined && typeof e['bucketKey'] !== 'boolean') throw new ConfigProblem(`${path}.encryption.bucketKey`, 'expected true or false');
    encryption = {
      algorithm,
      ...(e['kmsKey'] !== undefined ? { kmsKey: str(e['kmsKey'], `${path}.encryption.kmsKey`, /^(alias\/\S+|[0-9a-f-]{36}|arn:aws:kms:\S+)$/, 'alias/<name>, a key id or a key ARN') } : {}),
      bucketKey: e['bucketKey'] === true,
    };
  }
  return {
    name,
    ...(b['region'] !== undefined ? { region: str(b['region'], `${path}.region`, /^[a-z]{2}(-[a-z]+)+-\d$/, 'a region name like eu-west-1') } : {}),
    ...(b['policy'] !== undefined ? { policy: policyText(b['policy'], `${path}.policy`) } : {}),
    ...(encryption ? { encryption } : {}),
    objectOwnership: ownership as ObjectOwnership,
    ...(versioning !== undefined ? { versioning } : {}),
  };
}

function parseKey(v: unknown, path: string): KmsKeyConfig {
  const k = map(v, path, ['id', 'alias', 'aliases', 'description', 'policy']);
  const aliases = [...strings(k['alias'], `${path}.alias`), ...strings(k['aliases'], `${path}.aliases`)].map((a) => (a.startsWith('alias/') ? a : `alias/${a}`));
  aliases.forEach((a, i) => {
    if (!ALIAS.test(a) || a.startsWith('alias/aws/')) throw new ConfigProblem(`${path}.aliases[${i}]`, `invalid alias ${JSON.stringify(a)} (alias/ + letters, digits, / _ -; alias/aws/ is reserved)`);
  });
  return {
    ...(k['id'] !== undefined ? { id: str(k['id'], `${path}.id`, UUID, 'a lower-case UUID') } : {}),
    aliases,
    description: k['description'] === undefined ? '' : str(k['description'], `${path}.description`),
    ...(k['policy'] !== undefined ? { policy: policyText(k['policy'], `${path}.policy`) } : {}),
  };
}

function parseApplication(v: unknown, path: string): CodeDeployAppConfig {
  const a = map(v, path, ['name', 'computePlatform', 'deploymentGroups']);
  const name = str(a['name'], `${path}.name`, /^[\w.-]{1,100}$/, 'an application name');
  const computePlatform = a['computePlatform'] === undefined ? 'Server' : str(a['computePlatform'], `${path}.computePlatform`, /^Server$/, 'Server (the sandbox serves EC2/on-premises only)');
  const deploymentGroups = items(a['deploymentGroups'], `${path}.deploymentGroups`, 'deployment groups').map((g, i) => {
    const at = `${path}.deploymentGroups[${i}]`;
    if (!isMap(g)) throw new ConfigProblem(at, 'expected a map of CreateDeploymentGroup members (deploymentGroupName, serviceRoleArn, …)');
    const { name, ...rest } = g;
    const groupName = str(name ?? g['deploymentGroupName'], `${at}.name`, /^[\w.-]{1,100}$/, 'a deployment group name');
    return { ...rest, deploymentGroupName: groupName };
  });
  return { name, computePlatform, deploymentGroups };
}

const unique = (names: readonly string[], path: string, what: string): void => {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new ConfigProblem(path, `${what} ${n} is declared twice`);
    seen.add(n);
  }
};

export function parseAccounts(v: unknown, path: string, pipelineAccountId: string): AccountConfig[] {
  const accounts = items(v, path, 'accounts').map((raw, i): AccountConfig => {
    const at = `${path}[${i}]`;
    const a = map(raw, at, ['accountId', 'name', 'kind', 'roles', 'buckets', 'kmsKeys', 'codedeploy', 'virtualHosts']);
    const accountId = typeof a['accountId'] === 'number' ? String(a['accountId']) : a['accountId'];
    str(accountId, `${at}.accountId`, ACCOUNT_ID, '12 digits (quote it in YAML)');
    const id = accountId as string;
    const kind = a['kind'] ?? (id === pipelineAccountId ? 'pipeline' : 'tenant');
    if (kind !== 'pipeline' && kind !== 'device' && kind !== 'tenant') throw new ConfigProblem(`${at}.kind`, `expected pipeline, device or tenant, got ${JSON.stringify(kind)}`);
    const roles = a['roles'] === undefined ? undefined : items(a['roles'], `${at}.roles`, 'roles').map((r, j) => parseRole(r, `${at}.roles[${j}]`, id, pipelineAccountId));
    const cd = a['codedeploy'] === undefined ? {} : map(a['codedeploy'], `${at}.codedeploy`, ['applications']);
    const account: AccountConfig = {
      accountId: id,
      name: a['name'] === undefined ? id : str(a['name'], `${at}.name`),
      kind,
      ...(roles !== undefined && roles.length > 0 ? { roles } : {}),
      buckets: items(a['buckets'], `${at}.buckets`, 'buckets').map((b, j) => parseBucket(b, `${at}.buckets[${j}]`)),
      kmsKeys: items(a['kmsKeys'], `${at}.kmsKeys`, 'KMS keys').map((k, j) => parseKey(k, `${at}.kmsKeys[${j}]`)),
      codedeploy: items(cd['applications'], `${at}.codedeploy.applications`, 'applications').map((x, j) => parseApplication(x, `${at}.codedeploy.applications[${j}]`)),
      virtualHosts: items(a['virtualHosts'], `${at}.virtualHosts`, 'virtual host groups').map((g, j) =>
        parseVirtualHostGroup(g, `${at}.virtualHosts[${j}]`, (where, reason) => new ConfigProblem(where, reason)),
      ),
    };
    unique((account.roles ?? []).map((r) => r.name), `${at}.roles`, 'role');
    unique(account.kmsKeys.flatMap((k) => k.aliases), `${at}.kmsKeys`, 'alias');
    return account;
  });
  unique(accounts.map((a) => a.accountId), path, 'account');
  unique(accounts.flatMap((a) => a.buckets.map((b) => b.name)), path, 'bucket');
  return accounts;
}
