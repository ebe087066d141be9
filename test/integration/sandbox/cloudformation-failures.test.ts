// CloudFormation's failure paths through the real client: a failing resource rolls a create back
// (ROLLBACK_COMPLETE, the reason in the resource's event) and an update back
// (UPDATE_ROLLBACK_COMPLETE), missing capabilities, bad parameters, a RoleARN CloudFormation may
// not assume, updates refused while in progress, and 200 tenant stacks provisioning concurrently.
import t from 'tap';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStackEventsCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { parseSandboxConfig } from '../../../sandbox/sandbox-config.js';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import type { Principal } from '../../../sandbox/types.js';
import { cfnClient, failure, settled, statuses } from './cloudformation-harness.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** maxAttempts 3: a reused keep-alive connection the server just closed (ECONNRESET) is retried, as by default. */
const clientAs = (sb: Sandbox, p: Principal, maxAttempts = 1): CloudFormationClient =>
  new CloudFormationClient({ endpoint: sb.url, region: sb.region, maxAttempts, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey } });

const FAILING = (fail: string): string => `
Parameters:
  Fail: { Type: String, Default: '' }
Conditions:
  Failing: !Not [!Equals [!Ref Fail, '']]
Resources:
  Bucket: { Type: AWS::S3::Bucket }
  Table:
    Type: AWS::DynamoDB::Table
    DependsOn: Bucket
    Metadata: { SandboxFail: ${fail} }
    Properties: { TableName: orders }
Outputs:
  Table: { Value: !Ref Table }
`;

t.test('a failing resource rolls a create back, with the reason in its event', async (t) => {
  const sb = await startSandbox();
  t.teardown(() => sb.close());
  const cfn = cfnClient(sb);
  await cfn.send(new CreateStackCommand({ StackName: 'bad', TemplateBody: FAILING("'Table limit exceeded (Service: DynamoDb, Status Code: 400)'") }));
  const stack = await settled(sb, cfn, 'bad');
  t.equal(stack.StackStatus, 'ROLLBACK_COMPLETE');
  t.equal(stack.StackStatusReason, undefined);
  t.same(stack.Outputs ?? [], []);
  t.same(await statuses(cfn, 'bad'), [
    'bad:CREATE_IN_PROGRESS', 'Bucket:CREATE_IN_PROGRESS', 'Bucket:CREATE_IN_PROGRESS', 'Bucket:CREATE_COMPLETE',
    'Table:CREATE_IN_PROGRESS', 'Table:CREATE_IN_PROGRESS', 'Table:CREATE_FAILED', 'bad:ROLLBACK_IN_PROGRESS',
    'Table:DELETE_IN_PROGRESS', 'Table:DELETE_COMPLETE', 'Bucket:DELETE_IN_PROGRESS', 'Bucket:DELETE_COMPLETE', 'bad:ROLLBACK_COMPLETE',
  ], 'resources roll back in reverse dependency order');
  const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'bad' }))).StackEvents!;
  t.equal(events.find((e) => e.ResourceStatus === 'CREATE_FAILED')!.ResourceStatusReason, 'Table limit exceeded (Service: DynamoDb, Status Code: 400)');
  t.equal(events.find((e) => e.ResourceStatus === 'ROLLBACK_IN_PROGRESS')!.ResourceStatusReason, 'The following resource(s) failed to create: [Table]. Rollback requested by user.');
  t.match(await failure(cfn.send(new UpdateStackCommand({ StackName: 'bad', UsePreviousTemplate: true }))),
    { name: 'ValidationError', message: /^Stack:arn:aws:cloudformation:us-east-1:111111111111:stack\/bad\/.* is in ROLLBACK_COMPLETE state and can not be updated\.$/ });
  await cfn.send(new DeleteStackCommand({ StackName: 'bad' }));
  t.equal((await settled(sb, cfn, stack.StackId!)).StackStatus, 'DELETE_COMPLETE', 'a ROLLBACK_COMPLETE stack can be deleted');
});

/** A provisioning delay that lasts until the test opens the gate: "in progress" never races the clock. */
function gatedSleep() {
  let open: () => void = () => undefined;
  let gate = new Promise<void>((r) => (open = r));
  return {
    sleep: (ms: number, signal: AbortSignal): Promise<void> => (ms > 0 ? Promise.race([gate, new Promise<void>((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]) : Promise.resolve()),
    /** Lets every waiting (and later) delay finish until `close()`. */
    release: () => open(),
    close: () => (gate = new Promise<void>((r) => (open = r))),
  };
}

t.test('a failing update rolls back to the previous template and parameters', async (t) => {
  const gated = gatedSleep();
  const sb = await startSandbox({ cloudformationDelayMs: 1000, cloudformationSleep: gated.sleep });
  t.teardown(() => sb.close());
  const cfn = cfnClient(sb);
  const template = FAILING("!If [Failing, !Ref Fail, '']");
  await cfn.send(new CreateStackCommand({ StackName: 'upd', TemplateBody: template }));
  t.match(await failure(cfn.send(new UpdateStackCommand({ StackName: 'upd', TemplateBody: template, Parameters: [{ ParameterKey: 'Fail', ParameterValue: 'x' }] }))),
    { name: 'ValidationError', message: /is in CREATE_IN_PROGRESS state and can not be updated\.$/ }, 'no update while in progress');
  gated.release();
  const created = await settled(sb, cfn, 'upd');
  gated.close();
  t.equal(created.StackStatus, 'CREATE_COMPLETE');
  await cfn.send(new UpdateStackCommand({ StackName: 'upd', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Fail', ParameterValue: 'Throughput exceeds the limit' }] }));
  t.match(await failure(cfn.send(new UpdateStackCommand({ StackName: 'upd', UsePreviousTemplate: true }))),
    { name: 'ValidationError', message: /is in UPDATE_IN_PROGRESS state and can not be updated\.$/ });
  t.match(await failure(cfn.send(new DeleteStackCommand({ StackName: 'upd' }))), { message: 'Stack [upd] cannot be deleted while in status UPDATE_IN_PROGRESS' });
  gated.release();
  const rolled = await settled(sb, cfn, 'upd');
  t.equal(rolled.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
  t.same(rolled.Parameters, [{ ParameterKey: 'Fail', ParameterValue: '' }], 'the previous parameters are back');
  const tail = await statuses(cfn, 'upd');
  t.same(tail.slice(tail.indexOf('upd:UPDATE_IN_PROGRESS')), [
    'upd:UPDATE_IN_PROGRESS', 'Table:UPDATE_IN_PROGRESS', 'Table:UPDATE_FAILED', 'upd:UPDATE_ROLLBACK_IN_PROGRESS',
    'Table:UPDATE_IN_PROGRESS', 'Table:UPDATE_COMPLETE', 'upd:UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'upd:UPDATE_ROLLBACK_COMPLETE',
  ]);
  const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'upd' }))).StackEvents!;
  t.equal(events.find((e) => e.ResourceStatus === 'UPDATE_FAILED')!.ResourceStatusReason, 'Throughput exceeds the limit');
  t.equal(events.find((e) => e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')!.ResourceStatusReason, 'The following resource(s) failed to update: [Table]. ');
  await cfn.send(new UpdateStackCommand({ StackName: 'upd', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'Fail', ParameterValue: '' }], Tags: [{ Key: 'k', Value: 'v' }] }));
  t.equal((await settled(sb, cfn, 'upd')).StackStatus, 'UPDATE_COMPLETE', 'an UPDATE_ROLLBACK_COMPLETE stack can be updated (a tag change is an update)');
});

t.test('capabilities, parameters and the service role are checked before anything starts', async (t) => {
  const config = parseSandboxConfig(`
accounts:
  - accountId: '222222222222'
    name: tenant-a
    kind: tenant
    roles:
      - name: CfnDeploy
        trust: { services: [cloudformation.amazonaws.com] }
      - PipelineAccess
`, 'test');
  const sb = await startSandbox({ config });
  t.teardown(() => sb.close());
  const cfn = clientAs(sb, sb.rootOf('222222222222'));
  const iam = 'Resources:\n  R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {} } }\n';
  const named = 'Resources:\n  R: { Type: AWS::IAM::Role, Properties: { RoleName: app, AssumeRolePolicyDocument: {} } }\n';
  const sam = 'Transform: AWS::Serverless-2016-10-31\nResources:\n  F: { Type: AWS::Serverless::Function, Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: s3://b/k.zip } }\nOutputs:\n  Arn: { Value: !GetAtt F.Arn }\n';
  t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 's', TemplateBody: iam }))), { name: 'InsufficientCapabilitiesException', message: 'Requires capabilities : [CAPABILITY_IAM]', status: 400 });
  t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 's', TemplateBody: named, Capabilities: ['CAPABILITY_IAM'] }))), { message: 'Requires capabilities : [CAPABILITY_NAMED_IAM]' });
  t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 's', TemplateBody: sam, Capabilities: ['CAPABILITY_IAM'] }))), { message: 'Requires capabilities : [CAPABILITY_AUTO_EXPAND]' });
  await cfn.send(new CreateStackCommand({ StackName: 'sam', TemplateBody: sam, Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'], RoleARN: 'arn:aws:iam::222222222222:role/CfnDeploy' }));
  const stack = await settled(sb, cfn, 'sam');
  t.equal(stack.StackStatus, 'CREATE_COMPLETE');
  t.equal(stack.RoleARN, 'arn:aws:iam::222222222222:role/CfnDeploy');
  t.match(stack.Outputs![0]!.OutputValue, /^arn:aws:lambda:us-east-1:222222222222:function:sam-F-[A-Z0-9]{13}$/);
  t.same(await statuses(cfn, 'sam', 'FRole'), ['FRole:CREATE_IN_PROGRESS', 'FRole:CREATE_IN_PROGRESS', 'FRole:CREATE_COMPLETE'], 'SAM: the function gets an execution role');

  for (const role of ['arn:aws:iam::222222222222:role/PipelineAccess', 'arn:aws:iam::222222222222:role/Missing', 'arn:aws:iam::111111111111:role/CfnDeploy']) {
    t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 'r', TemplateBody: 'Resources:\n  B: { Type: AWS::S3::Bucket }\n', RoleARN: role }))),
      { name: 'ValidationError', message: `Role ${role} is invalid or cannot be assumed` }, role);
  }

  const p = `Parameters:
  Name: { Type: String, AllowedPattern: '[a-z]+', MinLength: 2, MaxLength: 5 }
  Tier: { Type: String, AllowedValues: [small, large], Default: small }
  Count: { Type: Number, MinValue: 1, MaxValue: 3, Default: 1 }
  Ids: { Type: List<Number>, Default: '1,2' }
Resources:
  B: { Type: AWS::S3::Bucket }
`;
  const bad = async (params: Record<string, string>) =>
    (await failure(cfn.send(new CreateStackCommand({ StackName: 'p', TemplateBody: p, Parameters: Object.entries(params).map(([k, v]) => ({ ParameterKey: k, ParameterValue: v })) })))).message;
  t.equal(await bad({}), 'Parameters: [Name] must have values');
  t.equal(await bad({ Name: 'ab', Other: 'x' }), 'Parameters: [Other] do not exist in the template');
  t.equal(await bad({ Name: 'AB' }), "Parameter 'Name' must match pattern [a-z]+");
  t.equal(await bad({ Name: 'a' }), "Parameter 'Name' must contain at least 2 characters");
  t.equal(await bad({ Name: 'abcdef' }), "Parameter 'Name' must contain at most 5 characters");
  t.equal(await bad({ Name: 'ab', Tier: 'medium' }), "Parameter 'Tier' must be one of AllowedValues");
  t.equal(await bad({ Name: 'ab', Count: 'many' }), "Parameter 'Count' must be a number");
  t.equal(await bad({ Name: 'ab', Count: '4' }), "Parameter 'Count' must be a number not greater than 3");
  t.equal(await bad({ Name: 'ab', Ids: '1,x' }), "Parameter 'Ids' must be a number");
  t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 'y', TemplateBody: 'Resources:\n  B: [unclosed\n' }))), { name: 'ValidationError', message: /^Template format error: YAML not well-formed\./ });
  t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 'y', TemplateBody: 'Resources:\n  B: { Type: AWS::S3::Bucket, Properties: { X: !Ref Nope } }\n' }))),
    { message: 'Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template' });
  t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 'y', TemplateBody: 'Resources:\n  B: { Type: AWS::S3::Bucket }\nOutputs:\n  O: { Value: !GetAtt B.Nope }\n' }))),
    { message: 'Template error: resource B does not support attribute type Nope in Fn::GetAtt' });
});

t.test('200 tenant stacks with a 2 s provisioning delay complete together', async (t) => {
  const sb = await startSandbox({ cloudformationDelayMs: 2000 });
  t.teardown(() => sb.close());
  const accounts = Array.from({ length: 200 }, (_, i) => String(300000000000 + i));
  const clients = accounts.map((a) => clientAs(sb, sb.rootOf(a), 3));
  const started = Date.now();
  await Promise.all(clients.map((c) => c.send(new CreateStackCommand({ StackName: 'tenant', TemplateBody: 'Resources:\n  Site: { Type: AWS::S3::Bucket }\n' }))));
  const accepted = Date.now();
  await sb.cloudformation.idle();
  const finished = Date.now();
  const stacks = await Promise.all(clients.map((c) => settled(sb, c, 'tenant')));
  t.same(new Set(stacks.map((s) => s.StackStatus)), new Set(['CREATE_COMPLETE']));
  t.ok(finished - accepted < 2000 + 1500, `the last stack completed ${finished - accepted} ms after the last CreateStack was accepted (${accepted - started} ms to send 200)`);
  t.ok(finished - started < accepted - started + 3500, `200 stacks in ${finished - started} ms wall: provisioning runs concurrently`);
});
