// The rollout commands' safety side over the fake AWS world, with a fake gate checker: plan shows
// approvals, gates and bake; start exits 3 waiting for an approval or a resume; approve records
// who approved (and is idempotent, exit 2 for a wrong wave); pause and resume; a failing gate
// halts the rollout and status shows the gate values and the rollback; abort --rollback.
import { writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { rolloutAbort } from '../../../../controller/commands/rollout-abort.js';
import { locate } from '../../../../controller/commands/rollout-common.js';
import { rolloutApprove } from '../../../../controller/commands/rollout-approve.js';
import { rolloutPause } from '../../../../controller/commands/rollout-pause.js';
import { rolloutPlan } from '../../../../controller/commands/rollout-plan.js';
import { rolloutResume, rolloutStart, type StartResult } from '../../../../controller/commands/rollout-start.js';
import { rolloutStatus } from '../../../../controller/commands/rollout-status.js';
import type { GateChecker, GateInput, GatePhase, GateResult } from '../../../../controller/rollout/gates/types.js';
import { Journal } from '../../../../controller/rollout/journal-store.js';
import { renderPlan, renderSummary } from '../../../../controller/rollout/render.js';
import { renderApprove, renderPause } from '../../../../controller/rollout/render-results.js';
import { S3ObjectStore } from '../../../../controller/rollout/s3-object-store.js';
import type { RolloutSummary } from '../../../../controller/rollout/summary.js';
import { exitCodeOf, isEdgeError } from '../../../../shared/errors.js';
import { BUCKET, EU_ROLE, harness, REGION, startedThenKilled, WEB_ROLE, type Harness } from './commands-harness.js';

const ID = 'air-quality@v2.0.0@production';
const OPERATOR = 'arn:aws:iam::111111111111:user/operator';

const CONFIG = `application: air-quality
region: ${REGION}
release: { bucket: ${BUCKET}, prefix: releases/, parts: { device: ./device, web: web/dist } }
targets:
  lab-pis: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality, site: lab } }
  eu-pis: { kind: devices, account: '333333333333', role_arn: '${EU_ROLE}', deployment_group: pi-eu, select: { fleet: air-quality } }
  unicorn-web:
    { kind: web, account: '222222222222', role_arn: '${WEB_ROLE}', external_id: unicorn-7f3, bucket: unicorn-site, labels: { tier: gold } }
environments:
  - name: production
    match: 'v*'
    rollback: wave
    waves:
      - name: canary
        targets: [lab-pis]
        bake: 10m
        gates:
          alarms: [api-5xx]
          command: { run: ./smoke.sh, timeout: 1m }
      - { name: devices, targets: [eu-pis], approval: manual }
      - { name: gold, targets: { labels: { tier: gold } } }
`;

/** Passes every gate, unless told to fail one wave's check in a phase. */
class FakeGates implements GateChecker {
  readonly asked: { wave: string; phase: GatePhase }[] = [];
  failing: { wave: string; phase: GatePhase; result: GateResult } | undefined;

  async check(input: GateInput): Promise<GateResult[]> {
    const { wave, phase } = input;
    this.asked.push({ wave: wave.name, phase });
    if (this.failing?.wave === wave.name && this.failing.phase === phase) return [this.failing.result];
    return wave.targets.map((x) => ({ gate: 'alarms', target: x.name, passed: true, value: 'api-5xx OK', threshold: 'no alarm in ALARM' }));
  }
}

function setup(t: Test): { h: Harness; gates: FakeGates; deps: (over?: Parameters<Harness['deps']>[0]) => ReturnType<Harness['deps']> } {
  const h = harness(t);
  writeFileSync(h.config, CONFIG);
  h.pushRelease('v2.0.0');
  const gates = new FakeGates();
  return { h, gates, deps: (over = {}) => h.deps({ gates: () => gates, bakeCheckMs: 60_000, ...over }) };
}

const summary = (r: StartResult): RolloutSummary => {
  if ('detached' in r) throw new Error('detached');
  return r;
};

const journalOf = (h: Harness): Journal => {
  const store = new S3ObjectStore(h.world.s3(), BUCKET);
  return new Journal({ store, prefix: locate(BUCKET, REGION, 'releases/', ID).prefix, now: () => new Date(h.world.now) });
};

t.test('plan shows per wave its approval, each gate with what passes, the bake, and the rollback policy', async (t) => {
  const { h, deps } = setup(t);
  const r = await rolloutPlan({ config: h.config, release: 'v2.0.0' }, deps());
  const [canary, devices] = r.data.waves;
  t.equal(r.data.rollback, 'wave');
  const threshold = '`./smoke.sh` exits 0 within 1m, once per target';
  const command = { gate: 'command', threshold, config: { run: './smoke.sh', timeoutMs: 60_000 } };
  t.match(canary, { name: 'canary', bakeMs: 600_000, gates: [{ gate: 'alarms', threshold: /none of api-5xx in ALARM/ }, command] });
  t.notOk(canary && 'approval' in canary);
  t.match(devices, { name: 'devices', approval: 'manual', gates: [] });
  const text = renderPlan(r.data);
  t.match(text, /wave canary: [^\n]*\n[^\n]*lab-pis[\s\S]*gate alarms: none of api-5xx in ALARM/);
  t.match(text, /gate alarms: [^\n]*\n {4}gate command: `\.\/smoke\.sh` exits 0/);
  t.match(text, /\n {4}bake: 10m before the next wave, its gates read during it and again at its end\n {2}wave devices/);
  t.match(text, /wave devices: [^\n]*\n {4}approval: manual \(start exits 3 before it until `fleetctl rollout approve \S+ --wave devices`/);
  t.match(text, /when the rollout halts: rollback wave \(the halted wave's targets are put back\)/);
});

t.test('start exits 3 at a wave that needs approval; approve records who; resume goes on to the end', async (t) => {
  const { h, gates, deps } = setup(t);
  const r = await rolloutStart({ config: h.config, release: 'v2.0.0' }, deps());
  const s = summary(r.data);
  t.equal(r.exit, 3);
  t.equal(s.state, 'waiting-approval');
  const message = `waiting for approval of wave devices; run \`fleetctl rollout approve ${ID} --wave devices\``;
  t.same(s.waiting, { for: 'approval', wave: 'devices', message, command: `fleetctl rollout approve ${ID} --wave devices` });
  t.ok(h.progress.join('').includes(`${message}\n`), 'the message is on stderr');
  t.same(h.drivers.deploys, ['lab-pis'], 'eu-pis waits');
  const deployed = { phase: 'deployed', passed: true, results: [{ gate: 'alarms', target: 'lab-pis', value: 'api-5xx OK' }] };
  t.match(s.waves[0], { status: 'passed', bakeUntil: /Z$/, checks: [deployed, { phase: 'baked', passed: true }] });
  t.same(s.waves[1]?.approval, { requested: true });
  t.ok(gates.asked.some((a) => a.phase === 'bake'), 'the gates were read during the bake');
  const text = renderSummary(s);
  t.match(text, /WAITING-APPROVAL[\s\S]*WAITING: waiting for approval of wave devices[\s\S]*gates after its deployments: passed/);
  t.match(text, /\n {6}ok {5}alarms on lab-pis: api-5xx OK \(passes: no alarm in ALARM\)\n/);

  const status = await rolloutStatus(ID, { config: h.config }, deps());
  t.equal(status.exit, 0, 'status of a waiting rollout exits 0');
  t.equal(status.data.state, 'waiting-approval');
  t.equal((await rolloutStart({ config: h.config, release: 'v2.0.0' }, deps())).exit, 3, 'start again: still waiting');
  const noSpawn = deps({ spawnDetached: async () => t.fail('no background run') as never });
  const detached = await rolloutStart({ config: h.config, release: 'v2.0.0', detach: true }, noSpawn);
  t.equal(detached.exit, 3, 'a waiting rollout is not detached');

  const wrong = await rolloutApprove(ID, { config: h.config, wave: 'nope' }, deps()).catch((e: unknown) => e);
  t.ok(isEdgeError(wrong, 'CLI_USAGE'));
  t.equal(exitCodeOf('CLI_USAGE'), 2);
  t.match((wrong as Error).message, /has no wave "nope"; its waves: canary, devices, gold/);
  const needless = await rolloutApprove(ID, { config: h.config, wave: 'canary' }, deps()).catch((e: unknown) => e);
  t.ok(isEdgeError(needless, 'CLI_USAGE'));
  t.match((needless as Error).message, /wave canary .* takes no approval/);

  const a = await rolloutApprove(ID, { config: h.config, wave: 'devices', comment: 'looks good\x1b[2J' }, deps());
  t.equal(a.exit, 0);
  t.match(a.data, {
    approveOutcome: 'approved',
    approval: { wave: 'devices', by: OPERATOR, comment: 'looks good [2J' },
    next: `run \`fleetctl rollout resume ${ID}\` to go on`,
  });
  t.equal(a.data.state, 'running');
  t.ok(renderApprove(a.data).startsWith(`wave devices of ${ID} approved by ${OPERATOR} at `));
  const again = await rolloutApprove(ID, { config: h.config, wave: 'devices' }, deps());
  t.equal(again.exit, 0);
  t.equal(again.data.approveOutcome, 'already-approved');
  t.match(renderApprove(again.data), /was already approved by/);
  const j = journalOf(h);
  await j.load();
  t.equal(j.all.filter((e) => e.type === 'approved').length, 1, 'approved once');

  const done = await rolloutResume(ID, { config: h.config }, deps());
  t.equal(done.exit, 0);
  t.equal(summary(done.data).state, 'succeeded');
  t.match(summary(done.data).waves[1]?.approval, { requested: true, approved: { by: OPERATOR } });
  t.match(renderSummary(summary(done.data)), /approved by arn:aws:iam::111111111111:user\/operator at \S+: looks good \[2J/);
  const late = await rolloutApprove(ID, { config: h.config, wave: 'devices' }, deps()).catch((e: unknown) => e);
  t.ok(isEdgeError(late, 'ROLLOUT_FINISHED'));
  t.equal(exitCodeOf('ROLLOUT_FINISHED'), 1);
});

t.test('pause stops a driving controller before the next wave (exit 3); start keeps the pause, resume lifts it', async (t) => {
  const { h, deps } = setup(t);
  let paused = false;
  const clock = deps();
  const driver = deps({
    sleep: async (ms) => {
      if (!paused && h.drivers.deploys.includes('lab-pis')) {
        paused = true;
        const p = await rolloutPause(ID, { config: h.config, reason: 'holiday' }, deps({ host: 'laptop', pid: 77 }));
        t.equal(p.data.pauseOutcome, 'paused');
        t.match(p.data.next, /controller driving the rollout starts no further wave, and exits 3/);
        t.match(renderPause(p.data), /^rollout air-quality@v2\.0\.0@production paused\n/);
      }
      await clock.sleep(ms);
    },
  });
  const r = await rolloutStart({ config: h.config, release: 'v2.0.0' }, driver);
  t.ok(paused);
  const s = summary(r.data);
  t.equal(r.exit, 3);
  t.equal(s.state, 'paused');
  t.match(s.paused, { by: OPERATOR, reason: 'holiday' });
  t.equal(s.waiting?.message, `paused before wave devices; run \`fleetctl rollout resume ${ID}\``);
  t.equal(s.waves[0]?.status, 'passed', 'the wave in progress finished');
  t.match(renderSummary(s), /paused by arn:aws:iam::111111111111:user\/operator at \S+: holiday\n {2}WAITING: paused before wave devices/);

  const twice = await rolloutPause(ID, { config: h.config }, deps());
  t.equal(twice.data.pauseOutcome, 'already-paused');
  t.equal((await rolloutStart({ config: h.config, release: 'v2.0.0' }, deps())).exit, 3, 'start does not lift a pause');
  const resumed = await rolloutResume(ID, { config: h.config }, deps());
  t.equal(resumed.exit, 3, 'resumed, then at the approval');
  t.equal(summary(resumed.data).state, 'waiting-approval');
  t.notOk(summary(resumed.data).paused);
  const j = journalOf(h);
  await j.load();
  t.match(j.all.filter((e) => e.type === 'resumed'), [{ by: OPERATOR }]);
  const unknown = await rolloutPause('air-quality@v2.0.1@production', { config: h.config }, deps()).catch((e: unknown) => e);
  t.ok(isEdgeError(unknown, 'ROLLOUT_NOT_FOUND'));
});

t.test('resume while the pausing wave still runs: the resume is journaled and the driving controller carries on', async (t) => {
  const { h, deps } = setup(t);
  let resumed: Awaited<ReturnType<typeof rolloutResume>> | undefined;
  const clock = deps();
  const elsewhere = deps({ host: 'laptop', pid: 77 });
  const driver = deps({
    sleep: async (ms) => {
      if (!resumed && h.drivers.deploys.includes('lab-pis')) {
        await rolloutPause(ID, { config: h.config }, elsewhere);
        resumed = await rolloutResume(ID, { config: h.config }, elsewhere);
      }
      await clock.sleep(ms);
    },
  });
  const r = await rolloutStart({ config: h.config, release: 'v2.0.0' }, driver);
  t.equal(resumed?.exit, 0, 'the resume did its work');
  t.match(resumed && summary(resumed.data).lease, { live: true, holder: /on ci-1 pid 4242$/ });
  t.equal(r.exit, 3);
  t.equal(summary(r.data).state, 'waiting-approval', 'not paused: the controller went on to the approval');
});

t.test('a failing gate halts the rollout: status shows the halt, the gate values, the evidence and the rollback', async (t) => {
  const { h, gates, deps } = setup(t);
  const detail = 'GET https://t1/health\n503 Service Unavailable\nsmoke failed\x1b[31m';
  const result: GateResult = { gate: 'command', target: 'lab-pis', passed: false, value: 'exit 1', threshold: 'exit 0', detail };
  gates.failing = { wave: 'canary', phase: 'deployed', result };
  const r = await rolloutStart({ config: h.config, release: 'v2.0.0' }, deps());
  const s = summary(r.data);
  t.equal(r.exit, 1);
  t.equal(s.state, 'halted');
  const reason = /gate failed after its deployments: command on lab-pis: exit 1 \(exit 0\)/;
  t.match(s.halt, { wave: 'canary', reason, gates: [{ gate: 'command', value: 'exit 1', detail }] });
  const skipped = { name: 'lab-pis', action: 'skip', status: 'skipped', reason: /no successful deployment before/ };
  t.match(s.rollback, { policy: 'wave', targets: [skipped] });
  t.notOk(gates.asked.some((a) => a.phase === 'bake'), 'no bake after a failed gate');
  const status = await rolloutStatus(ID, { config: h.config, json: true }, deps());
  t.equal(status.exit, 1);
  t.same(JSON.parse(JSON.stringify(status.data)).halt, JSON.parse(JSON.stringify(s.halt)));
  const text = renderSummary(status.data);
  t.match(text, /gates after its deployments: FAILED at \S+\n {6}FAILED command on lab-pis: exit 1 \(passes: exit 0\)\n/);
  t.match(text, /\n {13}\| GET https:\/\/t1\/health\n {13}\| 503 Service Unavailable\n {13}\| smoke failed\?\[31m\n/);
  t.match(text, /rollback \(policy wave\):\n {4}lab-pis +skipped +: it had no successful deployment before this rollout/);
  t.notOk(text.includes('\x1b'), 'no control character reaches the terminal');
});

t.test('abort --rollback records the rollback and the halted rollout plans it per the policy', async (t) => {
  const h = harness(t); // its config: waves devices [lab-pis, eu-pis] and gold; rollback policy all (the default)
  await startedThenKilled(t, h, 'v1.2.0');
  const id = 'air-quality@v1.2.0@production';
  const other = h.deps({ isAlive: (pid) => pid !== 4242, pid: 5000 });
  const r = await rolloutAbort(id, { config: h.config, reason: 'bad data', rollback: true }, other);
  t.equal(r.exit, 0);
  t.equal(r.data.state, 'aborted');
  t.match(r.data.abort, { reason: 'bad data', rollback: true });
  t.match(r.data.rollback, {
    policy: 'all',
    targets: [
      { name: 'lab-pis', action: 'skip', reason: /no successful deployment/ },
      { name: 'eu-pis', action: 'by-service', reason: /CodeDeploy rolls a failed deployment back itself/ },
    ],
  });
  t.match(renderSummary(r.data), /abort requested by \S+ on ci-1 pid 5000: bad data \(with rollback\)/);
});

t.test('abort without --rollback puts nothing back', async (t) => {
  const h = harness(t);
  await startedThenKilled(t, h, 'v1.2.0');
  const other = h.deps({ isAlive: (pid) => pid !== 4242, pid: 5000 });
  const r = await rolloutAbort('air-quality@v1.2.0@production', { config: h.config }, other);
  t.equal(r.data.state, 'aborted');
  t.notOk(r.data.abort?.rollback);
  t.notOk(r.data.rollback, 'no rollback planned');
});
