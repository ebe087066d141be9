// The fake CloudFormation's statuses over the world's clock and its errors (mapped as the adapter
// maps them), TemplateURLs read with the caller's S3 permissions.
import t from 'tap';
import { FakeAwsWorld } from '../../../fakes/aws/world.js';

const TEMPLATE = (fail = '') =>
  JSON.stringify({
    Parameters: { Version: {}, Size: { Default: '1' } },
    Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { Name: { Ref: 'Version' } }, ...(fail ? { Metadata: { SandboxFail: fail } } : {}) } },
    Outputs: { V: { Value: { Ref: 'Version' } } },
  });

t.test('change sets and stack operations move with the clock', async (t) => {
  const w = new FakeAwsWorld();
  const cfn = w.cloudformation();
  t.equal(await cfn.describeStack('s'), undefined);
  await t.rejects(cfn.describeStackEvents('s'), { code: 'AWS_NOT_FOUND' });
  const input = { stackName: 's', changeSetName: 'one', changeSetType: 'CREATE' as const, templateBody: TEMPLATE(), parameters: [{ key: 'Version', value: 'v1' }], capabilities: [], tags: [] };
  await cfn.createChangeSet(input);
  t.match(await cfn.describeChangeSet('s', 'one'), { status: 'CREATE_PENDING', executionStatus: 'UNAVAILABLE' });
  await t.rejects(cfn.executeChangeSet('s', 'one'), { code: 'AWS_REQUEST_INVALID', details: { awsName: 'InvalidChangeSetStatusException' } });
  w.advance(cfn.changeSetDelayMs);
  t.match(await cfn.describeChangeSet('s', 'one'), { status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE', parameters: { Version: 'v1', Size: '1' }, changes: [{ action: 'Add', logicalResourceId: 'Q' }] });
  await cfn.executeChangeSet('s', 'one', 'tok-1');
  t.match(await cfn.describeStack('s'), { status: 'CREATE_IN_PROGRESS' });
  w.advance(cfn.stackDelayMs);
  t.match(await cfn.describeStack('s'), { status: 'CREATE_COMPLETE', outputs: { V: 'v1' } });
  const events = (await cfn.describeStackEvents('s')).items;
  t.same(events.slice(0, 2).map((e) => [e.logicalResourceId, e.resourceStatus, e.clientRequestToken]), [['s', 'CREATE_COMPLETE', 'tok-1'], ['Q', 'CREATE_COMPLETE', 'tok-1']]);

  await cfn.createChangeSet({ ...input, changeSetName: 'same', changeSetType: 'UPDATE' });
  w.advance(cfn.changeSetDelayMs);
  t.match(await cfn.describeChangeSet('s', 'same'), { status: 'FAILED', statusReason: /didn't contain changes/ });
  await cfn.deleteChangeSet('s', 'same');

  await cfn.createChangeSet({ ...input, changeSetName: 'bad', changeSetType: 'UPDATE', templateBody: TEMPLATE('boom'), parameters: [{ key: 'Version', value: 'v2' }] });
  w.advance(cfn.changeSetDelayMs);
  await cfn.executeChangeSet('s', 'bad', 'tok-2');
  await t.rejects(cfn.createChangeSet({ ...input, changeSetName: 'busy', changeSetType: 'UPDATE' }), { message: /UPDATE_IN_PROGRESS state and can not be updated/ });
  w.advance(cfn.stackDelayMs);
  t.match(await cfn.describeStack('s'), { status: 'UPDATE_ROLLBACK_IN_PROGRESS', statusReason: /failed to update: \[Q\]/ });
  w.advance(cfn.stackDelayMs);
  t.match(await cfn.describeStack('s'), { status: 'UPDATE_ROLLBACK_COMPLETE', parameters: { Version: 'v1' }, outputs: { V: 'v1' } });
  t.match(await cfn.describeChangeSet('s', 'bad'), { executionStatus: 'EXECUTE_FAILED' });
  const failed = (await cfn.describeStackEvents('s')).items.find((e) => e.resourceStatus === 'UPDATE_FAILED');
  t.match(failed, { logicalResourceId: 'Q', resourceStatusReason: 'boom', clientRequestToken: 'tok-2' });
  await t.rejects(cfn.createChangeSet({ ...input, changeSetName: 'x', changeSetType: 'UPDATE', parameters: [] }), { message: /Parameters: \[Version\] must have values/ });
});

t.test('a TemplateURL is read with the caller account permissions', async (t) => {
  const w = new FakeAwsWorld();
  w.s3().createBucket('rel');
  await w.s3().putObject({ bucket: 'rel', key: 't.json', body: TEMPLATE() });
  const tenant = w.cloudformation('222222222222');
  const input = { stackName: 's', changeSetName: 'one', changeSetType: 'CREATE' as const, templateUrl: 'https://rel.s3.eu-west-1.amazonaws.com/t.json', parameters: [{ key: 'Version', value: 'v1' }], capabilities: [], tags: [] };
  await t.rejects(tenant.createChangeSet(input), { code: 'AWS_REQUEST_INVALID', message: /S3 error: .*Access Denied/ });
  w.s3().grant('rel', '222222222222', 'read');
  t.match(await tenant.createChangeSet(input), { stackId: /:222222222222:stack\/s\// });
});
