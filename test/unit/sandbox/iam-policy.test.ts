import t from 'tap';
import { evaluatePolicy, parsePolicy, principalMatches, wildcardMatch, type PolicyRequest } from '../../../sandbox/iam/policy.js';

const role = { arn: 'arn:aws:sts::333333333333:assumed-role/DeployRole/session-1', accountId: '333333333333' };
const other = { arn: 'arn:aws:sts::444444444444:assumed-role/DeployRole/s', accountId: '444444444444' };
const get = (who: PolicyRequest['principal'], key: string): PolicyRequest => ({ principal: who, action: 's3:GetObject', resource: `arn:aws:s3:::bkt/${key}` });

t.test('principals: account id, root ARN, role ARN (matches its sessions), exact ARNs, *', async (t) => {
  t.ok(principalMatches('333333333333', role));
  t.ok(principalMatches('arn:aws:iam::333333333333:root', role));
  t.ok(principalMatches('arn:aws:iam::333333333333:role/DeployRole', role));
  t.ok(principalMatches('arn:aws:iam::333333333333:role/path/to/DeployRole', role), 'a role path is not part of the session ARN');
  t.notOk(principalMatches('arn:aws:iam::333333333333:role/Other', role));
  t.notOk(principalMatches('arn:aws:iam::444444444444:role/DeployRole', role), 'same role name in another account');
  t.ok(principalMatches(role.arn, role));
  t.ok(principalMatches('*', role));
  t.notOk(principalMatches('444444444444', role));
});

t.test('allow on a prefix, explicit deny wins, nothing is no match', async (t) => {
  const policy = parsePolicy({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::333333333333:role/DeployRole' }, Action: 's3:Get*', Resource: 'arn:aws:s3:::bkt/releases/*' },
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt/releases/secret?' },
    ],
  });
  t.equal(evaluatePolicy(policy, get(role, 'releases/a.zip')), 'Allow');
  t.equal(evaluatePolicy(policy, get(role, 'internal/a.zip')), 'NoMatch');
  t.equal(evaluatePolicy(policy, get(other, 'releases/a.zip')), 'NoMatch');
  t.equal(evaluatePolicy(policy, get(role, 'releases/secret1')), 'Deny');
  t.equal(evaluatePolicy(policy, get(role, 'releases/secret12')), 'Allow', '? is one character');
  t.equal(evaluatePolicy(policy, { ...get(role, 'releases/a'), action: 'S3:GETOBJECT' }), 'Allow', 'actions ignore case');
  t.equal(evaluatePolicy(policy, { ...get(role, 'releases/a'), action: 's3:PutObject' }), 'NoMatch');
  t.equal(evaluatePolicy(undefined, get(role, 'x')), 'NoMatch');
});

t.test('conditions: StringEquals on a missing key fails, negated operators pass, IfExists, Null, StringLike', async (t) => {
  const trust = parsePolicy({ Statement: { Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } } } });
  const caller = { arn: 'arn:aws:iam::111111111111:root', accountId: '111111111111' };
  const assume = (context: Record<string, string>): PolicyRequest => ({ principal: caller, action: 'sts:AssumeRole', resource: 'arn:aws:iam::2:role/r', context });
  t.equal(evaluatePolicy(trust, assume({ 'sts:ExternalId': 'ext-1' })), 'Allow');
  t.equal(evaluatePolicy(trust, assume({ 'STS:externalid': 'ext-1' })), 'Allow', 'condition keys ignore case');
  t.equal(evaluatePolicy(trust, assume({ 'sts:ExternalId': 'ext-2' })), 'NoMatch');
  t.equal(evaluatePolicy(trust, assume({})), 'NoMatch', 'missing key');
  const ops = (operator: string, values: string[]) => parsePolicy({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { [operator]: { 's3:prefix': values } } }] });
  const list = (context: Record<string, string>): PolicyRequest => ({ principal: role, action: 's3:ListBucket', resource: 'arn:aws:s3:::bkt', context });
  t.equal(evaluatePolicy(ops('StringLike', ['releases/*']), list({ 's3:prefix': 'releases/v1' })), 'Allow');
  t.equal(evaluatePolicy(ops('StringLike', ['releases/*']), list({})), 'NoMatch');
  t.equal(evaluatePolicy(ops('StringNotEquals', ['x']), list({})), 'Allow', 'negated operator on a missing key');
  t.equal(evaluatePolicy(ops('StringEqualsIfExists', ['x']), list({})), 'Allow');
  t.equal(evaluatePolicy(ops('StringEqualsIfExists', ['x']), list({ 's3:prefix': 'y' })), 'NoMatch');
  t.equal(evaluatePolicy(ops('Null', ['true']), list({})), 'Allow');
  t.equal(evaluatePolicy(ops('Null', ['true']), list({ 's3:prefix': '' })), 'NoMatch');
  t.equal(evaluatePolicy(ops('StringEqualsIgnoreCase', ['ABC']), list({ 's3:prefix': 'abc' })), 'Allow');
});

t.test('service principals and NotAction / NotResource', async (t) => {
  const policy = parsePolicy({ Statement: [{ Effect: 'Allow', Principal: { Service: ['cloudformation.amazonaws.com'] }, Action: 'sts:AssumeRole' }] });
  const req = (service: string): PolicyRequest => ({ principal: { service }, action: 'sts:AssumeRole', resource: 'arn:aws:iam::1:role/r' });
  t.equal(evaluatePolicy(policy, req('cloudformation.amazonaws.com')), 'Allow');
  t.equal(evaluatePolicy(policy, req('lambda.amazonaws.com')), 'NoMatch');
  t.equal(evaluatePolicy(policy, { ...req('x'), principal: role }), 'NoMatch', 'an IAM principal is not a service');
  const not = parsePolicy({ Statement: [{ Effect: 'Deny', Principal: '*', NotAction: 's3:Get*', NotResource: 'arn:aws:s3:::bkt/public/*' }] });
  t.equal(evaluatePolicy(not, { principal: role, action: 's3:PutObject', resource: 'arn:aws:s3:::bkt/x' }), 'Deny');
  t.equal(evaluatePolicy(not, { principal: role, action: 's3:GetObject', resource: 'arn:aws:s3:::bkt/x' }), 'NoMatch');
  t.equal(evaluatePolicy(not, { principal: role, action: 's3:PutObject', resource: 'arn:aws:s3:::bkt/public/x' }), 'NoMatch');
});

t.test('malformed policies name the place', async (t) => {
  const cases: [unknown, RegExp][] = [
    ['{nope', /not valid JSON/],
    [{}, /Statement/],
    [{ Version: '2020-01-01', Statement: [] }, /Version/],
    [{ Statement: [{ Effect: 'Maybe', Action: '*' }] }, /Effect/],
    [{ Statement: [{ Effect: 'Allow' }] }, /exactly one of Action and NotAction/],
    [{ Statement: [{ Effect: 'Allow', Action: '*', Principal: { AWS: 'bob' } }] }, /invalid principal/],
    [{ Statement: [{ Effect: 'Allow', Action: '*', Principal: { Federated: 'x' } }] }, /unsupported principal type/],
    [{ Statement: [{ Effect: 'Allow', Action: '*', Condition: { NumericEquals: { a: '1' } } }] }, /unsupported condition operator/],
  ];
  for (const [doc, message] of cases) t.throws(() => parsePolicy(doc, 'p'), { name: 'PolicyError', message });
  t.throws(() => parsePolicy({ Statement: [{ Effect: 'Allow', Action: [] }] }, 'p'), { name: 'PolicyError', message: /^p\.Statement\[0\]\.Action: expected a string/ });
  t.ok(wildcardMatch('a*b?c', 'aXYZb1c'));
  t.notOk(wildcardMatch('a.b', 'axb'), 'regex characters are literal');
});
