// CloudWatch alarms through the real @aws-sdk/client-cloudwatch (JSON 1.0, query-compatible errors):
// PutMetricAlarm, DescribeAlarms by names / prefix / state, SetAlarmState, DeleteAlarms, per account.
import t from 'tap';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import type { Principal } from '../../../sandbox/types.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const client = (sb: Sandbox, p: Principal = sb.root): CloudWatchClient =>
  new CloudWatchClient({ endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey } });

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number; code?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode, ...(err.Code ? { code: err.Code } : {}) };
  }
  throw new Error('expected a failure');
}

const alarm = (name: string) =>
  new PutMetricAlarmCommand({
    AlarmName: name, Namespace: 'Edge/Fleet', MetricName: 'UnhealthyDevices', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1,
    Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Dimensions: [{ Name: 'Fleet', Value: 'lab' }], AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops'],
  });

t.test('alarms: put, describe, raise, delete', async (t) => {
  const sb = await startSandbox();
  t.teardown(() => sb.close());
  const cw = client(sb);
  await cw.send(alarm('rollout-health-lab'));
  await cw.send(alarm('rollout-health-field'));
  await cw.send(alarm('other'));
  const all = (await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms!;
  t.same(all.map((a) => a.AlarmName), ['other', 'rollout-health-field', 'rollout-health-lab']);
  const lab = all[2]!;
  t.equal(lab.StateValue, 'INSUFFICIENT_DATA', 'a new alarm has no data yet');
  t.equal(lab.AlarmArn, 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:rollout-health-lab');
  t.equal(lab.Threshold, 0);
  t.same(lab.Dimensions, [{ Name: 'Fleet', Value: 'lab' }]);
  t.ok(lab.StateUpdatedTimestamp instanceof Date && Math.abs(lab.StateUpdatedTimestamp.getTime() - Date.now()) < 60_000);
  t.same((await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'rollout-' }))).MetricAlarms!.map((a) => a.AlarmName), ['rollout-health-field', 'rollout-health-lab']);
  t.same((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['other', 'ghost'] }))).MetricAlarms!.map((a) => a.AlarmName), ['other']);

  await cw.send(new SetAlarmStateCommand({ AlarmName: 'rollout-health-lab', StateValue: 'ALARM', StateReason: 'devices unhealthy', StateReasonData: '{"unhealthy":3}' }));
  const raised = (await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms!;
  t.same(raised.map((a) => [a.AlarmName, a.StateReason, a.StateReasonData]), [['rollout-health-lab', 'devices unhealthy', '{"unhealthy":3}']]);
  await cw.send(alarm('rollout-health-lab'));
  t.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['rollout-health-lab'] }))).MetricAlarms![0]!.StateValue, 'ALARM', 'putting the alarm again keeps its state');
  const page1 = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
  const page2 = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: page1.NextToken }));
  t.same([...page1.MetricAlarms!, ...page2.MetricAlarms!].map((a) => a.AlarmName), ['other', 'rollout-health-field', 'rollout-health-lab']);
  t.equal(page2.NextToken, undefined);

  t.match(await failure(cw.send(new SetAlarmStateCommand({ AlarmName: 'ghost', StateValue: 'ALARM', StateReason: 'x' }))), { name: 'ResourceNotFound', message: 'Alarm ghost not found', status: 404 });
  t.match(await failure(cw.send(new SetAlarmStateCommand({ AlarmName: 'other', StateValue: 'BROKEN' as 'OK', StateReason: 'x' }))), { name: 'ValidationException', status: 400 });
  t.match(await failure(cw.send(new PutMetricAlarmCommand({ AlarmName: 'x', EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', Threshold: 1 }))), { status: 400 });

  const other = client(sb, sb.rootOf('222222222222'));
  t.same((await other.send(new DescribeAlarmsCommand({}))).MetricAlarms, [], 'alarms are per account');
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['other', 'rollout-health-field'] }));
  t.same((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms!.map((a) => a.AlarmName), ['rollout-health-lab']);
});
