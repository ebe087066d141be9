// The safety part of a rollout's summary, from journals written by hand: what it waits for (and
// when a pause has not taken effect yet), the exit codes of start and status, the rollback per
// target with its deployments, and text free of the control characters a journal may carry.
import t from 'tap';
import { foldJournal, type EntryBody, type JournalEntry } from '../../../../controller/rollout/journal-model.js';
import { renderSummary } from '../../../../controller/rollout/render.js';
import { exitOfState, stateName, statusExitOfState, summarize } from '../../../../controller/rollout/summary.js';

const ID = 'app@v1@prod';
const at = '2026-01-01T00:00:00Z';
const waves = [
  { name: 'canary', targets: ['pis-1'] },
  { name: 'rest', targets: ['pis-2', 'web'] },
];

function entries(...bodies: EntryBody[]): JournalEntry[] {
  return [{ type: 'started', by: 'ci', waves } as EntryBody, ...bodies].map((b, seq) => ({ ...b, seq, at }) as JournalEntry);
}

const summaryOf = (e: JournalEntry[]) => summarize(ID, foldJournal(e), e, 's3://b/j/');

const canaryDone: EntryBody[] = [
  { type: 'wave-started', wave: 'canary' },
  { type: 'target-before', target: 'pis-1', previous: { kind: 'revision', revision: { bucket: 'b', key: 'v0.tgz', bundleType: 'tgz' } } },
  { type: 'target-started', target: 'pis-1', attempt: 1, ref: { kind: 'deployment', deploymentId: 'd-1' } },
  { type: 'target-finished', target: 'pis-1', outcome: 'succeeded' },
];
const passed: EntryBody[] = [...canaryDone, { type: 'wave-finished', wave: 'canary', outcome: 'passed', failed: 0, allowed: 0 }];

t.test('a pause asked for during a wave shows, but the rollout waits only once the wave ended', async (t) => {
  const during = summaryOf(entries(...canaryDone, { type: 'pause-requested', by: 'ops', reason: 'lunch' }));
  t.equal(during.state, 'running');
  t.notOk(during.waiting);
  t.match(during.paused, { by: 'ops', reason: 'lunch' });
  t.match(renderSummary(during), /paused by ops at \S+: lunch \(no further wave starts; the wave in progress ends first\)/);
  const after = summaryOf(entries(...passed, { type: 'pause-requested', by: 'ops' }));
  t.equal(after.state, 'paused');
  t.match(after.waiting, { for: 'resume', wave: 'rest', command: `fleetctl rollout resume ${ID}` });
  t.equal(exitOfState(after.state), 3, 'start exits 3');
  t.equal(statusExitOfState(after.state), 0, 'status exits 0');
  const aborted = entries(...passed, { type: 'pause-requested', by: 'ops' }, { type: 'abort-requested', by: 'ops', reason: 'no' });
  t.equal(stateName(foldJournal(aborted)), 'running', 'an abort is not waited on: the next controller ends the rollout');
});

t.test('approval: requested and waiting, then approved (no longer waiting)', async (t) => {
  const waiting = summaryOf(entries(...passed, { type: 'approval-requested', wave: 'rest' }));
  t.equal(waiting.state, 'waiting-approval');
  t.equal(exitOfState(waiting.state), 3);
  t.same(waiting.waves[1]?.approval, { requested: true });
  t.match(renderSummary(waiting), /wave rest: pending\n[\s\S]*approval: waiting \(`fleetctl rollout approve app@v1@prod --wave rest`\)/);
  const approval: EntryBody = { type: 'approved', wave: 'rest', by: 'arn:aws:iam::1:user/lead', comment: 'ok' };
  const approved = summaryOf(entries(...passed, { type: 'approval-requested', wave: 'rest' }, approval));
  t.equal(approved.state, 'running');
  t.notOk(approved.waiting);
  t.same(approved.waves[1]?.approval, { requested: true, approved: { by: 'arn:aws:iam::1:user/lead', at, comment: 'ok' } });
});

t.test('a rollback in progress: the halt, each target with its action, status and deployment', async (t) => {
  const failed = '1 of 1 devices unhealthy (100%)';
  const detail = 'pi-1: unhealthy\x07';
  const result = { gate: 'device-health', passed: false, value: failed, threshold: 'at most 0 unhealthy', detail } as const;
  const reason = `wave canary: gate failed after its deployments: device-health: ${failed}`;
  const bodies: EntryBody[] = [
    ...canaryDone,
    { type: 'gates-checked', wave: 'canary', phase: 'deployed', passed: false, results: [result] },
    { type: 'wave-finished', wave: 'canary', outcome: 'halted', failed: 0, allowed: 0, reason },
    { type: 'rollback-planned', policy: 'all', targets: [{ target: 'pis-1', action: 'rollback' }] },
    { type: 'rollback-intent', target: 'pis-1', token: 'tok' },
    { type: 'rollback-started', target: 'pis-1', ref: { kind: 'deployment', deploymentId: 'd-back\x1b[2J' } },
  ];
  const s = summaryOf(entries(...bodies));
  t.equal(s.state, 'running');
  t.match(s.halt, { wave: 'canary', gates: [{ gate: 'device-health', value: failed }] });
  const ref = { kind: 'deployment', deploymentId: 'd-back\x1b[2J' };
  t.same(s.rollback, { policy: 'all', targets: [{ name: 'pis-1', action: 'rollback', status: 'in-progress', ref }] });
  const text = renderSummary(s);
  t.match(text, /halted in wave canary: wave canary: gate failed[^\n]*; the failing gates:\n {4}device-health: 1 of 1 devices unhealthy/);
  t.match(text, /\n {4}device-health: 1 of 1 devices unhealthy \(100%\) \(passes: at most 0 unhealthy\)\n/);
  t.match(text, /rollback \(policy all\):\n {4}pis-1 +rolling back +deployment d-back\?\[2J/);
  t.match(text, /\| pi-1: unhealthy\?/);
  t.notOk(text.includes('\x07') || text.includes('\x1b'), 'no control character reaches the terminal');
  const finished: EntryBody[] = [
    { type: 'rollback-finished', target: 'pis-1', outcome: 'succeeded' },
    { type: 'finished', outcome: 'halted', reason: 'x' },
  ];
  const done = summaryOf(entries(...bodies, ...finished));
  t.equal(done.state, 'halted');
  t.match(done.rollback?.targets, [{ name: 'pis-1', status: 'succeeded' }]);
  t.match(renderSummary(done), /pis-1 +rolled back +deployment/);
});
