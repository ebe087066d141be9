// A group of virtual hosts as the sandbox config (an account's `virtualHosts:` list) or the
// programmatic API declares it (pure): which hosts (explicit names, or a prefix and a count), their
// on-premises tags, and how they behave: milliseconds per lifecycle event, which hosts/events fail
// and when (always, on matching revisions, with a seeded probability), and the health verdict their
// device shadow reports. Parsing throws what `problem(path, reason)` builds, so the accounts
// config can raise its own ConfigProblem.

export type VirtualHealth = 'healthy' | 'degraded' | 'unhealthy' | 'stale' | 'none';
export const VIRTUAL_HEALTH: readonly VirtualHealth[] = ['healthy', 'degraded', 'unhealthy', 'stale', 'none'];

export interface VirtualHostBehaviour {
  /** Milliseconds each lifecycle event takes; `default` for the events not listed. */
  readonly eventMs: Readonly<Record<string, number>> & { readonly default: number };
  /** Where an injected failure happens (default ValidateService); alone: these events always fail. */
  readonly failEvents: readonly string[];
  /** Hosts of the group that fail every deployment (at failEvents). */
  readonly failHosts: readonly string[];
  /** Chance (0..1) that a host fails a given deployment, drawn from (seed, host, deployment). */
  readonly failureProbability: number;
  readonly seed: string;
  /** Fail only deployments whose revision's S3 key matches this pattern (`*` any run, `?` one character). */
  readonly failOnRevision?: string;
  /** The verdict the shadow reports; stale = reports once at registration only; none = never. */
  readonly health: VirtualHealth;
  /** After a successful deployment of a revision matching this pattern the host reports unhealthy. */
  readonly unhealthyOnRevision?: string;
  /** agent.version in the shadow. */
  readonly agentVersion: string;
}

export interface VirtualHostGroup {
  readonly names: readonly string[];
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  readonly behaviour: VirtualHostBehaviour;
}

export const DEFAULT_EVENT_MS = 100;
export const VIRTUAL_AGENT_VERSION = '0.1.0-virtual';
/** Valid as an on-premises instance name and as an IoT thing name (its shadow). */
export const VIRTUAL_HOST_NAME = /^[A-Za-z0-9:_-]{1,100}$/;
/** The commands a host can be sent (CodeDeploy's host lifecycle events). */
export const HOST_EVENT_NAMES: readonly string[] = [
  'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService',
  'BeforeBlockTraffic', 'AfterBlockTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic',
];
const MAX_COUNT = 100_000;
const MAX_TAGS = 10;
const KEYS = [
  'names', 'namePrefix', 'count', 'tags', 'eventMs', 'failEvents', 'failHosts', 'failureProbability', 'seed',
  'failOnRevision', 'health', 'unhealthyOnRevision', 'agentVersion',
];

export type Problem = (path: string, reason: string) => Error;

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** The names `prefix-0001 … prefix-<count>` (at least 3 digits, zero-padded to the widest). */
export function generatedNames(prefix: string, count: number): string[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

function stringList(v: unknown, path: string, problem: Problem, check: (s: string) => boolean, hint: string): string[] {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw problem(path, `expected a list of ${hint}`);
  return list.map((x, i) => {
    if (typeof x !== 'string' || !check(x)) throw problem(`${path}[${i}]`, `expected ${hint}, got ${show(x)}`);
    return x;
  });
}

function milliseconds(v: unknown, path: string, problem: Problem): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 24 * 3600_000) throw problem(path, `expected milliseconds from 0 to 86400000, got ${show(v)}`);
  return v;
}

function eventMsOf(v: unknown, path: string, problem: Problem): VirtualHostBehaviour['eventMs'] {
  if (v === undefined) return { default: DEFAULT_EVENT_MS };
  if (typeof v === 'number') return { default: milliseconds(v, path, problem) };
  if (!isMap(v)) throw problem(path, 'expected milliseconds, or a map of lifecycle event → milliseconds with an optional default');
  const out: Record<string, number> = { default: DEFAULT_EVENT_MS };
  for (const [k, ms] of Object.entries(v)) {
    if (k !== 'default' && !HOST_EVENT_NAMES.includes(k)) throw problem(`${path}.${k}`, `unknown lifecycle event (known: default, ${HOST_EVENT_NAMES.join(', ')})`);
    out[k] = milliseconds(ms, `${path}.${k}`, problem);
  }
  return out as VirtualHostBehaviour['eventMs'];
}

function tagsOf(v: unknown, path: string, problem: Problem): VirtualHostGroup['tags'] {
  if (v === undefined) return [];
  const pairs = isMap(v)
    ? Object.entries(v).map(([Key, Value]) => ({ Key, Value }))
    : Array.isArray(v)
      ? v.map((t) => (isMap(t) ? { Key: t['Key'] ?? t['key'], Value: t['Value'] ?? t['value'] ?? '' } : { Key: undefined, Value: undefined }))
      : undefined;
  if (!pairs) throw problem(path, 'expected a map of tag key → value, or a list of {Key, Value}');
  if (pairs.length > MAX_TAGS) throw problem(path, `at most ${MAX_TAGS} tags per on-premises instance`);
  return pairs.map((t, i) => {
    const at = isMap(v) ? `${path}.${String(t.Key)}` : `${path}[${i}]`;
    if (typeof t.Key !== 'string' || t.Key.length === 0 || t.Key.length > 128) throw problem(at, 'a tag key is 1-128 characters');
    const value = typeof t.Value === 'number' || typeof t.Value === 'boolean' ? String(t.Value) : t.Value;
    if (typeof value !== 'string' || value.length > 256) throw problem(at, 'a tag value is a string of at most 256 characters');
    return { Key: t.Key, Value: value };
  });
}

function pattern(v: unknown, path: string, problem: Problem): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw problem(path, 'expected an S3 key pattern (`*` any run of characters, `?` one character)');
  return v;
}

function namesOf(g: Doc, path: string, problem: Problem): string[] {
  const hint = 'a host name (1-100 of A-Z a-z 0-9 : _ -, usable as instance and thing name)';
  const explicit = stringList(g['names'], `${path}.names`, problem, (s) => VIRTUAL_HOST_NAME.test(s), hint);
  if (g['count'] === undefined && g['namePrefix'] === undefined) {
    if (explicit.length === 0) throw problem(path, 'give names, or namePrefix and count');
    return explicit;
  }
  const count = g['count'];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw problem(`${path}.count`, `expected a whole number from 1 to ${MAX_COUNT}`);
  const prefix = g['namePrefix'];
  if (typeof prefix !== 'string' || !VIRTUAL_HOST_NAME.test(`${prefix}-${count}`) || `${prefix}-${count}`.length > 90) {
    throw problem(`${path}.namePrefix`, `expected a name prefix (A-Z a-z 0-9 : _ -), got ${show(prefix)}`);
  }
  return [...explicit, ...generatedNames(prefix, count)];
}

/** One `virtualHosts:` entry. */
export function parseVirtualHostGroup(v: unknown, path: string, problem: Problem): VirtualHostGroup {
  if (!isMap(v)) throw problem(path, `expected a map (keys: ${KEYS.join(', ')})`);
  for (const k of Object.keys(v)) if (!KEYS.includes(k)) throw problem(`${path}.${k}`, `unknown key (known: ${KEYS.join(', ')})`);
  const names = namesOf(v, path, problem);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw problem(path, `host ${n} is declared twice`);
    seen.add(n);
  }
  const failEvents = stringList(v['failEvents'], `${path}.failEvents`, problem, (s) => HOST_EVENT_NAMES.includes(s), `a lifecycle event (${HOST_EVENT_NAMES.join(', ')})`);
  const failHosts = stringList(v['failHosts'], `${path}.failHosts`, problem, (s) => seen.has(s), 'the name of a host of this group');
  const p = v['failureProbability'] ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw problem(`${path}.failureProbability`, `expected a number from 0 to 1, got ${show(p)}`);
  const seed = v['seed'] ?? 0;
  if (typeof seed !== 'number' && typeof seed !== 'string') throw problem(`${path}.seed`, 'expected a number or a string');
  const health = v['health'] ?? 'healthy';
  if (!VIRTUAL_HEALTH.includes(health as VirtualHealth)) throw problem(`${path}.health`, `expected one of ${VIRTUAL_HEALTH.join(', ')}, got ${show(health)}`);
  const agentVersion = v['agentVersion'] ?? VIRTUAL_AGENT_VERSION;
  if (typeof agentVersion !== 'string' || agentVersion.length === 0 || agentVersion.length > 64) throw problem(`${path}.agentVersion`, 'expected a version string');
  const failOnRevision = pattern(v['failOnRevision'], `${path}.failOnRevision`, problem);
  const unhealthyOnRevision = pattern(v['unhealthyOnRevision'], `${path}.unhealthyOnRevision`, problem);
  return {
    names,
    tags: tagsOf(v['tags'], `${path}.tags`, problem),
    behaviour: {
      eventMs: eventMsOf(v['eventMs'], `${path}.eventMs`, problem),
      failEvents,
      failHosts,
      failureProbability: p,
      seed: String(seed),
      ...(failOnRevision !== undefined ? { failOnRevision } : {}),
      health: health as VirtualHealth,
      ...(unhealthyOnRevision !== undefined ? { unhealthyOnRevision } : {}),
      agentVersion,
    },
  };
}
