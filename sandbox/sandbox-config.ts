// The sandbox config file (YAML or JSON): which accounts exist besides the pipeline account, with
// their roles (trust), buckets, KMS keys and CodeDeploy applications (`accounts:`, see
// accounts-config.ts), or the older `tenants:` list (account + role names). Without a file any
// 12-digit account and role can be assumed (the sandbox simulates an organisation).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EdgeError } from '../shared/errors.js';
import { ConfigProblem, parseAccounts, trustPolicy, type AccountConfig } from './accounts-config.js';
import { PIPELINE_ACCOUNT_ID, SANDBOX_DEFAULT_REGION } from './constants.js';
import { parseLimits, type LimitsConfig } from './limits/limits-config.js';

export interface TenantAccount {
  readonly accountId: string;
  readonly name: string;
  /** Roles that may be assumed in this account; empty = any. */
  readonly roles: readonly string[];
}

export interface SandboxConfig {
  readonly region: string;
  readonly pipelineAccountId: string;
  /** undefined = any account may be assumed. */
  readonly tenants?: readonly TenantAccount[];
  /** Accounts with roles, buckets, KMS keys, CodeDeploy applications (see accounts-config.ts). */
  readonly accounts?: readonly AccountConfig[];
  /** Request limits (TPS, latency, injected throttling); see sandbox/limits/limits-config.ts. */
  readonly limits?: LimitsConfig;
}

const ACCOUNT = /^\d{12}$/;
const bad = (source: string, what: string): EdgeError => new EdgeError('CONFIG_INVALID', `sandbox config ${source}: ${what}`);

export function parseSandboxConfig(text: string, source: string): SandboxConfig {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (e) {
    throw bad(source, `not valid YAML: ${(e as Error).message}`);
  }
  return parseSandboxConfigDocument(doc, source);
}

/** The config from an already parsed document (e.g. generateTenantsConfig's). */
export function parseSandboxConfigDocument(doc: unknown, source: string): SandboxConfig {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad(source, 'the file must hold a map');
  const d = doc as Record<string, unknown>;
  const known = ['region', 'pipelineAccountId', 'tenants', 'accounts', 'limits'];
  for (const key of Object.keys(d)) if (!known.includes(key)) throw bad(source, `unknown key ${key} (known: ${known.join(', ')})`);
  const region = d['region'] ?? SANDBOX_DEFAULT_REGION;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw bad(source, `region: expected a region name like eu-west-1, got ${JSON.stringify(region)}`);
  const pipelineAccountId = String(d['pipelineAccountId'] ?? PIPELINE_ACCOUNT_ID);
  if (!ACCOUNT.test(pipelineAccountId)) throw bad(source, `pipelineAccountId: expected 12 digits, got ${JSON.stringify(d['pipelineAccountId'])}`);
  const limits = d['limits'] === undefined ? {} : { limits: parseLimits(d['limits'], `sandbox config ${source}: limits`) };
  let accounts: { accounts?: AccountConfig[] } = {};
  try {
    if (d['accounts'] !== undefined) accounts = { accounts: parseAccounts(d['accounts'], 'accounts', pipelineAccountId) };
  } catch (e) {
    if (e instanceof ConfigProblem) throw bad(source, e.message);
    throw e;
  }
  if (d['tenants'] === undefined) return { region, pipelineAccountId, ...accounts, ...limits };
  if (!Array.isArray(d['tenants'])) throw bad(source, 'tenants: expected a list of {accountId, name, roles}');
  const tenants = d['tenants'].map((t: unknown, i: number): TenantAccount => {
    const where = `tenants[${i}]`;
    if (typeof t !== 'object' || t === null) throw bad(source, `${where}: expected a map with accountId, name, roles`);
    const r = t as Record<string, unknown>;
    const accountId = String(r['accountId'] ?? '');
    if (!ACCOUNT.test(accountId)) throw bad(source, `${where}.accountId: expected 12 digits (quote it in YAML), got ${JSON.stringify(r['accountId'])}`);
    const roles = r['roles'] ?? [];
    if (!Array.isArray(roles) || roles.some((x) => typeof x !== 'string')) throw bad(source, `${where}.roles: expected a list of role names`);
    return { accountId, name: typeof r['name'] === 'string' ? r['name'] : accountId, roles };
  });
  const declared = new Set((accounts.accounts ?? []).map((a) => a.accountId));
  const twice = tenants.find((t) => declared.has(t.accountId));
  if (twice) throw bad(source, `tenants: account ${twice.accountId} is also declared under accounts`);
  return { region, pipelineAccountId, tenants, ...accounts, ...limits };
}

export function loadSandboxConfig(path: string): SandboxConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new EdgeError('CONFIG_NOT_FOUND', `sandbox config ${path} does not exist or is not readable`);
  }
  return parseSandboxConfig(text, path);
}

/**
 * Every declared account as an AccountConfig: `accounts` plus the older `tenants` (whose role names
 * are trusted by the pipeline account and their own account). undefined = no account is declared.
 */
export function declaredAccounts(config: SandboxConfig): AccountConfig[] | undefined {
  if (config.tenants === undefined && config.accounts === undefined) return undefined;
  const fromTenants = (config.tenants ?? []).map((t): AccountConfig => ({
    accountId: t.accountId,
    name: t.name,
    kind: 'tenant',
    ...(t.roles.length > 0
      ? { roles: t.roles.map((name) => ({ name, trust: trustPolicy({ accounts: [...new Set([config.pipelineAccountId, t.accountId])] }), maxSessionDuration: 3600 })) }
      : {}),
    buckets: [],
    kmsKeys: [],
    codedeploy: [],
    virtualHosts: [],
  }));
  return [...(config.accounts ?? []), ...fromTenants];
}

/** Does the role exist (may it be assumed at all)? The pipeline account, undeclared, accepts any role. */
export function assumePolicy(config: SandboxConfig): (accountId: string, roleName: string) => boolean {
  const accounts = declaredAccounts(config);
  if (!accounts) return () => true;
  const byId = new Map(accounts.map((a) => [a.accountId, a]));
  return (accountId, roleName) => {
    const account = byId.get(accountId);
    if (!account) return accountId === config.pipelineAccountId;
    return account.roles === undefined || account.roles.some((r) => r.name === roleName);
  };
}
