// The report model from journals written by hand: the waves' and targets' times from the entries,
// rings, approvals, pauses, aborts, the halt and the rollback per target, device health counts read
// back from the gate's value, console links per kind of deployment (and none without a region),
// and a report of a journal without the plan (only --bucket at hand).
import t from 'tap';
import { foldJournal } from '../../../../controller/rollout/journal-model.js';
import { consoleLink } from '../../../../controller/rollout/report-links.js';
import { buildReport, deviceHealthCounts, durationText, type ReportWave } from '../../../../controller/rollout/report-model.js';
import { APPROVER, ID, input, journal, STACK_ID } from './report-fixtures.js';

t.test('a halted rollout: outcome, times, rings, approvals, pause, halt and rollback', async (t) => {
  const m = buildReport(input());
  t.match(m, {
    rolloutId: ID,
    application: 'air-quality',
    release: 'v1.4.0',
    environment: 'production',
    outcome: 'halted',
    reason: 'wave tenants halted: Resource Disk failed: disk full',
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: '2026-03-01T10:00:28.000Z',
    seconds: 28,
    generatedAt: '2026-03-01T11:00:00.000Z',
    counts: { targets: 4, succeeded: 3, failed: 1, pending: 0 },
  });
  t.match(m.waves[0], {
    name: 'canary', status: 'passed', startedAt: '2026-03-01T10:00:01.000Z', endedAt: '2026-03-01T10:00:07.000Z', seconds: 6,
    gatesPlanned: [{ gate: 'device-health', threshold: /at most 0 of the wave's devices unhealthy/ }],
  });
  t.match(m.waves[0]?.targets[0], {
    name: 'pis@ring1', kind: 'devices', region: 'us-east-1', ring: { base: 'pis', index: 1 }, seconds: 2,
    deployed: 'deployment d-CANARY01', replaced: 's3://acme-releases/v1.3.0/d.tgz',
  });
  const [ring2, stack, web] = m.waves[1]?.targets ?? [];
  t.match(ring2, { status: 'succeeded', ring: { base: 'pis', index: 2 }, startedAt: '2026-03-01T10:00:13.000Z', endedAt: '2026-03-01T10:00:20.000Z' });
  t.match(stack, { status: 'failed', kind: 'stack', account: '222222222222', region: 'eu-west-1', reason: 'Resource Disk failed: disk full' });
  t.match(web, { kind: 'web', deployed: '12 object(s) copied', link: { label: 'S3 s3://unicorn-site/site/' } });
  t.same(m.approvals, [{ wave: 'tenants', requestedAt: '2026-03-01T10:00:08.000Z', by: APPROVER, at: '2026-03-01T10:00:11.000Z', comment: 'canaries look fine' }]);
  t.match(m.pauses, [{ by: /user\/ops$/, at: '2026-03-01T10:00:09.000Z', reason: 'canaries look fine', resumedAt: '2026-03-01T10:00:10.000Z' }]);
  t.same(m.aborts, []);
  t.match(m.halt, { wave: 'tenants', gates: [{ gate: 'alarms', target: 'unicorn-web', passed: false }] });
  t.match(m.rollback, {
    policy: 'all',
    targets: [
      { name: 'pis@ring1', action: 'rollback', status: 'succeeded', deployed: 'deployment d-BACK01', link: { url: /deployments\/d-BACK01\?region=us-east-1$/ } },
      { name: 'unicorn', action: 'by-service', status: 'by-service', reason: 'CloudFormation rolled the stack back' },
      { name: 'unicorn-web', action: 'skip', status: 'skipped' },
    ],
  });
  t.same(m.deviceHealth, [{ wave: 'canary', phase: 'deployed', at: '2026-03-01T10:00:06.000Z', passed: true, devices: 2, healthy: 2, unhealthy: 0, unknown: 0 }]);
});

t.test('a rollout waiting for approval: not finished, the wave pending, the approval not given', async (t) => {
  const m = buildReport(input(undefined, 9));
  t.equal(m.outcome, 'waiting-approval');
  t.notOk(m.finishedAt);
  t.notOk(m.seconds);
  t.match(m.waiting, { for: 'approval', wave: 'tenants', command: `fleetctl rollout approve ${ID} --wave tenants` });
  t.same(m.approvals, [{ wave: 'tenants', requestedAt: '2026-03-01T10:00:08.000Z' }]);
  t.match(m.waves[1], { status: 'pending', targets: [{ status: 'pending' }, { status: 'pending' }, { status: 'pending' }] });
  t.notOk(m.waves[1]?.startedAt);
});

t.test('an abort is listed with who, when, why and whether it rolls back', async (t) => {
  const entries = journal([
    { type: 'started', by: 'ci', waves: [{ name: 'w', targets: ['a'] }] },
    { type: 'abort-requested', by: 'ops', reason: 'wrong release', rollback: true },
    { type: 'finished', outcome: 'aborted', reason: 'aborted by ops' },
  ]);
  const m = buildReport({ rolloutId: 'app@v1@prod', state: foldJournal(entries), entries, journal: 's3://b/j/', now: new Date(0) });
  t.same(m.aborts, [{ by: 'ops', at: '2026-03-01T10:00:01.000Z', reason: 'wrong release', rollback: true }]);
  t.equal(m.outcome, 'aborted');
});

t.test('without the plan: no kinds, regions or deployment links; a stack link from its ARN; rings from the names', async (t) => {
  const m = buildReport(input(undefined, Infinity, false));
  const [ring2, stack] = m.waves[1]?.targets ?? [];
  t.notOk(ring2?.kind);
  t.notOk(ring2?.link, 'a deployment needs the target\'s region');
  t.match(ring2?.ring, { base: 'pis', index: 2 });
  t.match(stack?.link, { url: /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudformation\// });
  t.same(m.waves[0]?.gatesPlanned, []);
});

t.test('console links: each kind, encoded ids, and none for a region that is not one', async (t) => {
  const devices = { kind: 'devices', region: 'eu-central-1' } as Parameters<typeof consoleLink>[1];
  t.same(consoleLink({ kind: 'deployment', deploymentId: 'd-ABC/..?x' }, devices), {
    label: 'CodeDeploy d-ABC/..?x',
    url: 'https://eu-central-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC%2F..%3Fx?region=eu-central-1',
  });
  t.equal(
    consoleLink({ kind: 'change-set', stackId: STACK_ID, changeSetName: 'c' }, undefined)?.url,
    `https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=${encodeURIComponent(STACK_ID)}`,
  );
  const evil = { kind: 'devices', region: 'evil.example/x' } as Parameters<typeof consoleLink>[1];
  t.equal(consoleLink({ kind: 'deployment', deploymentId: 'd-1' }, evil), undefined, 'a region that would change the host gives no link');
  t.equal(consoleLink({ kind: 'change-set', stackId: 'arn:aws:cloudformation:x.y:1:stack/s/1', changeSetName: 'c' }, undefined), undefined);
  t.equal(consoleLink({ kind: 'none', reason: 'no device' }, devices), undefined);
  const web = { kind: 'web', region: 'us-east-1', bucket: 'b', prefix: 'a b/' } as Parameters<typeof consoleLink>[1];
  t.equal(consoleLink({ kind: 'copy', objects: 1 }, web)?.url, 'https://s3.console.aws.amazon.com/s3/buckets/b?region=us-east-1&prefix=a%20b%2F&showversions=false');
});

t.test('device health counts: read from the gate value; other gates and unreadable values are left out', async (t) => {
  const w = (value: string, gate = 'device-health'): ReportWave => ({
    name: 'w', status: 'halted', failed: 0, gatesPlanned: [], targets: [],
    checks: [{ phase: 'bake', at: 'x', passed: false, results: [{ gate: gate as 'device-health', passed: false, value, threshold: '' }] }],
  });
  t.match(deviceHealthCounts([w('3 of 20 devices unhealthy (15%), 2 unknown (counted as unhealthy)')]), [
    { phase: 'bake', devices: 20, unhealthy: 3, unknown: 2, healthy: 15, passed: false },
  ]);
  t.same(deviceHealthCounts([w('no devices ran this release'), w('could not read: denied'), w('1 of 2 devices unhealthy (50%), 0 unknown', 'alarms')]), []);
});

t.test('durations for people', async (t) => {
  t.equal(durationText(undefined), '');
  t.equal(durationText(2.42), '2.4s');
  t.equal(durationText(42), '42s');
  t.equal(durationText(65), '1m 05s');
  t.equal(durationText(3725), '1h 02m');
});
