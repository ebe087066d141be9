// The pure template engine: parsing (YAML short tags, JSON, structure errors), intrinsics,
// conditions, parameters and the simulated resources' capabilities and attributes.
import t from 'tap';
import { evaluate, evaluateConditions, type EvalContext } from '../../../../sandbox/cloudformation/intrinsics.js';
import { resolveParameters, typedParameters } from '../../../../sandbox/cloudformation/parameters.js';
import { attributeOf, checkCapabilities, expandTransforms, requiredCapabilities } from '../../../../sandbox/cloudformation/resources.js';
import { dependencyGraph, parseTemplate, parseTemplateText } from '../../../../sandbox/cloudformation/template-parse.js';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

t.test('YAML short tags become the long forms', async (t) => {
  const doc = parseTemplateText(`
a: !Ref X
b: !GetAtt R.Arn
c: !Sub ['\${A}-x', { A: !Ref Y }]
d: !Join ['', [!Ref Z, !Select [0, !Split [',', 'p,q']]]]
e: !If [C, !Base64 s, !FindInMap [M, k, v]]
f: !Condition C
g: !And [!Equals [1, 1], !Not [!Or [!Condition C]]]
h: !ImportValue shared
i: !GetAZs ''
`) as Record<string, unknown>;
  t.same(doc['a'], { Ref: 'X' });
  t.same(doc['b'], { 'Fn::GetAtt': ['R', 'Arn'] });
  t.same(doc['c'], { 'Fn::Sub': ['${A}-x', { A: { Ref: 'Y' } }] });
  t.same(doc['d'], { 'Fn::Join': ['', [{ Ref: 'Z' }, { 'Fn::Select': [0, { 'Fn::Split': [',', 'p,q'] }] }]] });
  t.same(doc['e'], { 'Fn::If': ['C', { 'Fn::Base64': 's' }, { 'Fn::FindInMap': ['M', 'k', 'v'] }] });
  t.same(doc['f'], { Condition: 'C' });
  t.same(doc['g'], { 'Fn::And': [{ 'Fn::Equals': [1, 1] }, { 'Fn::Not': [{ 'Fn::Or': [{ Condition: 'C' }] }] }] });
  t.same(doc['h'], { 'Fn::ImportValue': 'shared' });
  t.same(doc['i'], { 'Fn::GetAZs': '' });
  t.match(message(() => parseTemplateText('a: !Bogus x\n')), /^Template format error: YAML not well-formed\. \(line 1, column 4\)$/);
  t.match(message(() => parseTemplateText('{"a": ')), /^Template format error: JSON not well-formed\./);
});

t.test('structure errors as CloudFormation words them', async (t) => {
  t.equal(message(() => parseTemplate('Description: x\n')), 'Template format error: At least one Resources member must be defined.');
  t.equal(message(() => parseTemplate('Resources:\n  A: { Properties: {} }\n')), 'Template format error: [/Resources/A] Every Resources object must contain a Type member.');
  t.equal(message(() => parseTemplate('Resources:\n  A: { Type: Bogus }\n')), 'Template format error: Unrecognized resource types: [Bogus]');
  t.equal(message(() => parseTemplate('Resources:\n  a-b: { Type: AWS::S3::Bucket }\n')), 'Template format error: Resource name a-b is non alphanumeric.');
  t.equal(message(() => parseTemplate('Bogus: 1\nResources:\n  A: { Type: AWS::S3::Bucket }\n')), 'Template format error: Invalid template property or properties [Bogus]');
  t.equal(message(() => parseTemplate('Resources:\n  A: { Type: AWS::S3::Bucket, DependsOn: B }\n')), 'Template format error: Unresolved resource dependencies [B] in the Resources block of the template');
  t.equal(
    message(() => parseTemplate('Resources:\n  A: { Type: AWS::S3::Bucket, Properties: { X: !Ref B } }\n  B: { Type: AWS::S3::Bucket, Properties: { X: !GetAtt A.Arn } }\n')),
    'Template format error: Circular dependency between resources: [A, B, A]',
  );
  const tpl = parseTemplate('{"Resources": {"A": {"Type": "AWS::S3::Bucket"}, "B": {"Type": "AWS::SNS::Topic", "Properties": {"N": {"Fn::Sub": "${A}-${A.Arn}-${!Lit}"}}}}}');
  t.same([...dependencyGraph(tpl).get('B')!], ['A'], 'Fn::Sub references count as dependencies');
});

const ctxOf = (template: string, params: Record<string, string> = {}): EvalContext => {
  const tpl = parseTemplate(template);
  const ctx: EvalContext = {
    template: tpl,
    params: typedParameters(tpl.Parameters, resolveParameters(tpl.Parameters, Object.entries(params).map(([key, value]) => ({ key, value, usePreviousValue: false })))),
    pseudo: { 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '222222222222', 'AWS::StackName': 'st' },
    conditions: {},
    resource: (id) => (id === 'B' ? { ref: 'st-b-xyz', attribute: (a) => attributeOf('AWS::S3::Bucket', 'st-b-xyz', a, { accountId: '222222222222', region: 'eu-west-1', stackName: 'st' }) } : undefined),
    importValue: (n) => (n === 'shared' ? 'v' : undefined),
  };
  evaluateConditions(ctx);
  return ctx;
};

t.test('intrinsics and conditions', async (t) => {
  const ctx = ctxOf(`
Parameters:
  Env: { Type: String, Default: prod }
  Ids: { Type: CommaDelimitedList, Default: 'x, y' }
Mappings:
  Sizes: { prod: { n: 3 } }
Conditions:
  Prod: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition Prod]
Resources:
  B: { Type: AWS::S3::Bucket }
`);
  t.same(ctx.conditions, { Prod: true, NotProd: false });
  const v = (x: unknown): unknown => evaluate(x, ctx);
  t.equal(v({ 'Fn::Sub': '${AWS::StackName}-${Env}-${B}-${B.Arn}-${!Keep}' }), 'st-prod-st-b-xyz-arn:aws:s3:::st-b-xyz-${Keep}');
  t.equal(v({ 'Fn::GetAtt': ['B', 'WebsiteURL'] }), 'http://st-b-xyz.s3-website-eu-west-1.amazonaws.com');
  t.equal(v({ 'Fn::Join': ['/', { Ref: 'Ids' }] }), 'x/y');
  t.equal(v({ 'Fn::Select': [1, { Ref: 'Ids' }] }), 'y');
  t.equal(v({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'n'] }), 3);
  t.equal(v({ 'Fn::If': ['Prod', 'big', 'small'] }), 'big');
  t.same(v({ a: { 'Fn::If': ['NotProd', 1, { Ref: 'AWS::NoValue' }] }, b: [1, { Ref: 'AWS::NoValue' }] }), { b: [1] }, 'AWS::NoValue removes');
  t.equal(v({ 'Fn::Base64': 'hi' }), 'aGk=');
  t.equal(v({ 'Fn::ImportValue': 'shared' }), 'v');
  t.same(v({ 'Fn::GetAZs': '' }), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  t.equal(message(() => v({ 'Fn::ImportValue': 'nope' })), 'No export named nope found.');
  t.equal(message(() => v({ 'Fn::GetAtt': ['B', 'Nope'] })), 'Template error: resource B does not support attribute type Nope in Fn::GetAtt');
  t.equal(message(() => v({ 'Fn::Select': [5, ['a']] })), 'Template error: Fn::Select cannot select nonexistent value at index 5');
});

t.test('parameters', async (t) => {
  const decls = parseTemplate(`
Parameters:
  Name: { Type: String, ConstraintDescription: lower-case letters only, AllowedPattern: '[a-z]+' }
  N: { Type: Number, MinValue: 2, Default: 3 }
  Secret: { Type: String, NoEcho: true }
Resources:
  B: { Type: AWS::S3::Bucket }
`).Parameters;
  const inputs = (o: Record<string, string | true>) => Object.entries(o).map(([key, v]) => (v === true ? { key, usePreviousValue: true } : { key, value: v, usePreviousValue: false }));
  t.same(resolveParameters(decls, inputs({ Name: 'ab', Secret: 's' })), { Name: 'ab', N: '3', Secret: 's' });
  t.equal(message(() => resolveParameters(decls, inputs({ Name: 'AB', Secret: 's' }))), "Parameter 'Name' failed to satisfy constraint: lower-case letters only");
  t.equal(message(() => resolveParameters(decls, inputs({ Name: 'ab', Secret: 's', N: '1' }))), "Parameter 'N' must be a number not less than 2");
  t.same(resolveParameters(decls, inputs({ Name: true, Secret: true, N: '5' }), { Name: 'old', Secret: 'x', N: '3' }), { Name: 'old', N: '5', Secret: 'x' }, 'UsePreviousValue');
  t.match(message(() => resolveParameters(decls, inputs({ Name: true, Secret: 's' }))), /Cannot specify usePreviousValue as true for a parameter key not in the previous template/);
  t.equal(message(() => resolveParameters(decls, inputs({ Name: 'ab' }))), 'Parameters: [Secret] must have values');
});

t.test('capabilities and SAM', async (t) => {
  const iam = parseTemplate('Resources:\n  R: { Type: AWS::IAM::Role }\n  B: { Type: AWS::S3::Bucket }\n');
  t.same(requiredCapabilities(iam), { capabilities: ['CAPABILITY_IAM'], reason: 'The following resource(s) require capabilities: [AWS::IAM::Role]' });
  t.equal(message(() => checkCapabilities(iam, [])), 'Requires capabilities : [CAPABILITY_IAM]');
  t.equal(message(() => checkCapabilities(iam, ['CAPABILITY_NAMED_IAM'])), 'no error', 'NAMED_IAM covers IAM');
  const sam = parseTemplate('Transform: AWS::Serverless-2016-10-31\nResources:\n  F: { Type: AWS::Serverless::Function, Properties: { Handler: h } }\n');
  t.same(requiredCapabilities(sam).capabilities, ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND']);
  const expanded = expandTransforms(sam);
  t.same(Object.entries(expanded.Resources).map(([id, r]) => [id, r.Type]).sort(), [['F', 'AWS::Lambda::Function'], ['FRole', 'AWS::IAM::Role']]);
  t.same(expanded.Resources['F']!.Properties['Role'], { 'Fn::GetAtt': ['FRole', 'Arn'] });
});
