// Parses and validates `fleet.yml` as a whole before any AWS call: every problem is collected
// with its line and path (`fleet.yml:12: targets.eu-pis.region: expected ...`). Pure.
import type { Environment, ReleaseConfig, RolloutConfig, Target, TargetSelector, WaveConfig } from './config-types.js';
import { bucketRule, codedeployNameRule, environmentNameRule, globRule, parseFailureBudget, parsePositiveInt, prefixRule, regionRule, tagRule } from './config-rules.js';
import { parseTargets } from './config-targets.js';
import { parseRollbackPolicy, parseWaveSafety, SAFETY_WAVE_KEYS } from './config-safety.js';
import { readYaml, type ConfigProblem, type Cursor } from './yaml-cursor.js';

export type { ConfigProblem } from './yaml-cursor.js';

export interface ParseOptions {
  /** Region when the file names none (the composition root passes AWS_REGION). */
  readonly defaultRegion?: string;
}

export type ParseResult = { readonly ok: true; readonly config: RolloutConfig } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export function parseRolloutConfig(text: string, options: ParseOptions = {}): ParseResult {
  const { root, problems } = readYaml(text);
  if (problems.list.length > 0) return { ok: false, problems: problems.list };
  if (!root.isMap()) return { ok: false, problems: [{ line: 1, path: '(top)', reason: 'expected a map with application, release, targets and environments' }] };
  root.onlyKeys(['application', 'region', 'release', 'targets', 'environments']);
  const application = root.get('application').string({ required: true, test: codedeployNameRule }) ?? '';
  const region = root.get('region').string({ test: regionRule }) ?? options.defaultRegion;
  const release = parseRelease(root.get('release'), region);
  const targets = parseTargets(root.get('targets'), { application, region });
  const environments = parseEnvironments(root.get('environments'), targets);
  if (release) checkParts(root, release, targets, environments);
  if (problems.list.length > 0 || !release) return { ok: false, problems: problems.list };
  return { ok: true, config: { application, region: region ?? '', release, targets, environments } };
}

/** `fleet.yml:12: targets.eu-pis.region: reason`, one line per problem, in file order. */
export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  return [...problems]
    .sort((a, b) => a.line - b.line)
    .map((p) => `${file}:${p.line}: ${p.path}: ${p.reason}`)
    .join('\n');
}

function parseRelease(at: Cursor, region: string | undefined): ReleaseConfig | undefined {
  if (!at.present) return at.problem('required: bucket and parts of the release');
  if (!at.isMap()) return at.problem('expected a map with bucket and parts');
  at.onlyKeys(['bucket', 'prefix', 'kms_key_id', 'region', 'parts']);
  const bucket = at.get('bucket').string({ required: true, test: bucketRule });
  const prefix = at.get('prefix').string({ test: prefixRule });
  const kmsKeyId = at.get('kms_key_id').string({ test: (v) => (/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+|alias\/[\w/-]+|[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/.test(v) ? undefined : 'expected a KMS key ARN, key id or alias') });
  const releaseRegion = at.get('region').string({ test: regionRule });
  const parts = at.get('parts');
  if (!parts.isMap()) {
    parts.problem('required: at least one of device, stack, web');
    return undefined;
  }
  parts.onlyKeys(['device', 'stack', 'web']);
  const device = parts.get('device').string();
  const web = parts.get('web').string();
  let stack: { template: string; package?: string } | undefined;
  const s = parts.get('stack');
  if (s.present) {
    s.onlyKeys(['template', 'package']);
    const template = s.isMap() ? s.get('template').string({ required: true }) : s.string();
    const pkg = s.isMap() ? s.get('package').string() : undefined;
    if (template) stack = { template, ...(pkg ? { package: pkg } : {}) };
  }
  if (!device && !stack && !web) parts.problem('required: at least one of device, stack, web');
  if (!bucket) return undefined;
  if (!(releaseRegion ?? region)) at.problem('no region for the release bucket: set release.region or region');
  return {
    bucket,
    prefix: prefix ?? '',
    ...(kmsKeyId ? { kmsKeyId } : {}),
    ...((releaseRegion ?? region) ? { region: releaseRegion ?? region } : {}),
    parts: { ...(device ? { device } : {}), ...(stack ? { stack } : {}), ...(web ? { web } : {}) },
  };
}

function parseEnvironments(at: Cursor, targets: readonly Target[]): Environment[] {
  if (!at.present) return at.problem('required: at least one environment') ?? [];
  if (!at.isList()) return at.problem('expected a list of environments') ?? [];
  const seen = new Set<string>();
  const envs: Environment[] = [];
  for (const e of at.items()) {
    if (!e.isMap()) {
      e.problem('expected a map with name, match and waves');
      continue;
    }
    e.onlyKeys(['name', 'match', 'exclude', 'waves', 'rollback']);
    const name = e.get('name').string({ required: true, test: environmentNameRule });
    if (name && seen.has(name)) e.get('name').problem(`environment ${name} is defined twice`);
    if (name) seen.add(name);
    const match = e.get('match').stringList();
    if (match.length === 0) e.get('match').problem('required: the release versions or tags this environment takes, e.g. v*-rc*');
    const exclude = e.get('exclude').stringList();
    for (const [key, list] of [['match', match], ['exclude', exclude]] as const) {
      for (const p of list) if (globRule(p)) e.get(key).problem(globRule(p) ?? '');
    }
    const waves = parseWaves(e.get('waves'), targets);
    const rollback = parseRollbackPolicy(e.get('rollback'));
    if (name) envs.push({ name, match, exclude, waves, rollback, line: e.line });
  }
  return envs;
}

function parseWaves(at: Cursor, targets: readonly Target[]): WaveConfig[] {
  if (!at.isList() || at.items().length === 0) return at.problem('required: a list of waves, each with targets') ?? [];
  const waves: WaveConfig[] = [];
  const placed = new Map<string, string>();
  at.items().forEach((w, i) => {
    if (!w.isMap()) {
      w.problem('expected a map with targets');
      return;
    }
    w.onlyKeys(['name', 'targets', 'concurrency', 'max_failed', ...SAFETY_WAVE_KEYS]);
    const name = w.get('name').string({ test: environmentNameRule }) ?? `wave-${i + 1}`;
    if (waves.some((x) => x.name === name)) w.get('name').problem(`wave ${name} is defined twice`);
    const select = parseSelector(w.get('targets'), targets);
    const concurrency = w.get('concurrency').string({ test: (v) => (typeof parsePositiveInt(v) === 'string' ? (parsePositiveInt(v) as string) : undefined) });
    const budget = parseFailureBudget(w.get('max_failed').string() ?? '0');
    if (typeof budget === 'string') w.get('max_failed').problem(budget);
    for (const t of select ? selectTargets(select, targets) : []) {
      const earlier = placed.get(t.name);
      if (earlier) w.get('targets').problem(`target ${t.name} is already in wave ${earlier}: a target is deployed once per rollout`);
      else placed.set(t.name, name);
    }
    const safety = parseWaveSafety(w);
    if (!select) return;
    waves.push({
      name,
      select,
      ...(concurrency ? { concurrency: Number(concurrency) } : {}),
      maxFailed: typeof budget === 'string' ? { count: 0 } : budget,
      ...safety,
      line: w.line,
    });
  });
  return waves;
}

function parseSelector(at: Cursor, targets: readonly Target[]): TargetSelector | undefined {
  if (!at.present) return at.problem('required: target names, or { labels: { key: value } }');
  if (at.isMap()) {
    at.onlyKeys(['labels']);
    const labels = at.get('labels').stringMap(tagRule);
    if (Object.keys(labels).length === 0) return at.get('labels').problem('required: at least one label');
    const selector = { labels };
    if (selectTargets(selector, targets).length === 0) return at.problem(`no target has the labels ${JSON.stringify(labels)}`);
    return selector;
  }
  const names = at.stringList();
  // a target split into rings is named as a whole (all its rings) or ring by ring (eu-pis@ring2)
  const known = new Set(targets.flatMap((t) => (t.kind === 'devices' && t.ring?.index === 1 ? [t.ring.base, t.name] : [t.name])));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) return at.problem(`unknown target${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; targets: ${[...known].join(', ')}`);
  if (names.length === 0) return at.problem('required: at least one target');
  return { names };
}

/** The targets a selector picks, in the order the config lists them. */
export function selectTargets(selector: TargetSelector, targets: readonly Target[]): Target[] {
  if ('names' in selector) {
    // a target split into rings is selected by its own name too: all its rings
    const named = (t: Target): boolean =>
      selector.names.includes(t.name) || (t.kind === 'devices' && t.ring !== undefined && selector.names.includes(t.ring.base));
    return targets.filter(named);
  }
  return targets.filter((t) => Object.entries(selector.labels).every(([k, v]) => t.labels[k] === v));
}

/** Each wave's targets need the release part they deploy; a KMS alias does not resolve across accounts. */
function checkParts(root: Cursor, release: ReleaseConfig, targets: readonly Target[], envs: readonly Environment[]): void {
  const used = new Set(envs.flatMap((e) => e.waves.flatMap((w) => selectTargets(w.select, targets))));
  const need = { devices: 'device', codedeploy: 'device', stack: 'stack', web: 'web' } as const;
  for (const t of used) {
    if (!release.parts[need[t.kind]]) root.get('targets').get(t.name).problem(`a ${t.kind} target needs release.parts.${need[t.kind]}`);
  }
  const crossAccount = targets.some((t) => t.roleArn !== undefined);
  if (release.kmsKeyId && crossAccount && /(^|:)alias\//.test(release.kmsKeyId)) {
    root.get('release').get('kms_key_id').problem('targets in other accounts cannot resolve a KMS alias: use the key ARN');
  }
}
