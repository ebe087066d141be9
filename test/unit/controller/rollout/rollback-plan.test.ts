// Which targets a halted rollout puts back, and why the others are not.
import t from 'tap';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import { foldJournal, type EntryBody, type JournalEntry } from '../../../../controller/rollout/journal-model.js';
import { effectivePolicy, planRollback, rollbackToken } from '../../../../controller/rollout/rollback-plan.js';
import { planRollout } from '../../../../controller/rollout/plan.js';

const YML = `application: aq
region: us-east-1
release: { bucket: acme-releases, parts: { device: ./device, stack: { template: t.yaml }, web: web } }
targets:
  pis: { kind: devices, deployment_group: g, select: { fleet: aq } }
  manual-pis: { kind: devices, deployment_group: g2, select: { fleet: aq2 }, auto_rollback: false }
  stack: { kind: stack, stack: aq }
  site: { kind: web, bucket: site }
environments:
  - name: production
    match: 'v*'
    waves: [ { name: one, targets: [pis, manual-pis, stack, site], max_failed: 4 } ]
`;

function setup() {
  const c = parseRolloutConfig(YML);
  if (!c.ok) throw new Error(JSON.stringify(c.problems));
  const p = planRollout(c.config, 'v2.0.0');
  if (!p.ok) throw new Error(p.reason);
  const journal: JournalEntry[] = [];
  const add = (b: EntryBody): void => void journal.push({ ...b, seq: journal.length, at: 'x' } as JournalEntry);
  add({ type: 'started', by: 't', waves: [{ name: 'one', targets: ['pis', 'manual-pis', 'stack', 'site'] }] });
  add({ type: 'wave-started', wave: 'one' });
  return { plan: p.plan, journal, add };
}

t.test('failed targets: CodeDeploy and CloudFormation undo their own; the rest is put back', async (t) => {
  const { plan, journal, add } = setup();
  const rev = { kind: 'revision' as const, revision: { bucket: 'b', key: 'v1.tgz', bundleType: 'tgz' as const } };
  add({ type: 'target-before', target: 'pis', previous: rev });
  add({ type: 'target-before', target: 'manual-pis', previous: rev });
  add({ type: 'target-before', target: 'stack', previous: { kind: 'stack', exists: true, parameters: {}, templateKey: 'k' } });
  add({ type: 'target-before', target: 'site', previous: { kind: 'web', release: 'v1.0.0' } });
  for (const x of ['pis', 'manual-pis', 'stack', 'site']) add({ type: 'target-intent', target: x, attempt: 1, token: `tok-${x}` });
  for (const x of ['pis', 'manual-pis', 'stack']) add({ type: 'target-started', target: x, attempt: 1, ref: { kind: 'deployment', deploymentId: `d-${x}` } });
  for (const x of ['pis', 'manual-pis', 'stack']) add({ type: 'target-finished', target: x, outcome: 'failed', reason: 'bad' });
  // the web copy failed partway: no reference, but files may have changed
  add({ type: 'target-finished', target: 'site', outcome: 'failed', reason: 'AccessDenied halfway' });
  const state = foldJournal(journal);
  const planned = planRollback(plan, state, 'failed', 'one');
  t.same(
    planned.map((p) => [p.target, p.action]),
    [
      ['pis', 'by-service'],
      ['manual-pis', 'rollback'],
      ['stack', 'by-service'],
      ['site', 'rollback'],
    ],
  );
  t.same(planRollback(plan, state, 'none', 'one'), []);
  t.equal(effectivePolicy(plan, state), 'all');
  t.equal(rollbackToken('aq@v2.0.0@production', 'site'), 'aq@v2.0.0@production#site#rollback');
});

t.test('nothing before, a stack that did not exist, the same release: reported, not guessed', async (t) => {
  const { plan, journal, add } = setup();
  add({ type: 'target-before', target: 'pis', previous: { kind: 'revision' } });
  add({ type: 'target-before', target: 'stack', previous: { kind: 'stack', exists: false } });
  add({ type: 'target-before', target: 'site', previous: { kind: 'web', release: 'v2.0.0' } });
  for (const x of ['pis', 'stack', 'site']) {
    add({ type: 'target-intent', target: x, attempt: 1, token: `tok-${x}` });
    add({ type: 'target-started', target: x, attempt: 1, ref: { kind: 'deployment', deploymentId: `d-${x}` } });
    add({ type: 'target-finished', target: x, outcome: 'succeeded' });
  }
  const planned = planRollback(plan, foldJournal(journal), 'all', 'one');
  t.match(planned, [
    { target: 'pis', action: 'skip', reason: /no successful deployment before/ },
    { target: 'stack', action: 'skip', reason: /did not exist before/ },
    { target: 'site', action: 'skip', reason: /held release v2.0.0 already/ },
  ]);
  t.notOk(planned.some((p) => p.target === 'manual-pis'), 'a target never started changed nothing');
});

t.test('an abort rolls back only when it asks to', async (t) => {
  const { plan, journal, add } = setup();
  add({ type: 'abort-requested', by: 'ops', reason: 'stop' });
  t.equal(effectivePolicy(plan, foldJournal(journal)), 'none');
  add({ type: 'abort-requested', by: 'ops', reason: 'stop', rollback: true });
  t.equal(effectivePolicy(plan, foldJournal(journal)), 'all');
});

t.test('a failed ring whose revision came from the base group is put back by the controller', async (t) => {
  const { plan, journal, add } = setup();
  const revision = { bucket: 'b', key: 'v1.tgz', bundleType: 'tgz' as const };
  // CodeDeploy rolls a group back to the group's own last success: a new ring group has none
  add({ type: 'target-before', target: 'pis', previous: { kind: 'revision', revision, fromGroup: 'g-base' } });
  add({ type: 'target-intent', target: 'pis', attempt: 1, token: 'tok' });
  add({ type: 'target-started', target: 'pis', attempt: 1, ref: { kind: 'deployment', deploymentId: 'd-1' } });
  add({ type: 'target-finished', target: 'pis', outcome: 'failed', reason: 'bad' });
  t.same(planRollback(plan, foldJournal(journal), 'failed', 'one'), [{ target: 'pis', action: 'rollback' }]);
});
