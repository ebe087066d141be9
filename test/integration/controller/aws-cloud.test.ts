// The CloudFormation and CloudWatch SDK adapters (through the real pool) against the sandbox: change
// sets from a TemplateURL, execution with a ClientRequestToken that the events carry, a change set
// without changes, missing stacks and change sets as AWS_NOT_FOUND, events newest first; alarms by
// name, prefix and state. Then the stack driver itself, over the same adapters: a stack created,
// left alone when nothing changed, and a failing update reported with the resource's reason.
import t from 'tap';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { silentLogger } from '../../../shared/log.js';
import { createAwsPool, type AwsPool } from '../../../controller/aws/pool.js';
import { createSdkPortFactory } from '../../../controller/aws/sdk-adapter.js';
import { SERVICES, type Service } from '../../../controller/aws/ports.js';
import type { ReleaseManifest } from '../../../controller/release/manifest.js';
import type { StackTarget } from '../../../controller/rollout/config-types.js';
import { stackDriver, templateUrl } from '../../../controller/rollout/drivers/stack.js';
import { MemoryObjectStore } from '../../../controller/rollout/object-store.js';
import type { FollowResult } from '../../../controller/rollout/runner.js';
import type { TargetRef } from '../../../controller/rollout/journal-model.js';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const realTimers = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

const TEMPLATE = (fail = ''): string => `
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  ReleaseVersion: { Type: String }
  Size: { Type: String, Default: small }
Resources:
  Site:
    Type: AWS::S3::Bucket
    Metadata: { SandboxFail: '${fail}' }
    Properties:
      Tags: [{ Key: version, Value: !Ref ReleaseVersion }]
Outputs:
  Version: { Value: !Ref ReleaseVersion }
`;

function poolFor(sb: Sandbox): AwsPool {
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, sb.url])) as Record<Service, string>;
  const root = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  return createAwsPool(
    { region: sb.region, credentials: async () => root, endpoints, retry: { maxAttempts: 3, baseMs: 10, capMs: 50 } },
    { factory: createSdkPortFactory({ forcePathStyle: true }), timers: realTimers, clock: () => Date.now(), random: Math.random, log: silentLogger() },
  );
}

t.test('CloudFormation and CloudWatch adapters against the sandbox', async (t) => {
  const sb = await startSandbox();
  const pool = poolFor(sb);
  const s3 = new S3Client({ endpoint: sb.url, region: sb.region, forcePathStyle: true, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey } });
  t.teardown(async () => {
    s3.destroy();
    pool.destroy();
    await sb.close();
  });
  const aws = pool.session();
  await s3.send(new CreateBucketCommand({ Bucket: 'releases' }));
  const put = async (key: string, body: string) => ({ key, ...(await aws.s3.putObject({ bucket: 'releases', key, body })) });

  t.test('cloudformation: change sets, execution, events, templates, errors', async (t) => {
    const cfn = aws.cloudformation;
    t.equal(await cfn.describeStack('site'), undefined, 'a missing stack is undefined');
    await t.rejects(cfn.describeStackEvents('site'), { code: 'AWS_NOT_FOUND', details: { awsName: 'ValidationError' } });
    await t.rejects(cfn.describeChangeSet('site', 'nope'), { code: 'AWS_NOT_FOUND' });
    const key = (await put('t/v1.yaml', TEMPLATE())).key;
    const url = templateUrl('releases', sb.region, key);
    const summary = await cfn.validateTemplate({ templateUrl: url });
    t.same(summary.parameters.map((p) => [p.key, p.defaultValue]), [['ReleaseVersion', undefined], ['Size', 'small']]);
    const created = await cfn.createChangeSet({
      stackName: 'site', changeSetName: 'cs-1', changeSetType: 'CREATE', templateUrl: url,
      parameters: [{ key: 'ReleaseVersion', value: 'v1' }], capabilities: [], tags: [{ Key: 'tenant', Value: 'a' }], description: 'first',
    });
    t.match(created.stackId, /:stack\/site\//);
    const cs = await cfn.describeChangeSet('site', 'cs-1');
    t.match(cs, { changeSetName: 'cs-1', status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE', description: 'first', parameters: { ReleaseVersion: 'v1', Size: 'small' } });
    t.same(cs.changes.map((c) => [c.action, c.logicalResourceId, c.resourceType]), [['Add', 'Site', 'AWS::S3::Bucket']]);
    t.same((await cfn.listChangeSets('site')).items.map((c) => c.changeSetName), ['cs-1']);
    t.equal(await cfn.getTemplate('site', 'cs-1'), TEMPLATE());
    t.match(await cfn.describeStack('site'), { status: 'REVIEW_IN_PROGRESS' });
    await cfn.executeChangeSet('site', 'cs-1', 'cs-1');
    await sb.cloudformation.idle();
    const stack = await cfn.describeStack(created.stackId);
    t.match(stack, { stackName: 'site', status: 'CREATE_COMPLETE', parameters: { ReleaseVersion: 'v1' }, outputs: { Version: 'v1' }, tags: [{ Key: 'tenant', Value: 'a' }] });
    const events = await cfn.describeStackEvents('site');
    t.equal(events.items[0]?.resourceStatus, 'CREATE_COMPLETE', 'newest first');
    const tokened = events.items.filter((e) => e.clientRequestToken === 'cs-1').map((e) => `${e.logicalResourceId}:${e.resourceStatus}`);
    t.ok(tokened.includes('site:CREATE_IN_PROGRESS') && tokened.includes('Site:CREATE_COMPLETE'), 'the execution token on its events');
    t.equal(await cfn.getTemplate('site'), TEMPLATE());

    await cfn.createChangeSet({ stackName: 'site', changeSetName: 'cs-2', changeSetType: 'UPDATE', usePreviousTemplate: true, parameters: [{ key: 'ReleaseVersion', usePreviousValue: true }], capabilities: [], tags: [{ Key: 'tenant', Value: 'a' }] });
    t.match(await cfn.describeChangeSet('site', 'cs-2'), { status: 'FAILED', statusReason: /didn't contain changes/, executionStatus: 'UNAVAILABLE' });
    await cfn.deleteChangeSet('site', 'cs-2');
    await t.rejects(cfn.describeChangeSet('site', 'cs-2'), { code: 'AWS_NOT_FOUND' });
    await t.rejects(
      cfn.createChangeSet({ stackName: 'site', changeSetName: 'cs-3', changeSetType: 'UPDATE', templateBody: TEMPLATE(), parameters: [{ key: 'Nope', value: 'x' }], capabilities: [], tags: [] }),
      { code: 'AWS_REQUEST_INVALID', details: { awsName: 'ValidationError' } },
    );
  });

  t.test('cloudwatch: alarms by name, prefix and state', async (t) => {
    const cw = new CloudWatchClient({ endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey } });
    t.teardown(() => cw.destroy());
    for (const name of ['gate-lab', 'gate-field', 'other']) {
      await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: 'Edge/Fleet', MetricName: 'Unhealthy', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' }));
    }
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'gate-lab', StateValue: 'ALARM', StateReason: 'devices unhealthy' }));
    const byPrefix = await aws.cloudwatch.describeAlarms({ alarmNamePrefix: 'gate-' });
    t.same(byPrefix.items.map((a) => [a.alarmName, a.stateValue]), [['gate-field', 'INSUFFICIENT_DATA'], ['gate-lab', 'ALARM']]);
    t.match((await aws.cloudwatch.describeAlarms({ stateValue: 'ALARM' })).items, [{ alarmName: 'gate-lab', stateReason: 'devices unhealthy', namespace: 'Edge/Fleet', metricName: 'Unhealthy' }]);
    t.same((await aws.cloudwatch.describeAlarms({ alarmNames: ['other', 'ghost'] })).items.map((a) => a.alarmName), ['other']);
  });

  t.test('the stack driver over the adapters: create, no changes, failing update', async (t) => {
    const sha = (b: string): string => createHash('sha256').update(b).digest('hex');
    const manifest = async (version: string, fail = ''): Promise<ReleaseManifest> => {
      const body = TEMPLATE(fail);
      const p = await put(`app/${version}/template.yaml`, body);
      const template = { key: p.key, etag: p.etag, sha256: sha(body), size: body.length };
      return { schema: 'fleetctl.release/v1', application: 'app', version, bucket: 'releases', region: sb.region, keyPrefix: `app/${version}/`, createdAt: new Date().toISOString(), parts: { stack: { template, parameters: ['ReleaseVersion', 'Size'], capabilities: [] } } };
    };
    const deps = { pool, manifest: await manifest('v1'), rolloutId: 'app@v1@prod', sleep: realTimers.sleep, now: () => Date.now(), store: new MemoryObjectStore(), prefix: 'r/', changeSetPollMs: 20 };
    const driver = stackDriver(deps);
    const target: StackTarget = { name: 'tenant-a', kind: 'stack', region: sb.region, labels: {}, line: 1, stack: 'tenant-a', parameters: { Size: 'large' }, releaseParameters: { version: 'ReleaseVersion' }, capabilities: [], tags: {} };
    const ctx = (version: string, attempt = 1) => ({ rolloutId: `app@${version}@prod`, wave: 'w', attempt, token: `app@${version}@prod#tenant-a#${attempt}` });
    const settle = async (ref: TargetRef): Promise<FollowResult> => {
      await sb.cloudformation.idle();
      return driver.follow(target, ref);
    };
    t.same(await driver.recordBefore(target), { kind: 'stack', exists: false });
    t.match(await settle(await driver.deploy(target, ctx('v1'))), { state: 'succeeded', progress: 'CREATE_COMPLETE', outputs: { Version: 'v1' } });
    t.match(await driver.recordBefore(target), { kind: 'stack', exists: true, parameters: { ReleaseVersion: 'v1', Size: 'large' }, templateKey: 'r/before/tenant-a.template' });
    const again = await driver.deploy(target, ctx('v1', 2));
    t.same(await driver.find(target, ctx('v1', 2)), undefined, 'the empty change set is gone: a new attempt would make it again');
    t.match(await settle(again), { state: 'succeeded', progress: /^no changes/ });
    Object.assign(deps, { manifest: await manifest('v2', 'disk full') });
    const ref = await driver.deploy(target, ctx('v2'));
    t.same(await driver.find(target, ctx('v2')), ref, 'an executed change set is found again by its token in the events');
    t.match(await settle(ref), { state: 'failed', reason: /UPDATE_ROLLBACK_COMPLETE: Site \(AWS::S3::Bucket\) UPDATE_FAILED: disk full/ });
  });
});
