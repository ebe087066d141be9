// A stack's outputs in `rollout status`: all journaled ones in the JSON summary, a short line under the
// target in text (a few, each value clipped, the rest counted), nothing for targets without outputs.
import t from 'tap';
import { foldJournal, type JournalEntry } from '../../../../controller/rollout/journal-model.js';
import { OUTPUTS_SHOWN, outputsLine, renderSummary } from '../../../../controller/rollout/render.js';
import { summarize } from '../../../../controller/rollout/summary.js';

const at = '2026-01-01T00:00:00Z';
const ref = { kind: 'change-set', stackId: 'arn:stack/t1', changeSetName: 'fleetctl-abc' } as const;
const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`Out${String(i).padStart(2, '0')}`, `value-${i}`]));

function journal(outputs: Record<string, string>, omitted?: number): JournalEntry[] {
  return [
    { type: 'started', by: 'ci', waves: [{ name: 'tenants', targets: ['t1-stack', 't1-web'] }], seq: 0, at },
    { type: 'wave-started', wave: 'tenants', seq: 1, at },
    { type: 'target-started', target: 't1-stack', attempt: 1, ref, seq: 2, at },
    { type: 'target-finished', target: 't1-stack', outcome: 'succeeded', outputs,
      ...(omitted ? { outputsOmitted: omitted } : {}), seq: 3, at },
    { type: 'target-started', target: 't1-web', attempt: 1, ref: { kind: 'copy', objects: 3 }, seq: 4, at },
    { type: 'target-finished', target: 't1-web', outcome: 'succeeded', seq: 5, at },
  ];
}

const summaryOf = (entries: JournalEntry[]) => summarize('app@v1@prod', foldJournal(entries), entries, 's3://b/j/');

t.test('the JSON summary carries every journaled output of a stack target', async (t) => {
  const s = summaryOf(journal(many, 3));
  const [stack, web] = s.waves[0]?.targets ?? [];
  t.same(stack?.outputs, many);
  t.equal(stack?.outputsOmitted, 3);
  t.notOk(web && 'outputs' in web, 'a web target has no outputs');
  t.same(JSON.parse(JSON.stringify(s)).waves[0].targets[0].outputs, many, 'survives as JSON');
});

t.test('text shows a short outputs line under the stack target', async (t) => {
  const text = renderSummary(summaryOf(journal({ Url: 'https://t1.example/app', Version: 'v1' })));
  t.match(text, /\n {4}t1-stack +succeeded +change set fleetctl-abc\n {6}outputs: Url=https:\/\/t1\.example\/app, Version=v1\n/);
  t.notMatch(text, /t1-web[^\n]*\n {6}outputs/, 'none under the web target');
});

t.test('text caps how many outputs and how much of each value it shows', async (t) => {
  const line = outputsLine({ outputs: { ...many, Long: 'y'.repeat(500), Evil: 'a\nb\u001b[2J' }, outputsOmitted: 2 }) ?? '';
  t.equal((line.match(/=/g) ?? []).length, OUTPUTS_SHOWN, `${OUTPUTS_SHOWN} outputs shown`);
  t.match(line, /… 9 more in --json, 2 too large for the journal/);
  t.ok(line.length < 400, `one short line (${line.length} characters)`);
  const clipped = outputsLine({ outputs: { Long: 'y'.repeat(500), Evil: 'a\nb\u001b[2J' } }) ?? '';
  t.match(clipped, /Long=y{59}…/);
  t.notOk(clipped.includes('\n') || clipped.includes('\u001b'), 'no control characters reach the terminal');
  t.equal(outputsLine({ outputs: {} }), 'outputs: none');
  t.equal(outputsLine({}), undefined);
});
