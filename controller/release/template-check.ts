// The local check of a release's CloudFormation template, for when ValidateTemplate cannot be asked
// (offline) and before it is: JSON or YAML with the short intrinsic tags (!Ref, !Sub, !GetAtt, ...),
// the sections CloudFormation knows, a non-empty Resources map of typed resources, the declared
// parameters, and the capabilities a stack of it needs (IAM resources, named IAM resources, macros).
// Pure: text in, summary and problems out.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type CollectionTag, type Node, type ScalarTag } from 'yaml';

/** ValidateTemplate takes a body up to this size; larger ones need a TemplateURL. */
export const MAX_TEMPLATE_BODY = 51_200;
/** CreateChangeSet with a TemplateURL takes up to 1 MB. */
export const MAX_TEMPLATE_URL_BODY = 1_000_000;

export interface TemplateCheck {
  /** Declared parameter names, in template order. */
  readonly parameters: readonly string[];
  readonly capabilities: readonly string[];
  /** Each reason the template cannot be deployed; empty when it can. */
  readonly problems: readonly string[];
}

const SECTIONS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Rules', 'Hooks']);
const SHORT_TAGS = [
  'Ref', 'Condition', 'Sub', 'GetAtt', 'Join', 'Select', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'Split',
  'ImportValue', 'GetAZs', 'Cidr', 'Length', 'ToJsonString', 'Transform', 'Contains', 'EachMemberEquals', 'EachMemberIn',
  'RefAll', 'ValueOf', 'ValueOfAll',
];
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
const RESOURCE_TYPE = /^(?:(?:AWS|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+|Custom::[A-Za-z0-9_@-]{1,60})$/;
/** IAM resources whose name property makes CAPABILITY_NAMED_IAM necessary. */
const IAM_NAMES: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
};

const same = <T>(v: T): T => v;
const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = SHORT_TAGS.flatMap((name) => [
  { tag: `!${name}`, resolve: same } as ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: same } as unknown as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: same } as unknown as CollectionTag,
]);

type Plain = Record<string, unknown>;
const isPlainMap = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function toPlain(node: unknown): unknown {
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map(toPlain);
  if (isMap(node)) {
    const out: Plain = {};
    for (const pair of node.items) out[String(isScalar(pair.key) ? pair.key.value : toPlain(pair.key))] = toPlain(pair.value);
    return out;
  }
  return node ?? null;
}

/** The template as plain data, or the reason it cannot be read. */
function readTemplate(text: string): { doc: unknown } | { problem: string } {
  if (/^\s*[{[]/.test(text)) {
    try {
      return { doc: JSON.parse(text) as unknown };
    } catch (e) {
      return { problem: `not valid JSON: ${(e as Error).message}` };
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { customTags: CUSTOM_TAGS, uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const bad = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  const first = bad[0];
  if (first) return { problem: `not valid YAML at line ${lines.linePos(first.pos[0]).line}: ${first.message.split('\n')[0] ?? ''}` };
  return { doc: toPlain(doc.contents as Node | null) };
}

/** Checks a template's text the way ValidateTemplate would, as far as it can be known offline. */
export function checkTemplate(text: string): TemplateCheck {
  const problems: string[] = [];
  const none = (p: string): TemplateCheck => ({ parameters: [], capabilities: [], problems: [p] });
  if (Buffer.byteLength(text) > MAX_TEMPLATE_URL_BODY) return none(`the template is larger than ${MAX_TEMPLATE_URL_BODY} bytes, the most CloudFormation accepts`);
  const read = readTemplate(text);
  if ('problem' in read) return none(read.problem);
  const doc = read.doc;
  if (!isPlainMap(doc)) return none('a template is a map of sections (Resources, Parameters, ...)');
  for (const key of Object.keys(doc)) if (!SECTIONS.has(key)) problems.push(`unknown top-level section ${JSON.stringify(key)}`);
  const parameters: string[] = [];
  const params = doc['Parameters'];
  if (params !== undefined && params !== null) {
    if (!isPlainMap(params)) problems.push('Parameters must be a map of parameter name to declaration');
    else {
      for (const [name, decl] of Object.entries(params)) {
        if (!LOGICAL_ID.test(name)) problems.push(`Parameters.${name}: a name is 1 to 255 letters and digits`);
        else if (!isPlainMap(decl) || typeof decl['Type'] !== 'string') problems.push(`Parameters.${name}: needs a Type (String, Number, ...)`);
        else parameters.push(name);
      }
    }
  }
  const capabilities = new Set<string>();
  const resources = doc['Resources'];
  if (!isPlainMap(resources) || Object.keys(resources).length === 0) problems.push('Resources must be a map with at least one resource');
  else {
    for (const [id, res] of Object.entries(resources)) {
      if (!LOGICAL_ID.test(id)) problems.push(`Resources.${id}: a logical id is 1 to 255 letters and digits`);
      const type = isPlainMap(res) ? res['Type'] : undefined;
      if (typeof type !== 'string' || !RESOURCE_TYPE.test(type)) {
        problems.push(`Resources.${id}: needs a Type such as AWS::Lambda::Function, got ${JSON.stringify(type ?? null)}`);
        continue;
      }
      if (type.startsWith('AWS::IAM::')) capabilities.add('CAPABILITY_IAM');
      const nameKey = IAM_NAMES[type];
      const props = isPlainMap(res) ? res['Properties'] : undefined;
      if (nameKey && isPlainMap(props) && props[nameKey] !== undefined) capabilities.add('CAPABILITY_NAMED_IAM');
      if (type === 'AWS::CloudFormation::Stack' || type === 'AWS::Serverless::Application') capabilities.add('CAPABILITY_AUTO_EXPAND');
    }
  }
  if (doc['Transform'] !== undefined) capabilities.add('CAPABILITY_AUTO_EXPAND');
  if (capabilities.has('CAPABILITY_NAMED_IAM')) capabilities.delete('CAPABILITY_IAM');
  return { parameters, capabilities: [...capabilities].sort(), problems };
}
