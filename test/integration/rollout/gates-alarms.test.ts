// The alarms gate against the sandbox: alarms put and raised (SetAlarmState) in two tenant accounts
// through the SDK, read through the real pool and each tenant's role. An alarm in ALARM fails its
// account's targets with its reason; a missing name fails naming where it was looked for; targets of
// one account and role share one DescribeAlarms. The command gate runs alongside, not during the bake.
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import t from 'tap';
import { createGateChecker } from '../../../controller/rollout/gates/index.js';
import { gateInput, startGateEstate, tenantTarget, TENANTS, type GateEstate } from './gates-fixture.js';

t.setTimeout(120_000);

let e: GateEstate;
const clients: CloudWatchClient[] = [];
t.before(async () => {
  e = await startGateEstate(t);
  t.teardown(() => clients.forEach((c) => c.destroy()));
});

function cloudwatch(account: string): CloudWatchClient {
  const p = e.sb.rootOf(account);
  const c = new CloudWatchClient({
    endpoint: e.sb.url,
    region: e.sb.region,
    maxAttempts: 1,
    credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
  });
  clients.push(c);
  return c;
}

const putAlarm = (cw: CloudWatchClient, name: string) =>
  cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AirQuality',
      MetricName: '5xx',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );

const describeCalls = (mark: number): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const c of e.sb.calls.since(mark).calls) if (c.operation === 'DescribeAlarms') out[c.accountId] = (out[c.accountId] ?? 0) + c.count;
  return out;
};

t.test('alarms in two tenant accounts, one read per account and role', async (t) => {
  const [cw1, cw2] = [cloudwatch(TENANTS[0]), cloudwatch(TENANTS[1])];
  for (const cw of [cw1, cw2]) await putAlarm(cw, 'api-5xx');
  await putAlarm(cw1, 'api-latency');
  const targets = [tenantTarget('t1-stack', TENANTS[0]), tenantTarget('t1-web', TENANTS[0]), tenantTarget('t2-stack', TENANTS[1])];
  const checker = createGateChecker({ pool: e.pool, sleep: async () => void t.fail('no wait'), now: () => Date.now() });
  const check = async (names: string[]) => {
    const mark = e.sb.calls.mark();
    const results = await checker.check(gateInput(targets, {}, { alarms: names }, 'bake'));
    return { results: results.map((r) => [r.target, r.passed, r.value, r.detail ?? '']), calls: describeCalls(mark) };
  };

  t.same(
    await check(['api-5xx']),
    {
      results: [
        ['t1-stack', true, 'no alarm in ALARM (1 checked)', ''],
        ['t1-web', true, 'no alarm in ALARM (1 checked)', ''],
        ['t2-stack', true, 'no alarm in ALARM (1 checked)', ''],
      ],
      calls: { [TENANTS[0]]: 1, [TENANTS[1]]: 1 },
    },
    'INSUFFICIENT_DATA passes; t1-stack and t1-web share one read',
  );

  await cw2.send(
    new SetAlarmStateCommand({
      AlarmName: 'api-5xx',
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).',
    }),
  );
  t.same((await check(['api-5xx'])).results, [
    ['t1-stack', true, 'no alarm in ALARM (1 checked)', ''],
    ['t1-web', true, 'no alarm in ALARM (1 checked)', ''],
    ['t2-stack', false, 'api-5xx in ALARM', 'api-5xx: Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).'],
  ]);

  await cw1.send(new SetAlarmStateCommand({ AlarmName: 'api-latency', StateValue: 'OK', StateReason: 'fine' }));
  t.same((await check(['api-latency'])).results, [
    ['t1-stack', true, 'no alarm in ALARM (1 checked)', ''],
    ['t1-web', true, 'no alarm in ALARM (1 checked)', ''],
    ['t2-stack', false, `alarm api-latency not found in account ${TENANTS[1]} region us-east-1`, ''],
  ]);
});

t.test('alarms and the command: the command runs after the deployments, not during the bake', async (t) => {
  const targets = [tenantTarget('t1-stack', TENANTS[0])];
  const checker = createGateChecker({
    pool: e.pool,
    sleep: async () => void t.fail('no wait'),
    now: () => Date.now(),
    env: { PATH: process.env['PATH'] ?? '/bin' },
  });
  const gates = { alarms: ['api-latency'], command: { run: 'echo "smoke $FLEETCTL_TARGET $FLEETCTL_OUTPUT_SITEURL"', timeoutMs: 30_000 } };
  const states = { 't1-stack': { outputs: { SiteUrl: 'https://t1.example' } } };
  const deployed = await checker.check(gateInput(targets, states, gates, 'deployed'));
  t.same(
    deployed.map((r) => [r.gate, r.passed, r.value, r.detail ?? '']),
    [
      ['alarms', true, 'no alarm in ALARM (1 checked)', ''],
      ['command', true, 'exit 0', 'smoke t1-stack https://t1.example\n'],
    ],
  );
  t.same(
    (await checker.check(gateInput(targets, states, gates, 'bake'))).map((r) => r.gate),
    ['alarms'],
  );
});
