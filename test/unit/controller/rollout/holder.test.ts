import t from 'tap';
import { holderGoneOn, holderOf, parseHolder } from '../../../../controller/rollout/holder.js';

t.test('a holder names identity, host and pid on one line', async (t) => {
  const h = holderOf({ identity: 'arn:aws:sts::1:assumed-role/ci/x', host: 'build\n7', pid: 42 });
  t.equal(h, 'arn:aws:sts::1:assumed-role/ci/x on build-7 pid 42');
  t.same(parseHolder(h), { identity: 'arn:aws:sts::1:assumed-role/ci/x', host: 'build-7', pid: 42 });
  t.equal(parseHolder('someone'), undefined);
});

t.test('only a dead process on this host is gone', async (t) => {
  const gone = holderGoneOn('build-7', (pid) => pid === 1);
  t.equal(gone('me on build-7 pid 42'), true);
  t.equal(gone('me on build-7 pid 1'), false, 'alive');
  t.equal(gone('me on other pid 42'), false, 'another host: cannot tell');
  t.equal(gone('garbage'), false);
});
