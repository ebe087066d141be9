import t from 'tap';
import { Journal, SNAPSHOT_EVERY } from '../../../../controller/rollout/journal-store.js';
import { MemoryObjectStore } from '../../../../controller/rollout/object-store.js';

const started = { type: 'started', by: 'ci', waves: [{ name: 'w', targets: ['a', 'b'] }] } as const;
const now = () => new Date(Date.UTC(2026, 0, 1));

t.test('entries are written once each, read back and folded', async (t) => {
  const store = new MemoryObjectStore();
  const j = new Journal({ store, prefix: 'app/v1/rollouts/prod/', now });
  await j.append(started);
  await j.append({ type: 'wave-started', wave: 'w' });
  await j.append({ type: 'target-intent', target: 'a', attempt: 1, token: 'tok' });
  t.same(await store.list('app/v1/rollouts/prod/journal/'), ['app/v1/rollouts/prod/journal/00000000.json', 'app/v1/rollouts/prod/journal/00000001.json', 'app/v1/rollouts/prod/journal/00000002.json']);
  const again = new Journal({ store, prefix: 'app/v1/rollouts/prod/', now });
  const state = await again.load();
  t.equal(state.targets.get('a')?.status, 'intent');
  t.equal(state.nextSeq, 3);
  t.equal(again.location, 'memory://app/v1/rollouts/prod/journal/');
});

t.test('a second writer of the same sequence number loses, and says so', async (t) => {
  const store = new MemoryObjectStore();
  const a = new Journal({ store, prefix: 'p/', now });
  const b = new Journal({ store, prefix: 'p/', now });
  await a.append(started);
  await t.rejects(b.append(started), { code: 'ROLLOUT_LEASE_LOST', message: /another controller wrote entry 0/ });
});

t.test('snapshots keep read-back short and agree with the entries', async (t) => {
  const store = new MemoryObjectStore();
  const j = new Journal({ store, prefix: 'p/', now });
  await j.append(started);
  for (let i = 1; i < SNAPSHOT_EVERY + 5; i++) await j.append({ type: 'abort-requested', by: `x${i}`, reason: 'r' });
  t.same(await store.list('p/snapshot/'), [`p/snapshot/${String(SNAPSHOT_EVERY).padStart(8, '0')}.json`]);
  let gets = 0;
  const counting = Object.assign(Object.create(store) as MemoryObjectStore, { get: (k: string) => (gets++, store.get(k)) });
  const state = await new Journal({ store: counting, prefix: 'p/', now }).load();
  t.equal(state.nextSeq, SNAPSHOT_EVERY + 5);
  t.equal(state.abort?.by, `x${SNAPSHOT_EVERY + 4}`);
  t.equal(gets, 6, 'one snapshot and the five entries after it');
});

t.test('a damaged journal is reported, not guessed', async (t) => {
  const store = new MemoryObjectStore();
  const j = new Journal({ store, prefix: 'p/', now });
  await j.append(started);
  await j.append({ type: 'wave-started', wave: 'w' });
  store.objects.delete('p/journal/00000000.json');
  await t.rejects(new Journal({ store, prefix: 'p/', now }).load(), { code: 'ROLLOUT_JOURNAL_CORRUPT', message: /entry 1 found where 0 was expected/ });
  await store.put('p/journal/00000000.json', Buffer.from('{"schema":"other"}'));
  await t.rejects(new Journal({ store, prefix: 'p/', now }).load(), { code: 'ROLLOUT_JOURNAL_CORRUPT', message: /schema other/ });
});
