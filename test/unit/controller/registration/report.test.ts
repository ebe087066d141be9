import t from 'tap';
import { EdgeError } from '../../../../shared/errors.js';
import { failureOf, statsOf, summarize } from '../../../../controller/registration/report.js';
import { awsFailure } from '../../../fakes/aws/errors.js';

t.test('failures carry our codes and the AWS request id, never an AWS exception name', async (t) => {
  const bad = awsFailure('codedeploy', 'RegisterOnPremisesInstance', 'InvalidSignatureException', 400, 'The request signature we calculated does not match');
  t.match(failureOf(bad), { code: 'AWS_CREDENTIALS_REJECTED', requestId: /^fake-/ });
  t.same(failureOf(new EdgeError('FLEET_NAME_CONFLICT', 'taken')), { code: 'FLEET_NAME_CONFLICT', message: 'taken' });
  t.same(failureOf(new TypeError('boom')), { code: 'INTERNAL', message: 'boom' });
  t.same(failureOf('odd'), { code: 'INTERNAL', message: 'odd' });
});

t.test('summaries count every outcome, zeros included; stats are sorted and rounded', async (t) => {
  t.same(summarize([{ outcome: 'a' }, { outcome: 'a' }, { outcome: 'b' }], ['a', 'b', 'c']), { total: 3, a: 2, b: 1, c: 0 });
  t.same(statsOf({ calls: { 'z.Op': 2, 'a.Op': 1 }, retries: 1, throttled: 1, backoffMs: 12.6 }), {
    apiCalls: 3,
    callsByOperation: { 'a.Op': 1, 'z.Op': 2 },
    retries: 1,
    throttledRetries: 1,
    backoffMs: 13,
  });
});
