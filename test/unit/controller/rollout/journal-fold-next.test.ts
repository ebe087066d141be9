// foldNext: one entry onto a state gives what folding every entry again gives, and leaves the
// state it started from as it was (a controller holds it while the next entry is written).
import t from 'tap';
import { foldJournal, foldNext } from '../../../../controller/rollout/journal-model.js';
import type { EntryBody, JournalEntry, RolloutState } from '../../../../controller/rollout/journal-model.js';

const at = '2026-01-01T00:00:00Z';
const ref = (n: string) => ({ kind: 'change-set' as const, stackId: `id-${n}`, changeSetName: `cs-${n}` });
const bodies: EntryBody[] = [
  { type: 'started', by: 'ci', waves: [{ name: 'a', targets: ['t1', 't2'] }, { name: 'b', targets: ['t3'] }] },
  { type: 'wave-started', wave: 'a' },
  { type: 'target-before', target: 't1', previous: { kind: 'stack', exists: false } },
  { type: 'target-before', target: 't2', previous: { kind: 'web' } },
  { type: 'target-intent', target: 't1', attempt: 1, token: 'k1' },
  { type: 'target-intent', target: 't2', attempt: 1, token: 'k2' },
  { type: 'target-started', target: 't1', attempt: 1, ref: ref('1') },
  { type: 'target-started', target: 't2', attempt: 1, ref: ref('2'), adopted: true },
  { type: 'target-finished', target: 't2', outcome: 'failed', reason: 'boom' },
  { type: 'target-finished', target: 't1', outcome: 'succeeded', outputs: { Url: 'u' } },
  { type: 'wave-finished', wave: 'a', outcome: 'passed', failed: 1, allowed: 1 },
  { type: 'abort-requested', by: 'ops', reason: 'enough' },
  { type: 'wave-started', wave: 'b' },
  { type: 'finished', outcome: 'aborted', reason: 'enough' },
];
const entries: JournalEntry[] = bodies.map((b, seq) => ({ ...b, seq, at }) as JournalEntry);

/** A plain copy to compare states by value (Maps as entry lists). */
const plain = (s: RolloutState): unknown => JSON.parse(JSON.stringify({ ...s, targets: [...s.targets] })) as unknown;

t.test('entry by entry, foldNext agrees with foldJournal and changes no earlier state', async (t) => {
  let state = foldJournal([]);
  for (let i = 0; i < entries.length; i++) {
    const before = plain(state);
    const next = foldNext(state, entries[i]!);
    t.same(plain(next), plain(foldJournal(entries.slice(0, i + 1))), `after entry ${i} (${entries[i]!.type})`);
    t.same(plain(state), before, `entry ${i} left the state it was applied to unchanged`);
    state = next;
  }
  t.equal(state.nextSeq, entries.length);
  t.equal(state.waves[0]?.failed, 1);
});

t.test('an entry out of sequence is refused as the fold refuses it', async (t) => {
  const state = foldJournal(entries.slice(0, 2));
  t.throws(() => foldNext(state, { ...entries[3]!, seq: 3 }), /journal entry 3 found where 2 was expected/);
  t.throws(() => foldNext(state, { type: 'target-before', target: 'nosuch', previous: { kind: 'web' }, seq: 2, at }), /target nosuch/);
});
