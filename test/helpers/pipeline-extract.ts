// Reads the pipeline examples (examples/pipelines) the way their services do, so that a test runs
// the very commands a user copies: a buildspec's commands in phase order with its exported
// variables (CodeBuild), a workflow's jobs in `needs` order with their steps, `${{ }}` expressions
// and `if:` conditions (GitHub Actions), a CloudFormation template with its short-form intrinsics,
// CodePipeline's `#{namespace.variable}` references and VariableCheck rules. Pure: the tests read
// the files and run the commands.
import { parse, type YAMLMap, type YAMLSeq } from 'yaml';
import { globMatch } from '../../controller/rollout/routing.js';

export interface ShellStep {
  /** Where the command comes from, for messages: `buildspec.yml build[1]`, `rollout: Roll out`. */
  readonly where: string;
  readonly command: string;
}

/** A step the hosted service does itself (an install, a checkout), replaced by an equivalent here. */
export interface StandIn {
  readonly match: RegExp;
  readonly run: string;
  readonly why: string;
}

const record = (v: unknown, what: string): Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected a mapping`);
  return v as Record<string, unknown>;
};
const strings = (v: unknown, what: string): Record<string, string> =>
  Object.fromEntries(Object.entries(v === undefined ? {} : record(v, what)).map(([k, x]) => [k, String(x)]));

// ---------------------------------------------------------------- CodeBuild

export const BUILDSPEC_PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;

export interface Buildspec {
  readonly steps: readonly ShellStep[];
  readonly variables: Readonly<Record<string, string>>;
  readonly exported: readonly string[];
  /** Each `reports:` group's files (no globs), under its base-directory: CodeBuild fails a report whose file is missing. */
  readonly reportFiles: readonly string[];
}

export function parseBuildspec(text: string, name: string): Buildspec {
  const doc = record(parse(text), name);
  if (doc['version'] !== 0.2) throw new Error(`${name}: version 0.2 expected (commands share one shell)`);
  const env = record(doc['env'] ?? {}, `${name} env`);
  if (env['shell'] !== undefined && env['shell'] !== 'bash') throw new Error(`${name}: env.shell ${String(env['shell'])}, bash expected`);
  const phases = record(doc['phases'], `${name} phases`);
  const unknown = Object.keys(phases).filter((p) => !(BUILDSPEC_PHASES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`${name}: unknown phases ${unknown.join(', ')}`);
  const steps = BUILDSPEC_PHASES.flatMap((phase) => {
    const commands = record(phases[phase] ?? { commands: [] }, `${name} ${phase}`)['commands'] ?? [];
    if (!Array.isArray(commands)) throw new Error(`${name} ${phase}.commands: expected a list`);
    return commands.map((c, i) => ({ where: `${name} ${phase}[${i}]`, command: String(c) }));
  });
  const exported = (env['exported-variables'] ?? []) as unknown[];
  const reportFiles = Object.entries(record(doc['reports'] ?? {}, `${name} reports`)).flatMap(([group, r]) => {
    const report = record(r, `${name} reports.${group}`);
    const base = report['base-directory'] === undefined ? '' : `${String(report['base-directory'])}/`;
    return ((report['files'] ?? []) as unknown[]).map((f) => `${base}${String(f)}`);
  });
  return { steps, variables: strings(env['variables'], `${name} env.variables`), exported: exported.map(String), reportFiles };
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The build as one bash script: CodeBuild (buildspec 0.2) runs the commands one after another in
 * one shell, and the first that exits non-zero ends the build with its status. At the end the
 * exported variables are written to `exportFile` as NAME=value lines.
 */
export function codebuildScript(steps: readonly ShellStep[], exported: readonly string[], exportFile: string): string {
  const lines = steps.map((s) => {
    const failed = `echo ${shq(`[build] ${s.where} failed with exit`)} "$__status" >&2; exit "$__status"`;
    return `${s.command}\n__status=$?\nif [ "$__status" -ne 0 ]; then ${failed}; fi`;
  });
  const exports = exported.map((v) => `printf '%s=%s\\n' ${shq(v)} "\${${v}-}" >> ${shq(exportFile)}`);
  return [...lines, ...exports, ''].join('\n');
}

/** Replaces each step a stand-in matches; a stand-in that matches no step fails (the step was renamed). */
export function applyStandIns<S extends ShellStep>(steps: readonly S[], standIns: readonly StandIn[]): S[] {
  for (const s of standIns) {
    if (!steps.some((x) => s.match.test(x.command))) throw new Error(`no step matches the stand-in for ${s.why} (${s.match.source})`);
  }
  return steps.map((x) => {
    const s = standIns.find((y) => y.match.test(x.command));
    return s ? { ...x, command: s.run } : x;
  });
}

/** NAME=value lines (GITHUB_OUTPUT's simple form, and what codebuildScript exports). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

// ---------------------------------------------------------------- GitHub Actions

export interface WorkflowStep extends ShellStep {
  readonly name: string;
  readonly id?: string;
  readonly uses?: string;
  readonly with: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
}

export interface WorkflowJob {
  readonly id: string;
  readonly needs: readonly string[];
  readonly if?: string;
  readonly environment?: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly steps: readonly WorkflowStep[];
}

export interface Workflow {
  readonly on: unknown;
  readonly permissions: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /** In an order that runs every job after those it needs. */
  readonly jobs: readonly WorkflowJob[];
}

/** A step with `uses:` has the command `uses: <action>`, so stand-ins match actions and commands alike. */
export function parseWorkflow(text: string): Workflow {
  const doc = record(parse(text), 'workflow');
  const jobs = Object.entries(record(doc['jobs'], 'jobs')).map(([id, j]): WorkflowJob => {
    const job = record(j, `jobs.${id}`);
    const needs = job['needs'] === undefined ? [] : ([] as unknown[]).concat(job['needs']).map(String);
    const steps = ((job['steps'] ?? []) as unknown[]).map((s, i): WorkflowStep => {
      const step = record(s, `jobs.${id}.steps[${i}]`);
      const uses = step['uses'] === undefined ? undefined : String(step['uses']);
      const name = String(step['name'] ?? step['id'] ?? uses ?? `step ${i}`);
      if ((uses === undefined) === (step['run'] === undefined)) throw new Error(`jobs.${id}: step ${name} needs one of run and uses`);
      return {
        where: `${id}: ${name}`,
        name,
        ...(step['id'] !== undefined ? { id: String(step['id']) } : {}),
        ...(uses !== undefined ? { uses } : {}),
        command: uses !== undefined ? `uses: ${uses}` : String(step['run']),
        with: strings(step['with'], `${name} with`),
        env: strings(step['env'], `${name} env`),
      };
    });
    return {
      id,
      needs,
      ...(job['if'] !== undefined ? { if: String(job['if']) } : {}),
      ...(job['environment'] !== undefined ? { environment: String(job['environment']) } : {}),
      outputs: strings(job['outputs'], `jobs.${id}.outputs`),
      steps,
    };
  });
  const ordered: WorkflowJob[] = [];
  while (ordered.length < jobs.length) {
    const next = jobs.find((j) => !ordered.includes(j) && j.needs.every((n) => ordered.some((o) => o.id === n)));
    if (!next) throw new Error('jobs: a `needs` cycle or an unknown job');
    ordered.push(next);
  }
  return { on: doc['on'], permissions: strings(doc['permissions'], 'permissions'), env: strings(doc['env'], 'env'), jobs: ordered };
}

/** Looks a dotted context path up (`needs.rollout.outputs.rollout-id`); undefined when absent. */
export function contextLookup(contexts: Readonly<Record<string, unknown>>): (path: string) => string | undefined {
  return (path) => {
    let v: unknown = contexts;
    for (const part of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
  };
}

/** Replaces every `${{ path }}`; one that is not a plain context path, or has no value, throws. */
export function resolveExpressions(text: string, lookup: (path: string) => string | undefined, where: string): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    if (!/^[\w.-]+$/.test(expr)) throw new Error(`${where}: expression ${expr} is not a context path`);
    const v = lookup(expr);
    if (v === undefined) throw new Error(`${where}: \${{ ${expr} }} has no value`);
    return v;
  });
}

/** An `if:` of the forms the examples use: `path == 'text'`, `path != 'text'`, always(), success(). */
export function evaluateIf(expr: string, lookup: (path: string) => string | undefined): boolean {
  const e = expr.replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
  if (e === 'always()' || e === 'success()') return true;
  const m = /^([\w.-]+)\s*(==|!=)\s*'([^']*)'$/.exec(e);
  if (!m) throw new Error(`if: ${expr} is not a condition this reader knows`);
  const equal = (lookup(m[1]!) ?? '') === m[3];
  return m[2] === '==' ? equal : !equal;
}

// ---------------------------------------------------------------- CloudFormation and CodePipeline

const FUNCTIONS = [
  ...['Ref', 'Sub', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'GetAtt'],
  ...['Join', 'Select', 'Split', 'Condition', 'ImportValue', 'Base64', 'GetAZs'],
];
const fnKey = (n: string): string => (n === 'Ref' || n === 'Condition' ? n : `Fn::${n}`);
const CFN_TAGS = FUNCTIONS.flatMap((n) => [
  { tag: `!${n}`, resolve: (v: string) => ({ [fnKey(n)]: v }) },
  { tag: `!${n}`, collection: 'seq' as const, resolve: (seq: YAMLSeq) => ({ [fnKey(n)]: seq.toJSON() as unknown }) },
  { tag: `!${n}`, collection: 'map' as const, resolve: (map: YAMLMap) => ({ [fnKey(n)]: map.toJSON() as unknown }) },
]);

/** A template in YAML with its short-form intrinsics (`!Ref X`) in their long form (`{ Ref: X }`). */
export function parseTemplate(text: string): Record<string, unknown> {
  return record(parse(text, { customTags: CFN_TAGS as never }), 'template');
}

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Evaluates what the examples use with the given parameters (pseudo parameters such as
 * AWS::StackName among them): Ref (a parameter's value, a resource's logical id, AWS::NoValue
 * removes the key or item), Fn::Sub of a string, Fn::FindInMap, Fn::If, Fn::Equals/Not/And/Or;
 * any other function throws.
 */
export function cfnEvaluate(node: unknown, template: Record<string, unknown>, params: Readonly<Record<string, string>>): unknown {
  const ev = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(ev).filter((x) => x !== NO_VALUE);
    if (n === null || typeof n !== 'object') return n;
    const entries = Object.entries(n as Record<string, unknown>);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) return fn(key, arg);
    return Object.fromEntries(entries.map(([k, v]) => [k, ev(v)]).filter(([, v]) => v !== NO_VALUE));
  };
  const condition = (name: string): boolean => {
    const c = record(template['Conditions'], 'Conditions')[name];
    if (c === undefined) throw new Error(`no condition ${name}`);
    return ev(c) === true;
  };
  const fn = (key: string, arg: unknown): unknown => {
    const args = Array.isArray(arg) ? arg : [arg];
    switch (key) {
      case 'Ref': {
        const name = String(arg);
        if (name === 'AWS::NoValue') return NO_VALUE;
        if (name in params) return params[name];
        if (name in record(template['Resources'], 'Resources')) return name;
        throw new Error(`Ref ${name}: no such parameter given, nor resource`);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = args.map((a) => String(ev(a)));
        const inMap = record(record(template['Mappings'], 'Mappings')[map!], `Mappings.${map}`);
        const v = record(inMap[top!], `Mappings.${map}.${top}`)[second!];
        if (v === undefined) throw new Error(`Fn::FindInMap ${map}.${top}.${second}: no such value`);
        return v;
      }
      case 'Fn::Sub': {
        if (typeof arg !== 'string') throw new Error('Fn::Sub with a variable map is not evaluated here');
        return arg.replace(/\$\{([\w:]+)\}/g, (_, name: string) => String(fn('Ref', name)));
      }
      case 'Fn::If':
        return ev(condition(String(args[0])) ? args[1] : args[2]);
      case 'Fn::Equals':
        return String(ev(args[0])) === String(ev(args[1]));
      case 'Fn::Not':
        return ev(args[0]) !== true;
      case 'Fn::And':
        return args.every((a) => ev(a) === true);
      case 'Fn::Or':
        return args.some((a) => ev(a) === true);
      default:
        throw new Error(`${key} is not evaluated here`);
    }
  };
  return ev(node);
}

/** Replaces every `#{namespace.variable}`; a reference without a value throws (CodePipeline fails the action). */
export function resolvePipelineVariables(text: string, values: Readonly<Record<string, string>>, where: string): string {
  return text.replace(/#\{([\w-]+\.[\w-]+)\}/g, (_, ref: string) => {
    const v = values[ref];
    if (v === undefined) throw new Error(`${where}: #{${ref}} has no value`);
    return v;
  });
}

/** A VariableCheck rule's outcome (EQ, NE, CONTAINS, MATCHES), its variable resolved with `values`. */
export function variableCheck(config: Readonly<Record<string, unknown>>, values: Readonly<Record<string, string>>): boolean {
  const actual = resolvePipelineVariables(String(config['Variable']), values, 'VariableCheck');
  const expected = String(config['Value']);
  switch (config['Operator']) {
    case 'EQ':
      return actual === expected;
    case 'NE':
      return actual !== expected;
    case 'CONTAINS':
      return actual.includes(expected);
    case 'MATCHES':
      return new RegExp(expected).test(actual);
    default:
      throw new Error(`VariableCheck operator ${String(config['Operator'])}`);
  }
}

/** Whether a trigger's tag filter starts the pipeline for `tag`: some include matches and no exclude does. */
export interface TagFilter {
  readonly Includes?: readonly string[];
  readonly Excludes?: readonly string[];
}

export function tagFilterTakes(filter: TagFilter, tag: string): boolean {
  const any = (patterns: readonly string[] | undefined): boolean => (patterns ?? []).some((p) => globMatch(p, tag));
  return any(filter.Includes) && !any(filter.Excludes);
}

/** The template's parameters: `given` over the defaults; one without either throws. */
export function templateParameters(template: Record<string, unknown>, given: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(template['Parameters'], 'Parameters')).map(([name, p]) => {
      const v = given[name] ?? record(p, `Parameters.${name}`)['Default'];
      if (v === undefined) throw new Error(`parameter ${name} needs a value`);
      return [name, String(v)];
    }),
  );
}

/** Whether a pushed tag starts a V2 pipeline: some trigger's push filter takes it. */
export function pipelineStartsOn(triggers: unknown, tag: string): boolean {
  return ((triggers ?? []) as { GitConfiguration?: { Push?: { Tags?: TagFilter }[] } }[]).some((tr) =>
    (tr.GitConfiguration?.Push ?? []).some((p) => p.Tags !== undefined && tagFilterTakes(p.Tags, tag)),
  );
}
