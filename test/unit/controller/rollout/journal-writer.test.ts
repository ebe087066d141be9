// The journal writer: one write at a time, appends made meanwhile go out together, whole appends
// only; a failed write fails every append it carried.
import t from 'tap';
import type { EntryBody, JournalEntry } from '../../../../controller/rollout/journal-model.js';
import { JOURNAL_BATCH_MAX, JournalWriter } from '../../../../controller/rollout/journal-writer.js';

const entry = (wave: string): EntryBody => ({ type: 'wave-started', wave });

/** A journal whose writes end when the test says so. */
function journal() {
  const writes: { bodies: EntryBody[]; end: (e?: unknown) => void }[] = [];
  return {
    writes,
    appendMany: (bodies: EntryBody[]) =>
      new Promise<JournalEntry[]>((resolve, reject) => writes.push({ bodies, end: (e) => (e ? reject(e) : resolve([])) })),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('appends made while a write is in flight go out together in the next one', async (t) => {
  const j = journal();
  const w = new JournalWriter(j);
  const first = w.append(entry('a'));
  await tick();
  t.equal(j.writes.length, 1);
  const second = w.append(entry('b'), entry('c'));
  const third = w.append(entry('d'));
  j.writes[0]?.end();
  await first;
  await tick();
  t.same(j.writes[1]?.bodies.map((b) => (b as { wave: string }).wave), ['b', 'c', 'd']);
  j.writes[1]?.end();
  await Promise.all([second, third]);
});

t.test('a failed write rejects every append it carried', async (t) => {
  const j = journal();
  const w = new JournalWriter(j);
  const one = w.append(entry('a'));
  await tick();
  j.writes[0]?.end(new Error('gone'));
  await t.rejects(one, /gone/);
});

t.test('a batch holds whole appends, at most JOURNAL_BATCH_MAX entries unless one append is larger', async (t) => {
  const j = journal();
  const w = new JournalWriter(j);
  const first = w.append(entry('x'));
  await tick();
  const big = w.append(...Array.from({ length: JOURNAL_BATCH_MAX + 5 }, (_, i) => entry(`big${i}`)));
  const after = w.append(entry('after'));
  j.writes[0]?.end();
  await first;
  await tick();
  t.equal(j.writes[1]?.bodies.length, JOURNAL_BATCH_MAX + 5, 'one append is never split');
  j.writes[1]?.end();
  await big;
  await tick();
  t.same(j.writes[2]?.bodies, [entry('after')]);
  j.writes[2]?.end();
  await after;
});
