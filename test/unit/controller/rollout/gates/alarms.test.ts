// The alarms gate: any named alarm in ALARM fails the target (with its reason), a name not found
// fails with where it was looked for, INSUFFICIENT_DATA passes; targets reached through the same
// session share one DescribeAlarms; a read that will not succeed fails the targets of that session.
import t from 'tap';
import type { AlarmInfo } from '../../../../../controller/aws/ports.js';
import { alarmsResult, checkAlarms } from '../../../../../controller/rollout/gates/alarms.js';
import type { GateResult } from '../../../../../controller/rollout/gates/types.js';
import { EdgeError } from '../../../../../shared/errors.js';
import { devicesTarget, stackTarget, stubPool } from './gate-fixtures.js';

const alarm = (alarmName: string, stateValue: AlarmInfo['stateValue'], stateReason?: string): AlarmInfo => ({
  alarmName,
  stateValue,
  ...(stateReason ? { stateReason } : {}),
});

t.test('one target: in ALARM, not found, insufficient data', async (t) => {
  const target = stackTarget('t1', '300000000000');
  t.same(alarmsResult(['api-5xx', 'latency'], [alarm('api-5xx', 'OK'), alarm('latency', 'INSUFFICIENT_DATA')], target), {
    gate: 'alarms',
    passed: true,
    value: 'no alarm in ALARM (2 checked)',
    threshold: 'no alarm in ALARM',
    target: 't1',
  });
  t.same(
    alarmsResult(['api-5xx', 'latency'], [alarm('api-5xx', 'ALARM', 'Threshold Crossed: 1 datapoint [12.0] was greater than 5.0')], target),
    {
      gate: 'alarms',
      passed: false,
      value: 'api-5xx in ALARM; alarm latency not found in account 300000000000 region eu-west-1',
      threshold: 'no alarm in ALARM',
      target: 't1',
      detail: 'api-5xx: Threshold Crossed: 1 datapoint [12.0] was greater than 5.0',
    },
  );
  t.match(alarmsResult(['x'], [], devicesTarget('lab')), { value: "alarm x not found in account (the controller's own) region eu-west-1" });
  const many = alarmsResult(['a', 'b', 'c', 'd', 'e'], [alarm('a', 'ALARM', 'high')], target);
  const where = 'in account 300000000000 region eu-west-1';
  t.equal(many.value, `a in ALARM; alarm b not found ${where}; alarm c not found ${where}; and 2 more`, 'the first three problems');
  t.equal(many.detail, 'a: high\nb: not found\nc: not found\nd: not found\ne: not found');
});

t.test('targets of one session share one DescribeAlarms; each gets its result', async (t) => {
  const { pool, account } = stubPool();
  account('300000000000').alarms.push(alarm('api-5xx', 'ALARM', 'too many errors'));
  account('300000000001').alarms.push(alarm('api-5xx', 'OK'));
  const targets = [stackTarget('t1-stack', '300000000000'), stackTarget('t1-web', '300000000000'), stackTarget('t2-stack', '300000000001')];
  const failed = (): GateResult => t.fail('no read fails') as never;
  const results = await checkAlarms(pool, 'app@v1@prod', ['api-5xx'], targets, failed);
  t.same(
    results.map((r) => [r.target, r.passed, r.value]),
    [
      ['t1-stack', false, 'api-5xx in ALARM'],
      ['t1-web', false, 'api-5xx in ALARM'],
      ['t2-stack', true, 'no alarm in ALARM (1 checked)'],
    ],
  );
  t.same(account('300000000000').calls, ['DescribeAlarms'], 'one call for two targets');
  t.same(account('300000000001').calls, ['DescribeAlarms']);
});

t.test('a failed read goes to `failed` for each target of that session', async (t) => {
  const { pool, account } = stubPool();
  account('300000000000').failure = new EdgeError('AWS_ACCESS_DENIED', 'not allowed: cloudwatch:DescribeAlarms');
  const seen: string[] = [];
  const failed = (target: { name: string }, e: unknown): GateResult => {
    seen.push(`${target.name}: ${(e as Error).message}`);
    return { gate: 'alarms', passed: false, value: 'could not read', threshold: '', target: target.name };
  };
  const results = await checkAlarms(
    pool,
    'app@v1@prod',
    ['a'],
    [stackTarget('t1', '300000000000'), stackTarget('t2', '300000000001')],
    failed,
  );
  t.same(seen, ['t1: not allowed: cloudwatch:DescribeAlarms']);
  t.same(
    results.map((r) => [r.target, r.passed]),
    [
      ['t1', false],
      ['t2', false],
    ],
    't2: its alarm is not found',
  );
});
