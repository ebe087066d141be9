// A CloudFormation template from its text: JSON, or YAML with the short intrinsic tags (`!Ref X` →
// {Ref: X}, `!GetAtt A.B` → {"Fn::GetAtt": [A, B]}, …), checked for the structure CloudFormation
// checks before it looks at parameters (sections, resource types, names, dependencies, cycles).
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type ScalarTag, type CollectionTag } from 'yaml';
import { AwsError } from '../types.js';

export interface ParameterDecl {
  readonly Type: string;
  readonly Default?: string;
  readonly NoEcho?: boolean;
  readonly Description?: string;
  readonly AllowedValues?: readonly string[];
  readonly AllowedPattern?: string;
  readonly MinLength?: number;
  readonly MaxLength?: number;
  readonly MinValue?: number;
  readonly MaxValue?: number;
  readonly ConstraintDescription?: string;
}

export interface ResourceDecl {
  readonly Type: string;
  readonly Properties: Readonly<Record<string, unknown>>;
  readonly DependsOn: readonly string[];
  readonly Condition?: string;
  readonly Metadata: Readonly<Record<string, unknown>>;
}

export interface OutputDecl {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Export?: { readonly Name: unknown };
  readonly Condition?: string;
}

export interface Template {
  readonly Description?: string;
  readonly Metadata: Readonly<Record<string, unknown>>;
  readonly Parameters: Readonly<Record<string, ParameterDecl>>;
  readonly Mappings: Readonly<Record<string, unknown>>;
  readonly Conditions: Readonly<Record<string, unknown>>;
  readonly Resources: Readonly<Record<string, ResourceDecl>>;
  readonly Outputs: Readonly<Record<string, OutputDecl>>;
  readonly Transform: readonly string[];
}

export const MAX_TEMPLATE_BODY = 51_200;
const SECTIONS = ['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Rules'];
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
const RESOURCE_TYPE = /^(?:(?:AWS|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+|Custom::[A-Za-z0-9_@-]{1,60})$/;
const PARAMETER_TYPE = /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9:]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::(Name|Value<[^>]+>))$/;

export const formatError = (what: string): AwsError => new AwsError('ValidationError', `Template format error: ${what}`);

/** Short tag → the long form it stands for. */
const SHORT_TAGS: Readonly<Record<string, string>> = {
  Ref: 'Ref', Condition: 'Condition', Sub: 'Fn::Sub', GetAtt: 'Fn::GetAtt', Join: 'Fn::Join', Select: 'Fn::Select', If: 'Fn::If',
  Equals: 'Fn::Equals', Not: 'Fn::Not', And: 'Fn::And', Or: 'Fn::Or', FindInMap: 'Fn::FindInMap', Base64: 'Fn::Base64',
  Split: 'Fn::Split', ImportValue: 'Fn::ImportValue', GetAZs: 'Fn::GetAZs', Cidr: 'Fn::Cidr', Length: 'Fn::Length',
  ToJsonString: 'Fn::ToJsonString',
};

const keepNode = <T>(v: T): T => v;
const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = Object.keys(SHORT_TAGS).flatMap((name) => [
  { tag: `!${name}`, resolve: keepNode } as ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: keepNode } as unknown as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: keepNode } as unknown as CollectionTag,
]);

/** The YAML node as plain data, short tags expanded. */
function fromYaml(node: Node | null | undefined | unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) throw formatError('YAML aliases are not supported');
  let value: unknown;
  if (isScalar(node)) value = node.value;
  else if (isSeq(node)) value = node.items.map((i) => fromYaml(i));
  else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(fromYaml(pair.key));
      Object.defineProperty(out, key, { value: fromYaml(pair.value), enumerable: true, writable: true, configurable: true });
    }
    value = out;
  } else value = node;
  const tag = (node as { tag?: string }).tag;
  if (tag?.startsWith('!') && Object.hasOwn(SHORT_TAGS, tag.slice(1))) {
    const long = SHORT_TAGS[tag.slice(1)]!;
    if (long === 'Fn::GetAtt' && typeof value === 'string') {
      const dot = value.indexOf('.');
      value = dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
    }
    return { [long]: value };
  }
  return value;
}

/** Parse the template text (JSON or YAML) into plain data. */
export function parseTemplateText(body: string): unknown {
  if (body.trim().startsWith('{')) {
    try {
      return JSON.parse(body) as unknown;
    } catch (e) {
      throw formatError(`JSON not well-formed. (${(e as Error).message})`);
    }
  }
  const doc = parseDocument(body, { customTags: CUSTOM_TAGS, uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw formatError(`YAML not well-formed. ${at ? `(line ${at.line}, column ${at.col})` : problem.message.split('\n')[0]}`);
  }
  return fromYaml(doc.contents);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function section(doc: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = doc[name];
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw formatError(`${name} must be an object`);
  return v;
}

function parameterDecl(name: string, raw: unknown): ParameterDecl {
  if (!LOGICAL_ID.test(name)) throw formatError(`Parameter name ${name} is non alphanumeric.`);
  if (!isRecord(raw) || typeof raw['Type'] !== 'string') throw formatError(`[/Parameters/${name}] Every Parameters object must contain a Type member.`);
  if (!PARAMETER_TYPE.test(raw['Type'])) throw formatError(`Unrecognized parameter type: ${raw['Type']}`);
  const str = (k: string): string | undefined => (raw[k] === undefined ? undefined : String(raw[k]));
  const num = (k: string): number | undefined => {
    if (raw[k] === undefined) return undefined;
    const n = Number(raw[k]);
    if (!Number.isFinite(n)) throw formatError(`Invalid ${k} value for parameter ${name}`);
    return n;
  };
  const allowed = raw['AllowedValues'];
  if (allowed !== undefined && !Array.isArray(allowed)) throw formatError(`Every AllowedValues member in parameter ${name} must be a list`);
  const dflt = raw['Default'];
  const noEcho = raw['NoEcho'];
  return {
    Type: raw['Type'],
    ...(dflt !== undefined ? { Default: Array.isArray(dflt) ? dflt.map(String).join(',') : String(dflt) } : {}),
    ...(noEcho !== undefined ? { NoEcho: noEcho === true || noEcho === 'true' } : {}),
    ...(str('Description') !== undefined ? { Description: str('Description')! } : {}),
    ...(allowed !== undefined ? { AllowedValues: (allowed as unknown[]).map(String) } : {}),
    ...(str('AllowedPattern') !== undefined ? { AllowedPattern: str('AllowedPattern')! } : {}),
    ...(str('ConstraintDescription') !== undefined ? { ConstraintDescription: str('ConstraintDescription')! } : {}),
    ...Object.fromEntries((['MinLength', 'MaxLength', 'MinValue', 'MaxValue'] as const).flatMap((k) => (num(k) === undefined ? [] : [[k, num(k)]]))),
  };
}

function resourceDecl(name: string, raw: unknown): ResourceDecl {
  if (!LOGICAL_ID.test(name)) throw formatError(`Resource name ${name} is non alphanumeric.`);
  if (!isRecord(raw) || raw['Type'] === undefined) throw formatError(`[/Resources/${name}] Every Resources object must contain a Type member.`);
  if (typeof raw['Type'] !== 'string' || !RESOURCE_TYPE.test(raw['Type'])) throw formatError(`Unrecognized resource types: [${String(raw['Type'])}]`);
  const props = raw['Properties'] ?? {};
  if (!isRecord(props)) throw formatError(`[/Resources/${name}/Properties] Properties must be an object`);
  const dependsOn = raw['DependsOn'] === undefined ? [] : Array.isArray(raw['DependsOn']) ? raw['DependsOn'].map(String) : [String(raw['DependsOn'])];
  const metadata = raw['Metadata'] ?? {};
  if (!isRecord(metadata)) throw formatError(`[/Resources/${name}/Metadata] Metadata must be an object`);
  return {
    Type: raw['Type'],
    Properties: props,
    DependsOn: dependsOn,
    Metadata: metadata,
    ...(typeof raw['Condition'] === 'string' ? { Condition: raw['Condition'] } : {}),
  };
}

function outputDecl(name: string, raw: unknown): OutputDecl {
  if (!LOGICAL_ID.test(name)) throw formatError(`Output name ${name} is non alphanumeric.`);
  if (!isRecord(raw) || raw['Value'] === undefined) throw formatError(`Every Outputs member must contain a Value object, the Outputs member ${name} does not`);
  const exp = raw['Export'];
  return {
    Value: raw['Value'],
    ...(raw['Description'] !== undefined ? { Description: String(raw['Description']) } : {}),
    ...(isRecord(exp) && exp['Name'] !== undefined ? { Export: { Name: exp['Name'] } } : {}),
    ...(typeof raw['Condition'] === 'string' ? { Condition: raw['Condition'] } : {}),
  };
}

/** The template's structure, or the ValidationError CloudFormation answers for it. */
export function parseTemplate(body: string): Template {
  const doc = parseTemplateText(body);
  if (!isRecord(doc)) throw formatError('Template must be an object');
  const unknown = Object.keys(doc).filter((k) => !SECTIONS.includes(k));
  if (unknown.length > 0) throw formatError(`Invalid template property or properties [${unknown.join(', ')}]`);
  const rawResources = section(doc, 'Resources');
  if (Object.keys(rawResources).length === 0) throw formatError('At least one Resources member must be defined.');
  const transform = doc['Transform'] === undefined ? [] : Array.isArray(doc['Transform']) ? doc['Transform'].map(String) : [String(doc['Transform'])];
  const template: Template = {
    ...(doc['Description'] !== undefined ? { Description: String(doc['Description']) } : {}),
    Metadata: section(doc, 'Metadata'),
    Parameters: Object.fromEntries(Object.entries(section(doc, 'Parameters')).map(([k, v]) => [k, parameterDecl(k, v)])),
    Mappings: section(doc, 'Mappings'),
    Conditions: section(doc, 'Conditions'),
    Resources: Object.fromEntries(Object.entries(rawResources).map(([k, v]) => [k, resourceDecl(k, v)])),
    Outputs: Object.fromEntries(Object.entries(section(doc, 'Outputs')).map(([k, v]) => [k, outputDecl(k, v)])),
    Transform: transform,
  };
  checkReferences(template);
  return template;
}

const PSEUDO = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::NoValue', 'AWS::NotificationARNs']);

/** Every resource a value refers to (Ref, Fn::GetAtt, ${X} / ${X.Attr} in Fn::Sub); unknown names throw. */
export function referencedResources(template: Template, value: unknown, found = new Set<string>()): Set<string> {
  const known = (name: string, via: string): void => {
    if (Object.hasOwn(template.Resources, name)) found.add(name);
    else if (via === 'Fn::GetAtt') throw new AwsError('ValidationError', `Template error: instance of Fn::GetAtt references undefined resource ${name}`);
    else if (!Object.hasOwn(template.Parameters, name) && !PSEUDO.has(name)) {
      throw formatError(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
    }
  };
  if (Array.isArray(value)) for (const v of value) referencedResources(template, v, found);
  else if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref' && typeof value['Ref'] === 'string') known(value['Ref'], 'Ref');
    else if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const a = value['Fn::GetAtt'];
      const name = Array.isArray(a) ? a[0] : typeof a === 'string' ? a.split('.')[0] : undefined;
      if (typeof name === 'string') known(name, 'Fn::GetAtt');
      if (Array.isArray(a)) referencedResources(template, a.slice(1), found);
    } else if (keys.length === 1 && keys[0] === 'Fn::Sub') {
      const s = value['Fn::Sub'];
      const [text, vars] = Array.isArray(s) ? [s[0], isRecord(s[1]) ? s[1] : {}] : [s, {}];
      if (typeof text === 'string') {
        for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = m[1]!.trim().split('.')[0]!;
          if (!Object.hasOwn(vars, name)) known(name, m[1]!.includes('.') ? 'Fn::GetAtt' : 'Ref');
        }
      }
      referencedResources(template, vars, found);
    } else for (const v of Object.values(value)) referencedResources(template, v, found);
  }
  return found;
}

/** Logical id → the resources it depends on (DependsOn and references). */
export function dependencyGraph(template: Template): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [id, r] of Object.entries(template.Resources)) {
    const deps = referencedResources(template, [r.Properties, r.Metadata]);
    for (const d of r.DependsOn) {
      if (!Object.hasOwn(template.Resources, d)) throw formatError(`Unresolved resource dependencies [${d}] in the Resources block of the template`);
      deps.add(d);
    }
    graph.set(id, deps);
  }
  return graph;
}

function checkReferences(template: Template): void {
  const graph = dependencyGraph(template);
  for (const o of Object.values(template.Outputs)) referencedResources(template, o);
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw formatError(`Circular dependency between resources: [${path.slice(path.indexOf(id)).join(', ')}]`);
    state.set(id, 'visiting');
    for (const d of graph.get(id) ?? []) visit(d, [...path, d]);
    state.set(id, 'done');
  };
  for (const id of graph.keys()) visit(id, [id]);
  for (const [name, r] of Object.entries(template.Resources)) {
    if (r.Condition !== undefined && !Object.hasOwn(template.Conditions, r.Condition)) {
      throw formatError(`Unresolved dependencies [${r.Condition}]. Cannot reference resources in the Conditions block of the template (resource ${name})`);
    }
  }
}
