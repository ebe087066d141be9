// The sandbox config file (YAML): which accounts exist besides the pipeline account, and which
// roles may be assumed in them. Without a file any 12-digit account and role can be assumed
// (the sandbox simulates an organisation).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EdgeError } from '../shared/errors.js';
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
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad(source, 'the file must hold a map');
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d)) if (!['region', 'pipelineAccountId', 'tenants', 'limits'].includes(key)) throw bad(source, `unknown key ${key} (known: region, pipelineAccountId, tenants, limits)`);
  const region = d['region'] ?? SANDBOX_DEFAULT_REGION;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw bad(source, `region: expected a region name like eu-west-1, got ${JSON.stringify(region)}`);
  const pipelineAccountId = String(d['pipelineAccountId'] ?? PIPELINE_ACCOUNT_ID);
  if (!ACCOUNT.test(pipelineAccountId)) throw bad(source, `pipelineAccountId: expected 12 digits, got ${JSON.stringify(d['pipelineAccountId'])}`);
  const limits = d['limits'] === undefined ? {} : { limits: parseLimits(d['limits'], `sandbox config ${source}: limits`) };
  if (d['tenants'] === undefined) return { region, pipelineAccountId, ...limits };
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
  return { region, pipelineAccountId, tenants, ...limits };
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

/** The AssumeRole policy the config implies. */
export function assumePolicy(config: SandboxConfig): (accountId: string, roleName: string) => boolean {
  const tenants = config.tenants;
  if (!tenants) return () => true;
  return (accountId, roleName) => {
    if (accountId === config.pipelineAccountId) return true;
    const t = tenants.find((x) => x.accountId === accountId);
    return t !== undefined && (t.roles.length === 0 || t.roles.includes(roleName));
  };
}
