// Several journal entries in one write: one object (all or nothing) keyed by its first entry's
// number, read back with single entries around it, snapshots still taken, and the shared journal's
// handling of an abort written meanwhile.
import t from 'tap';
import type { EntryBody } from '../../../../controller/rollout/journal-model.js';
import { JOURNAL_BATCH_SCHEMA, Journal, SNAPSHOT_EVERY } from '../../../../controller/rollout/journal-store.js';
import { MemoryObjectStore } from '../../../../controller/rollout/object-store.js';
import { appendAbort, SharedJournal } from '../../../../controller/rollout/shared-journal.js';

const now = () => new Date(Date.UTC(2026, 0, 1));
const started: EntryBody = { type: 'started', by: 'ci', waves: [{ name: 'w', targets: ['a', 'b', 'c'] }] };
const before = (target: string): EntryBody => ({ type: 'target-before', target, previous: { kind: 'web' } });

t.test('a batch is one object under its first number; single entries stay as they were', async (t) => {
  const store = new MemoryObjectStore();
  const j = new Journal({ store, prefix: 'p/', now });
  await j.append(started);
  const written = await j.appendMany([{ type: 'wave-started', wave: 'w' }, before('a'), before('b')]);
  t.same(written.map((e) => e.seq), [1, 2, 3]);
  await j.appendMany([before('c')]);
  t.same(await store.list('p/journal/'), ['p/journal/00000000.json', 'p/journal/00000001.json', 'p/journal/00000004.json']);
  const batch = JSON.parse(store.objects.get('p/journal/00000001.json')?.body.toString() ?? '') as { schema: string; entries: unknown[] };
  t.equal(batch.schema, JOURNAL_BATCH_SCHEMA);
  t.equal(batch.entries.length, 3);
  const single = JSON.parse(store.objects.get('p/journal/00000004.json')?.body.toString() ?? '') as { schema: string; type: string };
  const expected = { schema: 'fleetctl.rollout-journal/v1', type: 'target-before', seq: 4 };
  t.match(single, expected, 'a batch of one is written as append writes it');
  const back = await new Journal({ store, prefix: 'p/', now }).load();
  t.equal(back.nextSeq, 5);
  t.same([...back.targets.values()].map((x) => x.previous), [{ kind: 'web' }, { kind: 'web' }, { kind: 'web' }]);
});

t.test('a batch with a bad entry writes nothing; a batch that loses the race writes nothing either', async (t) => {
  const store = new MemoryObjectStore();
  const j = new Journal({ store, prefix: 'p/', now });
  await j.append(started);
  await t.rejects(j.appendMany([before('a'), before('nosuch')]), /target nosuch/);
  t.equal((await store.list('p/journal/')).length, 1);
  t.equal(j.current.nextSeq, 1);
  const other = new Journal({ store, prefix: 'p/', now });
  await other.load();
  await other.append({ type: 'wave-started', wave: 'w' });
  await t.rejects(j.appendMany([before('a'), before('b')]), { code: 'ROLLOUT_LEASE_LOST', message: /wrote entry 1/ });
  t.equal(j.current.targets.get('a')?.previous, undefined, 'the losing batch is not in the state');
});

t.test('a snapshot is taken when a batch crosses a multiple of SNAPSHOT_EVERY, and read back', async (t) => {
  const store = new MemoryObjectStore();
  const j = new Journal({ store, prefix: 'p/', now });
  await j.append(started);
  const aborts = (n: number): EntryBody[] => Array.from({ length: n }, (_, i) => ({ type: 'abort-requested', by: `x${i}`, reason: 'r' }));
  await j.appendMany(aborts(SNAPSHOT_EVERY - 3));
  await j.appendMany(aborts(7)); // entries 98..104: crosses 100
  t.same(await store.list('p/snapshot/'), [`p/snapshot/${String(SNAPSHOT_EVERY + 5).padStart(8, '0')}.json`]);
  await j.append(before('a'));
  const back = await new Journal({ store, prefix: 'p/', now }).load();
  t.equal(back.nextSeq, SNAPSHOT_EVERY + 6);
  t.same(back.targets.get('a')?.previous, { kind: 'web' });
});

t.test('the shared journal lets an abort written meanwhile in and writes its batch after it', async (t) => {
  const store = new MemoryObjectStore();
  const driver = new SharedJournal({ store, prefix: 'r/', now });
  await driver.append(started);
  await appendAbort(new Journal({ store, prefix: 'r/', now }), 'ops', 'stop');
  const written = await driver.appendMany([before('a'), before('b')]);
  t.same(written.map((e) => e.seq), [2, 3]);
  t.same(driver.current.abort, { by: 'ops', reason: 'stop' });
  const other = new Journal({ store, prefix: 'r/', now });
  await other.load();
  await other.append({ type: 'wave-started', wave: 'w' });
  await t.rejects(driver.appendMany([before('c')]), { code: 'ROLLOUT_LEASE_LOST', message: /wrote entry 4 \(wave-started\)/ });
});

t.test('a journal object that is neither an entry nor a batch is reported', async (t) => {
  const store = new MemoryObjectStore();
  await store.put('p/journal/00000000.json', Buffer.from(JSON.stringify({ schema: JOURNAL_BATCH_SCHEMA, entries: [] })));
  const load = new Journal({ store, prefix: 'p/', now }).load();
  await t.rejects(load, { code: 'ROLLOUT_JOURNAL_CORRUPT', message: /neither an entry nor a batch/ });
});
