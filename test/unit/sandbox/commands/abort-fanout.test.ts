// One abort listener per signal, however many watchers.
import t from 'tap';
import { AbortFanout } from '../../../../sandbox/commands/abort-fanout.js';

t.test('every watcher runs once on abort; unwatched ones do not; the listener goes with the last', async (t) => {
  const fanout = new AbortFanout();
  const ac = new AbortController();
  let added = 0;
  let removed = 0;
  const add = ac.signal.addEventListener.bind(ac.signal);
  const remove = ac.signal.removeEventListener.bind(ac.signal);
  ac.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
  ac.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
  const ran: number[] = [];
  const unwatch = Array.from({ length: 5000 }, (_, i) => fanout.watch(ac.signal, () => ran.push(i)));
  t.equal(added, 1, 'one listener for 5,000 watchers');
  unwatch[1]!();
  unwatch[1]!();
  ac.abort();
  t.equal(ran.length, 4999);
  t.notOk(ran.includes(1));
  ac.abort();
  t.equal(ran.length, 4999, 'once');
  const other = new AbortController();
  const u = fanout.watch(other.signal, () => ran.push(-1));
  u();
  t.equal(removed, 0, 'the first signal kept its once-listener until it fired');
  other.abort();
  t.notOk(ran.includes(-1), 'the last unwatch removed the listener');
});
