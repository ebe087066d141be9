// The journal's outputs: a succeeded target's fact carries them (bounded), the fold keeps them, and a
// journal written before outputs existed still reads.
import t from 'tap';
import { boundOutputs, foldJournal, type JournalEntry } from '../../../../controller/rollout/journal-model.js';

const at = '2026-01-01T00:00:00Z';
const head: JournalEntry[] = [
  { type: 'started', by: 'ci', waves: [{ name: 'tenants', targets: ['t1-stack', 't1-web'] }], seq: 0, at },
  { type: 'wave-started', wave: 'tenants', seq: 1, at },
  { type: 'target-intent', target: 't1-stack', attempt: 1, token: 'tok', seq: 2, at },
  { type: 'target-started', target: 't1-stack', attempt: 1, ref: { kind: 'change-set', stackId: 'id', changeSetName: 'cs' }, seq: 3, at },
];

t.test('the fold keeps the outputs of a finished target', async (t) => {
  const outputs = { Url: 'https://t1.example', Version: 'v1' };
  const finished: JournalEntry = {
    type: 'target-finished', target: 't1-stack', outcome: 'succeeded', outputs, outputsOmitted: 2, seq: 4, at,
  };
  const state = foldJournal([...head, finished]);
  t.same(state.targets.get('t1-stack')?.outputs, outputs);
  t.equal(state.targets.get('t1-stack')?.outputsOmitted, 2);
});

t.test('an entry written before outputs existed reads as it did', async (t) => {
  // the exact document an older controller wrote, without `outputs`
  const text = '{"type":"target-finished","target":"t1-stack","outcome":"succeeded","seq":4,"at":"2025-12-01T00:00:00Z"}';
  const old = JSON.parse(text) as JournalEntry;
  const target = foldJournal([...head, old]).targets.get('t1-stack');
  t.equal(target?.status, 'succeeded');
  t.notOk(target && 'outputs' in target, 'no outputs invented');
  t.notOk(target && 'outputsOmitted' in target);
});

t.test('boundOutputs keeps whole pairs in key order within the budget and counts the rest', async (t) => {
  t.same(boundOutputs({ B: '2', A: '1' }), { outputs: { A: '1', B: '2' } }, 'small outputs are kept whole, nothing counted');
  t.same(boundOutputs({}), { outputs: {} });
  // "A" + "xxxx" as JSON is 3 + 6 bytes: a budget of 20 takes two such pairs, not three
  const r = boundOutputs({ C: 'xxxx', A: 'xxxx', B: 'xxxx' }, 20);
  t.same(r, { outputs: { A: 'xxxx', B: 'xxxx' }, outputsOmitted: 1 });
  const oneTooBig = boundOutputs({ A: 'x'.repeat(100), B: 'small' }, 30);
  t.same(oneTooBig, { outputs: { B: 'small' }, outputsOmitted: 1 }, 'a large value does not push out the smaller ones after it');
  const escaped = boundOutputs({ A: '\u0000'.repeat(4) }, 20);
  t.equal(escaped.outputsOmitted, 1, 'measured as the JSON written (escapes count)');
  const proto = boundOutputs(JSON.parse('{"__proto__":"v"}') as Record<string, string>);
  t.equal(Object.getPrototypeOf(proto.outputs), Object.prototype, 'a hostile key is an own key, not a prototype');
  t.equal(Object.keys(proto.outputs).length, 1);
});
