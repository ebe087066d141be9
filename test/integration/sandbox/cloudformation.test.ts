// The sandbox's CloudFormation through the real @aws-sdk/client-cloudformation: create (YAML with
// short tags, outputs of simulated resources, pseudo parameters, NoEcho), the no-op update, an
// update with a changed parameter, change sets (CREATE, UPDATE, no changes), events, delete,
// TemplateURL from a sandbox bucket, ValidateTemplate, and persistence across a restart.
import t from 'tap';
import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  UpdateStackCommand,
  ValidateTemplateCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { SITE_TEMPLATE, cfnClient, failure, settled, statuses } from './cloudformation-harness.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

t.test('create, no-op update, parameter update, outputs and events', async (t) => {
  const sb = await startSandbox();
  t.teardown(() => sb.close());
  const cfn = cfnClient(sb);
  const created = await cfn.send(new CreateStackCommand({ StackName: 'site', TemplateBody: SITE_TEMPLATE, Parameters: [{ ParameterKey: 'AppName', ParameterValue: 'shop' }], Tags: [{ Key: 'tenant', Value: 'a' }] }));
  t.match(created.StackId, /^arn:aws:cloudformation:us-east-1:111111111111:stack\/site\/[0-9a-f-]{36}$/);
  await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 30, minDelay: 1 }, { StackName: 'site' });
  const stack = await settled(sb, cfn, 'site');
  t.equal(stack.StackStatus, 'CREATE_COMPLETE');
  t.equal(stack.Description, 'tenant site');
  t.same(stack.Tags, [{ Key: 'tenant', Value: 'a' }]);
  const params = Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
  t.same(params, { AppName: 'shop', Size: '2', Secret: '****', Zones: 'a,b' }, 'defaults applied, NoEcho shown as ****');
  const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  t.match(outputs['Url'], /^http:\/\/site-site-[a-z0-9]{12}\.s3-website-us-east-1\.amazonaws\.com$/);
  t.equal(outputs['FnArn'], 'arn:aws:lambda:us-east-1:111111111111:function:shop-fn');
  t.equal(outputs['Where'], '111111111111:us-east-1:b');
  t.equal(outputs['Mode'], 'small');
  t.equal(stack.Outputs!.find((o) => o.OutputKey === 'FnArn')!.ExportName, 'site-fn');
  t.same(await statuses(cfn, 'site', 'site'), ['site:CREATE_IN_PROGRESS', 'site:CREATE_COMPLETE']);
  t.same(await statuses(cfn, 'site', 'Site'), ['Site:CREATE_IN_PROGRESS', 'Site:CREATE_IN_PROGRESS', 'Site:CREATE_COMPLETE']);
  t.same(await statuses(cfn, 'site', 'Queue'), [], 'a resource whose condition is false is not created');

  t.match(await failure(cfn.send(new CreateStackCommand({ StackName: 'site', TemplateBody: SITE_TEMPLATE, Parameters: [{ ParameterKey: 'AppName', ParameterValue: 'x' }] }))),
    { name: 'AlreadyExistsException', message: 'Stack [site] already exists', status: 400 });
  t.match(await failure(cfn.send(new UpdateStackCommand({ StackName: 'site', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'AppName', UsePreviousValue: true }] }))),
    { name: 'ValidationError', message: 'No updates are to be performed.', status: 400 });

  await cfn.send(new UpdateStackCommand({ StackName: 'site', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'AppName', UsePreviousValue: true }, { ParameterKey: 'Size', ParameterValue: '5' }] }));
  const updated = await settled(sb, cfn, 'site');
  t.equal(updated.StackStatus, 'UPDATE_COMPLETE');
  t.ok(updated.LastUpdatedTime, 'LastUpdatedTime set');
  t.equal(updated.Outputs!.find((o) => o.OutputKey === 'Mode')!.OutputValue, 'big');
  t.same(await statuses(cfn, 'site', 'site'), ['site:CREATE_IN_PROGRESS', 'site:CREATE_COMPLETE', 'site:UPDATE_IN_PROGRESS', 'site:UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'site:UPDATE_COMPLETE']);
  t.same(await statuses(cfn, 'site', 'Queue'), ['Queue:CREATE_IN_PROGRESS', 'Queue:CREATE_IN_PROGRESS', 'Queue:CREATE_COMPLETE'], 'the condition turned true: created');
  t.same((await statuses(cfn, 'site', 'Fn')).slice(3), ['Fn:UPDATE_IN_PROGRESS', 'Fn:UPDATE_COMPLETE'], 'Fn changed (SIZE): updated in place');
  t.same((await statuses(cfn, 'site', 'Site')).length, 3, 'Site unchanged: no events');

  t.match(await failure(cfn.send(new DescribeStacksCommand({ StackName: 'ghost' }))), { name: 'ValidationError', message: 'Stack with id ghost does not exist' });
  const template = await cfn.send(new GetTemplateCommand({ StackName: 'site' }));
  t.equal(template.TemplateBody, SITE_TEMPLATE);

  await cfn.send(new DeleteStackCommand({ StackName: 'site' }));
  await sb.cloudformation.idle();
  const gone = (await cfn.send(new DescribeStacksCommand({ StackName: updated.StackId }))).Stacks![0]!;
  t.equal(gone.StackStatus, 'DELETE_COMPLETE', 'a deleted stack is found by its id');
  t.same((await statuses(cfn, updated.StackId!, 'site')).slice(-2), ['site:DELETE_IN_PROGRESS', 'site:DELETE_COMPLETE']);
  t.same((await statuses(cfn, updated.StackId!, 'Queue')).slice(-2), ['Queue:DELETE_IN_PROGRESS', 'Queue:DELETE_COMPLETE']);
  t.match(await failure(cfn.send(new DescribeStacksCommand({ StackName: 'site' }))), { name: 'ValidationError' }, 'but not by its name');
  t.same((await cfn.send(new DescribeStacksCommand({}))).Stacks, [], 'nor in the list');
  await cfn.send(new DeleteStackCommand({ StackName: 'site' })); // deleting a missing stack succeeds
});

t.test('change sets: CREATE, UPDATE, no changes, execute', async (t) => {
  const sb = await startSandbox();
  t.teardown(() => sb.close());
  const cfn = cfnClient(sb);
  const p = [{ ParameterKey: 'AppName', ParameterValue: 'shop' }];
  const cs = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs', ChangeSetName: 'initial', ChangeSetType: 'CREATE', TemplateBody: SITE_TEMPLATE, Parameters: p }));
  t.match(cs.Id, /^arn:aws:cloudformation:us-east-1:111111111111:changeSet\/initial\//);
  t.equal((await cfn.send(new DescribeStacksCommand({ StackName: 'cs' }))).Stacks![0]!.StackStatus, 'REVIEW_IN_PROGRESS');
  const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'initial', StackName: 'cs' }));
  t.equal(described.Status, 'CREATE_COMPLETE');
  t.equal(described.ExecutionStatus, 'AVAILABLE');
  t.same(described.Changes!.map((c) => [c.ResourceChange!.Action, c.ResourceChange!.LogicalResourceId]).sort(), [['Add', 'Fn'], ['Add', 'Site']]);
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.Id }));
  t.equal((await settled(sb, cfn, 'cs')).StackStatus, 'CREATE_COMPLETE');
  t.same((await cfn.send(new ListChangeSetsCommand({ StackName: 'cs' }))).Summaries, [], 'executing removes the change sets');

  const none = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs', ChangeSetName: 'same', UsePreviousTemplate: true, Parameters: p }));
  const noChanges = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: none.Id }));
  t.equal(noChanges.Status, 'FAILED');
  t.equal(noChanges.ExecutionStatus, 'UNAVAILABLE');
  t.equal(noChanges.StatusReason, "The submitted information didn't contain changes. Submit different information to create a change set.");
  t.match(await failure(cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: none.Id }))), { name: 'InvalidChangeSetStatusException' });

  const rename = await cfn.send(new CreateChangeSetCommand({ StackName: 'cs', ChangeSetName: 'rename', UsePreviousTemplate: true, Parameters: [{ ParameterKey: 'AppName', ParameterValue: 'store' }] }));
  const changes = (await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: rename.Id }))).Changes!.map((c) => c.ResourceChange!);
  t.same(changes.map((c) => [c.Action, c.LogicalResourceId, c.Replacement]).sort(), [['Modify', 'Fn', 'True'], ['Modify', 'Site', 'False']]);
  t.equal((await cfn.send(new ListChangeSetsCommand({ StackName: 'cs' }))).Summaries!.length, 2);
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'rename', StackName: 'cs' }));
  const after = await settled(sb, cfn, 'cs');
  t.equal(after.StackStatus, 'UPDATE_COMPLETE');
  t.equal(after.Outputs!.find((o) => o.OutputKey === 'FnArn')!.OutputValue, 'arn:aws:lambda:us-east-1:111111111111:function:store-fn');
  const fnEvents = await statuses(cfn, 'cs', 'Fn');
  t.same(fnEvents.slice(-4), ['Fn:UPDATE_IN_PROGRESS', 'Fn:UPDATE_COMPLETE', 'Fn:DELETE_IN_PROGRESS', 'Fn:DELETE_COMPLETE'], 'a replaced function: the old one is deleted in cleanup');
  t.match(await failure(cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'rename', StackName: 'cs' }))), { name: 'ChangeSetNotFoundException', status: 404 });
});

t.test('TemplateURL from a sandbox bucket, ValidateTemplate, state kept across a restart', async (t) => {
  const dir = t.testdir();
  const sb = await startSandbox({ dir });
  const cfn = cfnClient(sb);
  const s3 = new S3Client({ endpoint: sb.url, region: sb.region, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey } });
  await s3.send(new CreateBucketCommand({ Bucket: 'templates' }));
  await s3.send(new PutObjectCommand({ Bucket: 'templates', Key: 'site.yaml', Body: SITE_TEMPLATE }));
  const v = await cfn.send(new ValidateTemplateCommand({ TemplateURL: 'https://templates.s3.amazonaws.com/site.yaml' }));
  t.equal(v.Description, 'tenant site');
  t.same(v.Parameters!.map((p) => [p.ParameterKey, p.DefaultValue, p.NoEcho]), [['AppName', undefined, false], ['Size', '2', false], ['Secret', 'hunter2', true], ['Zones', 'a,b', false]]);
  t.same(v.Capabilities, []);
  await cfn.send(new CreateStackCommand({ StackName: 'kept', TemplateURL: `${sb.url}/templates/site.yaml`, Parameters: [{ ParameterKey: 'AppName', ParameterValue: 'kept' }] }));
  t.equal((await settled(sb, cfn, 'kept')).StackStatus, 'CREATE_COMPLETE');
  t.match(await failure(cfn.send(new ValidateTemplateCommand({ TemplateURL: 'https://s3.amazonaws.com/templates/missing.yaml' }))), { name: 'ValidationError', message: /^S3 error: The specified key does not exist\./ });
  await sb.close();
  const again = await startSandbox({ dir });
  t.teardown(() => again.close());
  const stack = (await cfnClient(again).send(new DescribeStacksCommand({ StackName: 'kept' }))).Stacks![0]!;
  t.equal(stack.StackStatus, 'CREATE_COMPLETE', 'the stack survives a restart with --dir');
  // closed before the test ends: tap removes t.testdir() before running teardowns, and a running
  // sandbox could write its state into the folder while it is removed
  await again.close();
});

t.test('every event of an operation carries its ClientRequestToken, the final one too', async (t) => {
  const sb = await startSandbox();
  t.teardown(() => sb.close());
  const cfn = cfnClient(sb);
  await cfn.send(new CreateStackCommand({ StackName: 'tok', TemplateBody: SITE_TEMPLATE, Parameters: [{ ParameterKey: 'AppName', ParameterValue: 'tok' }], ClientRequestToken: 'create-1' }));
  await sb.cloudformation.idle();
  const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'tok' }))).StackEvents ?? [];
  t.equal(events[0]?.ResourceStatus, 'CREATE_COMPLETE', 'newest first');
  t.ok(events.length > 2);
  t.same([...new Set(events.map((e) => e.ClientRequestToken))], ['create-1']);
});
