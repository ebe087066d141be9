import t from 'tap';
import { EdgeError, isEdgeError } from '../../../../shared/errors.js';
import { RoleSession } from '../../../../controller/aws/role-session.js';
import type { AssumeRoleInput, StsPort } from '../../../../controller/aws/ports.js';

const ROLE = { roleArn: 'arn:aws:iam::222222222222:role/Deployer', sessionName: 'fleetctl', externalId: 'ext-1' };

function fakeSts(now: () => number, fail?: EdgeError) {
  const calls: AssumeRoleInput[] = [];
  const sts: StsPort = {
    getCallerIdentity: async () => ({ account: '1', arn: 'a', userId: 'u' }),
    assumeRole: async (input) => {
      calls.push(input);
      await new Promise((r) => setImmediate(r));
      if (fail) throw fail;
      const n = calls.length;
      return { credentials: { accessKeyId: `ASIA${n}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(now() + 3600_000) }, assumedRoleArn: 'x' };
    },
  };
  return { sts, calls };
}

t.test('caches, refreshes 5 minutes before expiry, and shares a refresh between callers', async (t) => {
  let now = 0;
  const { sts, calls } = fakeSts(() => now);
  const s = new RoleSession(ROLE, { sts: () => sts, clock: () => now });
  const [a, b] = await Promise.all([s.credentials(), s.credentials()]);
  t.equal(calls.length, 1, 'concurrent first calls share one AssumeRole');
  t.equal(a.accessKeyId, b.accessKeyId);
  t.same(calls[0], ROLE, 'ExternalId and session name are passed');
  now = 3600_000 - 5 * 60_000 - 1;
  t.equal((await s.credentials()).accessKeyId, 'ASIA1', 'still cached just before the refresh window');
  now += 2;
  t.equal((await s.credentials()).accessKeyId, 'ASIA2', 'refreshed inside the window');
  s.invalidate();
  t.equal((await s.credentials()).accessKeyId, 'ASIA3', 'invalidate forces a new session');
  t.equal(s.assumeCount, 3);
});

t.test('a denied AssumeRole becomes AWS_ASSUME_ROLE_FAILED; throttling stays itself', async (t) => {
  const denied = new EdgeError('AWS_ACCESS_DENIED', 'sts AssumeRole failed: AccessDenied', { details: { requestId: 'r1' } });
  const s = new RoleSession(ROLE, { sts: () => fakeSts(() => 0, denied).sts, clock: () => 0 });
  const e = await s.credentials().catch((x: unknown) => x);
  t.ok(isEdgeError(e, 'AWS_ASSUME_ROLE_FAILED'));
  t.match(e, { message: /Deployer with its ExternalId/, details: { roleArn: ROLE.roleArn, requestId: 'r1' }, cause: denied });
  const throttled = new EdgeError('AWS_THROTTLED', 'slow');
  const s2 = new RoleSession(ROLE, { sts: () => fakeSts(() => 0, throttled).sts, clock: () => 0 });
  await t.rejects(s2.credentials(), throttled);
  await t.rejects(s2.credentials(), throttled, 'a failed refresh is not cached');
});
