// The credential registry: AWS-looking keys, sessions, lookup, register/revoke.
import t from 'tap';
import { createCredentialRegistry, isSessionPrincipal } from '../../../sandbox/credentials.js';

t.test('long-lived and session keys', async (t) => {
  const reg = createCredentialRegistry();
  const root = reg.issue({ arn: 'arn:aws:iam::111111111111:root', accountId: '111111111111', userId: '111111111111' });
  t.match(root.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
  t.match(root.secretAccessKey, /^[A-Za-z0-9]{40}$/);
  t.equal(root.sessionToken, undefined);
  t.equal(reg.lookup(root.accessKeyId), root);

  const expiresAt = new Date(Date.now() + 3600_000);
  const s = reg.issue({ arn: 'arn:aws:sts::222222222222:assumed-role/r/s', accountId: '222222222222', userId: 'AROAX:s', expiresAt });
  t.match(s.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  t.ok(s.sessionToken && s.sessionToken.length > 100, 'a session token');
  t.equal(s.expiresAt, expiresAt);
  const assumed = reg.issue({ arn: 'arn:aws:sts::222222222222:assumed-role/r/t', accountId: '222222222222', userId: 'AROAX:t' });
  t.match(assumed.accessKeyId, /^ASIA/, 'assumed-role ARNs get session keys');
  const given = reg.issue({ arn: 'arn:aws:iam::1:user/u', accountId: '1', userId: 'AIDA', sessionToken: 'tok' });
  t.equal(given.sessionToken, 'tok', 'a supplied token is kept');

  t.equal(reg.lookup('AKIANOTISSUED0000000'), undefined);
  t.equal(new Set(Array.from({ length: 200 }, () => reg.issue({ arn: 'arn:aws:iam::1:user/x', accountId: '1', userId: 'x' }).accessKeyId)).size, 200, 'unique ids');
});

t.test('register, revoke, list; deterministic randomness', async (t) => {
  const reg = createCredentialRegistry({ randomBytes: (n) => Buffer.alloc(n, 7) });
  const p = reg.register({ accessKeyId: 'AKIAFIXED', secretAccessKey: 's', arn: 'arn:aws:iam::1:root', accountId: '1', userId: '1' });
  t.equal(reg.lookup('AKIAFIXED'), p);
  const a = reg.issue({ arn: 'arn:aws:iam::1:user/a', accountId: '1', userId: 'a' });
  t.equal(a.accessKeyId, 'AKIAHHHHHHHHHHHHHHHH');
  t.same(reg.list().map((x) => x.accessKeyId).sort(), ['AKIAFIXED', 'AKIAHHHHHHHHHHHHHHHH']);
  t.ok(reg.revoke('AKIAFIXED'));
  t.notOk(reg.revoke('AKIAFIXED'));
  t.equal(reg.lookup('AKIAFIXED'), undefined);
});

t.test('isSessionPrincipal', async (t) => {
  t.notOk(isSessionPrincipal({ arn: 'arn:aws:iam::1:user/a', accountId: '1', userId: 'a' }));
  t.ok(isSessionPrincipal({ arn: 'arn:aws:iam::1:user/a', accountId: '1', userId: 'a', expiresAt: new Date() }));
});
