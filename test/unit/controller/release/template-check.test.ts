import t from 'tap';
import { checkTemplate } from '../../../../controller/release/template-check.js';

t.test('YAML with short tags: parameters in order and the capabilities IAM resources need', async (t) => {
  const yaml = [
    'Transform: AWS::Serverless-2016-10-31',
    'Parameters: { B: { Type: String }, A: { Type: Number } }',
    'Resources:',
    '  Role: { Type: AWS::IAM::Role, Properties: { RoleName: !Sub "${AWS::StackName}-r", Path: !Join ["", [a]] } }',
    '  Fn: { Type: AWS::Lambda::Function, Properties: { Role: !GetAtt Role.Arn, Code: { S3Bucket: !Ref B } } }',
  ].join('\n');
  t.same(checkTemplate(yaml), { parameters: ['B', 'A'], capabilities: ['CAPABILITY_AUTO_EXPAND', 'CAPABILITY_NAMED_IAM'], problems: [] });
  const json = JSON.stringify({ Resources: { U: { Type: 'AWS::IAM::User' } } });
  t.same(checkTemplate(json), { parameters: [], capabilities: ['CAPABILITY_IAM'], problems: [] });
});

t.test('every problem is listed', async (t) => {
  t.same(checkTemplate('Resources: {}\nParameters: { P: {} }\nBogus: 1\n').problems, [
    'unknown top-level section "Bogus"',
    'Parameters.P: needs a Type (String, Number, ...)',
    'Resources must be a map with at least one resource',
  ]);
  t.match(checkTemplate('Resources:\n  X: { Type: NotAType }\n  "a-b": { Type: AWS::S3::Bucket }\n').problems, [/Resources\.X: needs a Type/, /Resources\.a-b: a logical id/]);
  t.match(checkTemplate('Resources:\n  X: !Reff y\n').problems, [/^not valid YAML at line 2/], 'an unknown short tag');
  t.match(checkTemplate('Resources: [a\n').problems, [/^not valid YAML/]);
  t.match(checkTemplate('{"Resources": ').problems, [/^not valid JSON/]);
  t.match(checkTemplate('- a\n').problems, [/a template is a map/]);
  t.match(checkTemplate(`Resources: {}\n#${'x'.repeat(1_000_001)}`).problems, [/larger than 1000000 bytes/]);
});
