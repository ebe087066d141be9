// The driving controller's journal lets an abort request written by someone else in, and stops
// when another controller wrote anything else.
import t from 'tap';
import { MemoryObjectStore } from '../../../../controller/rollout/object-store.js';
import { Journal } from '../../../../controller/rollout/journal-store.js';
import { appendAbort, SharedJournal } from '../../../../controller/rollout/shared-journal.js';

const now = () => new Date(0);
const started = { type: 'started', by: 'a', waves: [{ name: 'w', targets: ['x'] }] } as const;

t.test('an abort written meanwhile is read in and the entry goes after it', async (t) => {
  const store = new MemoryObjectStore();
  const driver = new SharedJournal({ store, prefix: 'r/', now });
  await driver.append(started);
  await appendAbort(new Journal({ store, prefix: 'r/', now }), 'ops', 'bad data');
  const e = await driver.append({ type: 'wave-started', wave: 'w' });
  t.equal(e.seq, 2);
  t.same(driver.current.abort, { by: 'ops', reason: 'bad data' });
  t.same((await new Journal({ store, prefix: 'r/', now }).load()).abort, { by: 'ops', reason: 'bad data' });
});

t.test('another controller driving is ROLLOUT_LEASE_LOST', async (t) => {
  const store = new MemoryObjectStore();
  const driver = new SharedJournal({ store, prefix: 'r/', now });
  await driver.append(started);
  const other = new Journal({ store, prefix: 'r/', now });
  await other.load();
  await other.append({ type: 'wave-started', wave: 'w' });
  await t.rejects(driver.append({ type: 'wave-started', wave: 'w' }), { code: 'ROLLOUT_LEASE_LOST', message: /wrote entry 1 \(wave-started\)/ });
});
