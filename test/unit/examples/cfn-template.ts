// A small structural validator of CloudFormation templates, and the IAM statements in them, for the
// example templates' tests. Why our own: the npm `cfn-lint` (1.9.7, an offline validator) carries a
// 2019 resource specification that rejects current types and properties (AWS::IoT::RoleAlias, S3
// OwnershipControls). The Python cfn-lint checks the rest when it is installed (the test runs it).
// YAML short forms (!Ref, !Sub, !GetAtt, ...) become their long forms through the yaml package's
// customTags, so references can be checked.
import { isMap, isScalar, isSeq, parseDocument, type CollectionTag, type ScalarTag } from 'yaml';

const SECTIONS = ['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Mappings', 'Conditions', 'Resources', 'Outputs'];
const RESOURCE_KEYS = ['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata',
  'CreationPolicy', 'UpdatePolicy'];
/** The resource types the example templates may use; a new one is added here on purpose. */
export const KNOWN_TYPES = new Set([
  'AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy', 'AWS::IAM::Policy', 'AWS::IAM::OIDCProvider',
  'AWS::KMS::Key', 'AWS::KMS::Alias', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'AWS::IoT::RoleAlias',
  'AWS::CodeBuild::Project', 'AWS::CodeDeploy::Application', 'AWS::CodeDeploy::DeploymentGroup',
  'AWS::CodePipeline::Pipeline', 'AWS::Events::Rule', 'AWS::Logs::LogGroup', 'AWS::SNS::Topic', 'AWS::Lambda::Function',
]);
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Transform', 'And', 'Equals', 'Not', 'Or'];

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `!Ref X` → {Ref: X}, `!GetAtt A.B` → {'Fn::GetAtt': [A, B]}, `!Sub s` → {'Fn::Sub': s}, ... */
function tag(name: string, long: string): (ScalarTag | CollectionTag)[] {
  const wrap = (value: unknown): Plain => {
    if (name === 'GetAtt' && typeof value === 'string') {
      const dot = value.indexOf('.');
      return { [long]: [value.slice(0, dot), value.slice(dot + 1)] };
    }
    return { [long]: value };
  };
  const plain = (node: unknown): unknown => (isMap(node) || isSeq(node) || isScalar(node) ? node.toJSON() : node);
  return [
    { tag: `!${name}`, resolve: (s: string) => wrap(s) } as unknown as ScalarTag,
    { tag: `!${name}`, collection: 'seq', resolve: (n: unknown) => wrap(plain(n)) } as unknown as CollectionTag,
    { tag: `!${name}`, collection: 'map', resolve: (n: unknown) => wrap(plain(n)) } as unknown as CollectionTag,
  ];
}
export const CFN_TAGS = [...tag('Ref', 'Ref'), ...tag('Condition', 'Condition'), ...FUNCTIONS.flatMap((f) => tag(f, `Fn::${f}`))];

/** The template as plain data with long-form intrinsics; throws on YAML errors or unknown tags. */
export function parseTemplate(text: string): Plain {
  const doc = parseDocument(text, { customTags: CFN_TAGS, uniqueKeys: true, prettyErrors: false });
  const bad = [...doc.errors, ...doc.warnings];
  if (bad.length > 0) throw new Error(bad.map((e) => e.message).join('; '));
  const data: unknown = doc.toJS({ maxAliasCount: -1 });
  if (!isPlain(data)) throw new Error('a template is a map of sections');
  return data;
}

const walk = (v: unknown, visit: (node: Plain) => void): void => {
  if (Array.isArray(v)) for (const x of v) walk(x, visit);
  else if (isPlain(v)) {
    visit(v);
    for (const x of Object.values(v)) walk(x, visit);
  }
};

/** Every problem of the template's structure: sections, types, references, unused parameters/conditions. */
export function validateTemplate(t: Plain): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(t)) if (!SECTIONS.includes(k)) problems.push(`unknown section ${k}`);
  if (t['AWSTemplateFormatVersion'] !== '2010-09-09') problems.push('AWSTemplateFormatVersion must be 2010-09-09');
  const params = isPlain(t['Parameters']) ? t['Parameters'] : {};
  const conditions = isPlain(t['Conditions']) ? t['Conditions'] : {};
  const resources = isPlain(t['Resources']) ? t['Resources'] : {};
  if (Object.keys(resources).length === 0) problems.push('Resources is empty');
  for (const [name, p] of Object.entries(params)) {
    if (!isPlain(p) || typeof p['Type'] !== 'string') problems.push(`parameter ${name} has no Type`);
  }
  for (const [id, r] of Object.entries(resources)) {
    if (!isPlain(r)) {
      problems.push(`resource ${id} is not a map`);
      continue;
    }
    if (!KNOWN_TYPES.has(String(r['Type']))) problems.push(`resource ${id}: unknown type ${String(r['Type'])}`);
    for (const k of Object.keys(r)) if (!RESOURCE_KEYS.includes(k)) problems.push(`resource ${id}: unknown key ${k}`);
    const deps = r['DependsOn'] === undefined ? [] : [r['DependsOn']].flat();
    for (const d of deps) {
      if (typeof d !== 'string' || !(d in resources)) problems.push(`resource ${id}: DependsOn ${String(d)} is no resource`);
    }
    const condition = r['Condition'];
    if (condition !== undefined && !(String(condition) in conditions)) problems.push(`resource ${id}: no condition ${String(condition)}`);
  }
  const used = new Set<string>();
  const usedConditions = new Set<string>();
  const refTarget = (name: string, where: string, locals: readonly string[] = []): void => {
    if (name.startsWith('AWS::') || locals.includes(name)) return;
    if (name in params) used.add(name);
    else if (!(name in resources)) problems.push(`${where}: ${name} is neither a parameter nor a resource`);
  };
  for (const section of ['Conditions', 'Resources', 'Outputs'] as const) {
    for (const [key, value] of Object.entries(isPlain(t[section]) ? t[section] : {})) {
      const where = `${section}.${key}`;
      if (section === 'Resources' && isPlain(value) && typeof value['Condition'] === 'string') usedConditions.add(value['Condition']);
      if (section === 'Outputs' && isPlain(value) && typeof value['Condition'] === 'string') usedConditions.add(value['Condition']);
      walk(value, (node) => {
        if (typeof node['Ref'] === 'string') refTarget(node['Ref'], where);
        const att = node['Fn::GetAtt'];
        if (Array.isArray(att) && !(String(att[0]) in resources)) problems.push(`${where}: GetAtt of unknown resource ${String(att[0])}`);
        const iff = node['Fn::If'];
        if (Array.isArray(iff)) {
          if (!(String(iff[0]) in conditions)) problems.push(`${where}: no condition ${String(iff[0])}`);
          usedConditions.add(String(iff[0]));
        }
        if (section === 'Conditions' && typeof node['Condition'] === 'string') usedConditions.add(node['Condition']);
        const sub = node['Fn::Sub'];
        const [text, vars] = Array.isArray(sub) ? [sub[0], sub[1]] : [sub, undefined];
        if (typeof text === 'string') {
          const locals = isPlain(vars) ? Object.keys(vars) : [];
          for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) refTarget((m[1] ?? '').split('.')[0] ?? '', where, locals);
        }
      });
    }
  }
  for (const name of Object.keys(params)) if (!used.has(name)) problems.push(`parameter ${name} is never used`);
  for (const name of Object.keys(conditions)) if (!usedConditions.has(name)) problems.push(`condition ${name} is never used`);
  return problems;
}

export interface Statement {
  readonly effect: string;
  readonly actions: readonly string[];
  readonly sid?: string;
}

/** Statements of a policy document, both branches of an Fn::If (AWS::NoValue dropped). */
function statementsOf(doc: unknown): Statement[] {
  if (!isPlain(doc)) return [];
  const out: Statement[] = [];
  const add = (s: unknown): void => {
    if (!isPlain(s)) return;
    const iff = s['Fn::If'];
    if (Array.isArray(iff)) return void [iff[1], iff[2]].forEach(add);
    if (s['Ref'] === 'AWS::NoValue') return;
    const actions = [s['Action']].flat().filter((a): a is string => typeof a === 'string');
    out.push({ effect: String(s['Effect']), actions, ...(typeof s['Sid'] === 'string' ? { sid: s['Sid'] } : {}) });
  };
  for (const s of [doc['Statement']].flat()) add(s);
  return out;
}

export interface PolicyDoc {
  readonly resource: string;
  /** 'trust' for a role's AssumeRolePolicyDocument; 'identity', 'bucket' or 'key' otherwise. */
  readonly kind: 'trust' | 'identity' | 'bucket' | 'key';
  readonly statements: readonly Statement[];
}

/** Every policy document of the template, by resource. */
export function policiesOf(t: Plain): PolicyDoc[] {
  const out: PolicyDoc[] = [];
  for (const [id, r] of Object.entries(isPlain(t['Resources']) ? t['Resources'] : {})) {
    if (!isPlain(r) || !isPlain(r['Properties'])) continue;
    const p = r['Properties'];
    const type = String(r['Type']);
    if (type === 'AWS::IAM::Role') {
      out.push({ resource: id, kind: 'trust', statements: statementsOf(p['AssumeRolePolicyDocument']) });
      for (const pol of [p['Policies'] ?? []].flat()) {
        if (isPlain(pol)) out.push({ resource: id, kind: 'identity', statements: statementsOf(pol['PolicyDocument']) });
      }
    } else if (['AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy', 'AWS::IAM::Policy'].includes(type)) {
      out.push({ resource: id, kind: 'identity', statements: statementsOf(p['PolicyDocument']) });
    } else if (type === 'AWS::S3::BucketPolicy') out.push({ resource: id, kind: 'bucket', statements: statementsOf(p['PolicyDocument']) });
    else if (type === 'AWS::KMS::Key') out.push({ resource: id, kind: 'key', statements: statementsOf(p['KeyPolicy']) });
  }
  return out;
}

/** The actions the Allow statements of these documents grant. */
export const allowed = (docs: readonly PolicyDoc[]): Set<string> =>
  new Set(docs.flatMap((d) => d.statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions)));

/** IAM action matching: case-insensitive, `*` and `?` wildcards in the granted pattern. */
export function grants(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}
