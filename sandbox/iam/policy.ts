// A resource-policy evaluator (pure): the part of IAM's policy language the sandbox's bucket
// policies, KMS key policies and role trust policies need. Statements with Effect Allow/Deny,
// Principal ("*", {AWS: account id | root ARN | role ARN | user ARN | session ARN}, {Service: …}),
// Action/NotAction and Resource/NotResource with * and ? wildcards, and Condition with the String*,
// Arn*, Bool and Null operators (…IfExists too). Explicit Deny wins over Allow; nothing = no match.

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: Effect;
  /** undefined = no Principal element (identity-style); ['*'] = anyone. */
  readonly aws?: readonly string[];
  readonly services?: readonly string[];
  readonly actions: readonly string[];
  readonly notActions: boolean;
  /** undefined = every resource. */
  readonly resources?: readonly string[];
  readonly notResources: boolean;
  readonly conditions: readonly PolicyCondition[];
}

export interface PolicyCondition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

export interface PolicyDocument {
  readonly statements: readonly PolicyStatement[];
}

/** Who asks: an IAM principal (account + ARN) or an AWS service principal. */
export interface PolicyRequest {
  readonly principal: { readonly arn: string; readonly accountId: string } | { readonly service: string };
  readonly action: string;
  readonly resource: string;
  /** Condition keys (lower-cased names are compared case-insensitively). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = 'Allow' | 'Deny' | 'NoMatch';

/** A malformed policy: `path` is where (e.g. policy.Statement[0].Effect), `reason` what is wrong. */
export class PolicyError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'PolicyError';
  }
}

const OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Bool', 'Null',
]);

const list = (v: unknown, path: string): string[] => {
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0 || items.some((x) => typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')) {
    throw new PolicyError(path, 'expected a string or a list of strings');
  }
  return items.map(String);
};

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parsePrincipal(v: unknown, path: string): { aws?: string[]; services?: string[] } {
  if (v === '*') return { aws: ['*'] };
  if (!isMap(v)) throw new PolicyError(path, 'expected "*" or a map with AWS and/or Service');
  const out: { aws?: string[]; services?: string[] } = {};
  for (const [k, value] of Object.entries(v)) {
    if (k === 'AWS') {
      out.aws = list(value, `${path}.AWS`);
      for (const p of out.aws) {
        if (p !== '*' && !/^\d{12}$/.test(p) && !/^arn:aws:(iam|sts)::\d{12}:/.test(p)) {
          throw new PolicyError(`${path}.AWS`, `invalid principal ${JSON.stringify(p)} (an account id, or an iam/sts ARN)`);
        }
      }
    } else if (k === 'Service') out.services = list(value, `${path}.Service`);
    else throw new PolicyError(`${path}.${k}`, 'unsupported principal type (AWS and Service are modelled)');
  }
  return out;
}

function parseConditions(v: unknown, path: string): PolicyCondition[] {
  if (v === undefined) return [];
  if (!isMap(v)) throw new PolicyError(path, 'expected a map of operator to {key: value(s)}');
  const out: PolicyCondition[] = [];
  for (const [operator, block] of Object.entries(v)) {
    if (!OPERATORS.has(operator.replace(/IfExists$/, ''))) throw new PolicyError(`${path}.${operator}`, `unsupported condition operator (known: ${[...OPERATORS].join(', ')})`);
    if (!isMap(block)) throw new PolicyError(`${path}.${operator}`, 'expected a map of condition key to value(s)');
    for (const [key, values] of Object.entries(block)) out.push({ operator, key, values: list(values, `${path}.${operator}.${key}`) });
  }
  return out;
}

/** Parses a policy document (object or JSON text); `path` prefixes error locations. */
export function parsePolicy(input: unknown, path = 'policy'): PolicyDocument {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      throw new PolicyError(path, 'not valid JSON');
    }
  }
  if (!isMap(doc)) throw new PolicyError(path, 'expected a policy document (a map with Statement)');
  if (doc['Version'] !== undefined && doc['Version'] !== '2012-10-17' && doc['Version'] !== '2008-10-17') {
    throw new PolicyError(`${path}.Version`, 'expected 2012-10-17 or 2008-10-17');
  }
  const raw = doc['Statement'];
  if (raw === undefined) throw new PolicyError(`${path}.Statement`, 'missing');
  const statements = (Array.isArray(raw) ? raw : [raw]).map((s: unknown, i: number): PolicyStatement => {
    const at = `${path}.Statement[${i}]`;
    if (!isMap(s)) throw new PolicyError(at, 'expected a map');
    if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') throw new PolicyError(`${at}.Effect`, 'expected Allow or Deny');
    if ((s['Action'] === undefined) === (s['NotAction'] === undefined)) throw new PolicyError(at, 'needs exactly one of Action and NotAction');
    if (s['Resource'] !== undefined && s['NotResource'] !== undefined) throw new PolicyError(at, 'has both Resource and NotResource');
    if (s['NotPrincipal'] !== undefined) throw new PolicyError(`${at}.NotPrincipal`, 'NotPrincipal is not modelled');
    const principal = s['Principal'] === undefined ? {} : parsePrincipal(s['Principal'], `${at}.Principal`);
    const resource = s['Resource'] ?? s['NotResource'];
    return {
      ...(typeof s['Sid'] === 'string' ? { sid: s['Sid'] } : {}),
      effect: s['Effect'],
      ...principal,
      actions: list(s['Action'] ?? s['NotAction'], `${at}.${s['Action'] !== undefined ? 'Action' : 'NotAction'}`),
      notActions: s['Action'] === undefined,
      ...(resource !== undefined ? { resources: list(resource, `${at}.Resource`) } : {}),
      notResources: s['NotResource'] !== undefined,
      conditions: parseConditions(s['Condition'], `${at}.Condition`),
    };
  });
  return { statements };
}

const compiledCache = new Map<string, PolicyDocument>();

/** A stored policy's JSON text, parsed once (bucket and key policies are evaluated on every request). */
export function compiledPolicy(text: string): PolicyDocument {
  let doc = compiledCache.get(text);
  if (!doc) {
    doc = parsePolicy(text);
    if (compiledCache.size > 5000) compiledCache.clear();
    compiledCache.set(text, doc);
  }
  return doc;
}

const wildcardCache = new Map<string, RegExp>();

/** IAM wildcard match: * any run, ? one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = wildcardCache.get(cacheKey);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (wildcardCache.size > 5000) wildcardCache.clear();
    wildcardCache.set(cacheKey, re);
  }
  return re.test(value);
}

const ROLE = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const SESSION = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

/** Does a Principal.AWS entry name this IAM principal? An account (id or root ARN) names all of its principals. */
export function principalMatches(entry: string, who: { arn: string; accountId: string }): boolean {
  if (entry === '*') return true;
  if (/^\d{12}$/.test(entry)) return who.accountId === entry;
  if (entry === `arn:aws:iam::${who.accountId}:root`) return true;
  if (entry === who.arn) return true;
  const role = ROLE.exec(entry);
  const session = SESSION.exec(who.arn);
  return role !== null && session !== null && role[1] === session[1] && role[2] === session[2];
}

function contextValues(context: PolicyRequest['context'], key: string): string[] | undefined {
  if (!context) return undefined;
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === wanted) return typeof v === 'string' ? [v] : [...v];
  return undefined;
}

function conditionHolds(c: PolicyCondition, context: PolicyRequest['context']): boolean {
  const ifExists = c.operator.endsWith('IfExists');
  const op = ifExists ? c.operator.slice(0, -'IfExists'.length) : c.operator;
  const actual = contextValues(context, c.key);
  if (op === 'Null') return c.values.some((v) => (v === 'true') === (actual === undefined));
  if (actual === undefined) return ifExists || op.includes('Not');
  const negated = op.includes('Not');
  const test = (pattern: string, value: string): boolean => {
    switch (op.replace('Not', '')) {
      case 'StringEquals':
      case 'ArnEquals':
        return pattern === value;
      case 'StringEqualsIgnoreCase':
        return pattern.toLowerCase() === value.toLowerCase();
      case 'StringLike':
      case 'ArnLike':
        return wildcardMatch(pattern, value);
      case 'Bool':
        return pattern.toLowerCase() === value.toLowerCase();
      default:
        return false;
    }
  };
  // Single-valued semantics: any context value matching any listed value.
  const matched = actual.some((value) => c.values.some((pattern) => test(pattern, value)));
  return negated ? !matched : matched;
}

function statementApplies(s: PolicyStatement, req: PolicyRequest): boolean {
  const p = req.principal;
  if ('service' in p) {
    if (!s.services?.includes(p.service) && !s.aws?.includes('*')) return false;
  } else if (s.aws !== undefined || s.services !== undefined) {
    if (!s.aws?.some((entry) => principalMatches(entry, p))) return false;
  }
  const actionHit = s.actions.some((a) => wildcardMatch(a, req.action, true));
  if (actionHit === s.notActions) return false;
  if (s.resources !== undefined) {
    const resourceHit = s.resources.some((r) => wildcardMatch(r, req.resource));
    if (resourceHit === s.notResources) return false;
  }
  return s.conditions.every((c) => conditionHolds(c, req.context));
}

/** Deny if any matching statement denies, Allow if one allows, else NoMatch. */
export function evaluatePolicy(policy: PolicyDocument | undefined, req: PolicyRequest): Decision {
  if (!policy) return 'NoMatch';
  let allowed = false;
  for (const s of policy.statements) {
    if (!statementApplies(s, req)) continue;
    if (s.effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}
