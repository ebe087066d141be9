// The safety decisions of the pure rollout loop: approvals and pause before a wave, gates and the
// bake after it, and the rollback of a halted rollout, planned once and done exactly once per
// target even when the controller crashes at any point.
import t from 'tap';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import type { GateResult } from '../../../../controller/rollout/gates/types.js';
import { foldJournal, type EntryBody, type JournalEntry, type Previous } from '../../../../controller/rollout/journal-model.js';
import { nextSteps, type Step } from '../../../../controller/rollout/next-steps.js';
import { planRollout, type RolloutPlan } from '../../../../controller/rollout/plan.js';

const YML = (env: string): string => `application: air-quality
region: us-east-1
release: { bucket: acme-releases, parts: { device: ./device, stack: { template: t.yaml }, web: web } }
targets:
  canary: { kind: devices, deployment_group: pi-canary, select: { ring: canary } }
  fleet: { kind: devices, deployment_group: pi-fleet, select: { ring: rest } }
  tenant-a: { kind: stack, stack: aq }
  tenant-a-web: { kind: web, bucket: a-site }
environments:
${env}`;

const SAFE = `  - name: production
    match: 'v*'
    rollback: all
    waves:
      - name: canaries
        targets: [canary]
        bake: 10m
        gates: { device_health: { max_unhealthy: 0 }, alarms: [errors] }
      - name: fleet
        targets: [fleet]
        approval: manual
      - name: tenants
        targets: [tenant-a, tenant-a-web]
        gates: { command: { run: ./smoke.sh } }
`;

function planOf(env: string): RolloutPlan {
  const c = parseRolloutConfig(YML(env));
  if (!c.ok) throw new Error(JSON.stringify(c.problems));
  const p = planRollout(c.config, 'v2.0.0');
  if (!p.ok) throw new Error(p.reason);
  return p.plan;
}

const PREVIOUS: Record<string, Previous> = {
  canary: { kind: 'revision', revision: { bucket: 'b', key: 'v1.tgz', bundleType: 'tgz' } },
  fleet: { kind: 'revision', revision: { bucket: 'b', key: 'v1.tgz', bundleType: 'tgz' } },
  'tenant-a': { kind: 'stack', exists: true, status: 'UPDATE_COMPLETE', parameters: {}, templateKey: 'before/tenant-a.template' },
  'tenant-a-web': { kind: 'web', release: 'v1.0.0' },
};

class Crash extends Error {}

/** The outside world: deployments and rollbacks by token, gates as the test scripts them, a clock. */
class World {
  readonly deployed: string[] = [];
  readonly rolledBack: string[] = [];
  readonly byToken = new Map<string, string>();
  now = Date.parse('2026-12-07T10:00:00Z');
  failing = new Set<string>();
  /** Gate answers by wave and phase; passing when unset. */
  gates = new Map<string, GateResult[]>();
  approvals = new Set<string>();
  call(list: string[], target: string, token: string): string {
    list.push(target);
    const id = `d-${this.byToken.size + 1}`;
    this.byToken.set(token, id);
    return id;
  }
}

/** Runs the loop until done or waiting; `crash(n)` true makes the n-th write or call throw first. */
function run(plan: RolloutPlan, journal: JournalEntry[], w: World, crash: (n: number) => boolean, counter: { n: number }): Step {
  const fx = (): void => {
    if (crash(counter.n++)) throw new Crash();
  };
  const append = (body: EntryBody): void => {
    fx();
    journal.push({ ...body, seq: journal.length, at: new Date(w.now).toISOString() } as JournalEntry);
  };
  for (let guard = 0; guard < 2000; guard++) {
    const steps = nextSteps(plan, foldJournal(journal), w.now);
    if (steps.length === 0) throw new Error('stuck');
    for (const s of steps) {
      switch (s.kind) {
        case 'done':
        case 'wait':
          return s;
        case 'start':
          append({ type: 'started', by: 't', waves: plan.waves.map((x) => ({ name: x.name, targets: x.targets.map((y) => y.name) })) });
          break;
        case 'start-wave':
          append({ type: 'wave-started', wave: s.wave });
          break;
        case 'request-approval':
          append({ type: 'approval-requested', wave: s.wave });
          break;
        case 'record-before':
          append({ type: 'target-before', target: s.target, previous: PREVIOUS[s.target] ?? { kind: 'web' } });
          break;
        case 'deploy':
          append({ type: 'target-intent', target: s.target, attempt: s.attempt, token: s.token });
          fx();
          append({ type: 'target-started', target: s.target, attempt: s.attempt, ref: { kind: 'deployment', deploymentId: w.call(w.deployed, s.target, s.token) } });
          break;
        case 'adopt': {
          const id = w.byToken.get(s.token) ?? w.call(w.deployed, s.target, s.token);
          append({ type: 'target-started', target: s.target, attempt: s.attempt, ref: { kind: 'deployment', deploymentId: id } });
          break;
        }
        case 'follow':
          append({ type: 'target-finished', target: s.target, outcome: w.failing.has(s.target) ? 'failed' : 'succeeded' });
          break;
        case 'check-gates': {
          const results = w.gates.get(`${s.wave}/${s.phase}`) ?? [{ gate: 'alarms', passed: true, value: 'ok', threshold: 'none' }];
          append({ type: 'gates-checked', wave: s.wave, phase: s.phase, passed: results.every((r) => r.passed), results });
          break;
        }
        case 'start-bake':
          append({ type: 'bake-started', wave: s.wave, until: new Date(w.now + s.bakeMs).toISOString() });
          break;
        case 'bake': {
          const results = w.gates.get(`${s.wave}/bake`);
          if (results && !results.every((r) => r.passed)) append({ type: 'gates-checked', wave: s.wave, phase: 'bake', passed: false, results });
          else w.now = Math.min(s.until, w.now + 60_000); // the controller sleeps a while
          break;
        }
        case 'finish-wave':
          append({ type: 'wave-finished', wave: s.wave, outcome: s.outcome, failed: s.failed, allowed: s.allowed, ...(s.reason ? { reason: s.reason } : {}) });
          break;
        case 'finish':
          append({ type: 'finished', outcome: s.outcome, ...(s.reason ? { reason: s.reason } : {}) });
          break;
        case 'plan-rollback':
          append({ type: 'rollback-planned', policy: s.policy, targets: s.targets });
          break;
        case 'rollback':
          append({ type: 'rollback-intent', target: s.target, token: s.token });
          fx();
          append({ type: 'rollback-started', target: s.target, ref: { kind: 'deployment', deploymentId: w.call(w.rolledBack, s.target, s.token) } });
          break;
        case 'adopt-rollback': {
          const id = w.byToken.get(s.token) ?? w.call(w.rolledBack, s.target, s.token);
          append({ type: 'rollback-started', target: s.target, ref: { kind: 'deployment', deploymentId: id }, adopted: true });
          break;
        }
        case 'follow-rollback':
          append({ type: 'rollback-finished', target: s.target, outcome: 'succeeded' });
          break;
      }
    }
  }
  throw new Error('did not finish');
}

function runToEnd(plan: RolloutPlan, w: World, crashes: ReadonlySet<number> = new Set(), journal: JournalEntry[] = []) {
  const counter = { n: 0 };
  for (;;) {
    try {
      const last = run(plan, journal, w, (n) => crashes.has(n), counter);
      return { last, state: foldJournal(journal), journal };
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
    }
  }
}

const approve = (journal: JournalEntry[], wave: string): void =>
  void journal.push({ type: 'approved', wave, by: 'arn:aws:iam::1:user/ops', seq: journal.length, at: 'x' } as JournalEntry);

t.test('gates, bake and an approval: waits for the person, then completes', async (t) => {
  const plan = planOf(SAFE);
  const w = new World();
  const first = runToEnd(plan, w);
  t.match(first.last, { kind: 'wait', for: 'approval', wave: 'fleet' });
  const canaries = first.state.waves[0];
  t.equal(canaries?.status, 'passed');
  t.same(canaries?.checks.map((c) => c.phase), ['deployed', 'baked'], 'gates after the deployments and after the bake');
  t.ok(canaries?.bakeUntil, 'the bake is journaled');
  t.equal(first.state.waves[1]?.approvalRequested, true);
  // asked again without an approval: still waiting, nothing journaled twice
  const again = runToEnd(plan, w, new Set(), first.journal);
  t.match(again.last, { kind: 'wait', for: 'approval' });
  t.equal(again.journal.filter((e) => e.type === 'approval-requested').length, 1);
  approve(first.journal, 'fleet');
  const end = runToEnd(plan, w, new Set(), first.journal);
  t.match(end.last, { kind: 'done' });
  t.equal(end.state.outcome, 'succeeded');
  t.same(w.deployed, ['canary', 'fleet', 'tenant-a', 'tenant-a-web']);
  t.equal(end.state.waves[1]?.approved?.by, 'arn:aws:iam::1:user/ops');
});

t.test('a failing health gate halts the canaries and rolls them back (policy all)', async (t) => {
  const plan = planOf(SAFE);
  const w = new World();
  w.gates.set('canaries/deployed', [{ gate: 'device-health', passed: false, value: '1 of 1 devices unhealthy (100%)', threshold: 'at most 0 unhealthy' }]);
  const { state, last } = runToEnd(plan, w);
  t.match(last, { kind: 'done' });
  t.equal(state.outcome, 'halted');
  t.match(state.reason, /wave canaries: gate failed after its deployments: device-health: 1 of 1 devices unhealthy/);
  t.same(w.deployed, ['canary'], 'the fleet was never touched');
  t.same(w.rolledBack, ['canary'], 'the canary ring is put back');
  t.equal(state.rollback?.targets.get('canary')?.status, 'succeeded');
});

t.test('an alarm during the bake halts; the bake is not waited out', async (t) => {
  const plan = planOf(SAFE);
  const w = new World();
  w.gates.set('canaries/bake', [{ gate: 'alarms', passed: false, value: 'errors in ALARM', threshold: 'no alarm in ALARM', target: 'canary' }]);
  const start = w.now;
  const { state } = runToEnd(plan, w);
  t.equal(state.outcome, 'halted');
  t.match(state.reason, /gate failed during the bake: alarms on canary: errors in ALARM/);
  t.ok(w.now - start < 10 * 60_000, 'halted before the bake ended');
  t.same(w.rolledBack, ['canary']);
});

t.test('pause stops before the next wave; resume continues', async (t) => {
  const plan = planOf(SAFE.replace('        approval: manual\n', ''));
  const w = new World();
  const journal: JournalEntry[] = [];
  journal.push({ type: 'started', by: 't', waves: plan.waves.map((x) => ({ name: x.name, targets: x.targets.map((y) => y.name) })), seq: 0, at: 'x' } as JournalEntry);
  journal.push({ type: 'pause-requested', by: 'ops', reason: 'lunch', seq: 1, at: 'x' } as JournalEntry);
  const paused = runToEnd(plan, w, new Set(), journal);
  t.match(paused.last, { kind: 'wait', for: 'resume', wave: 'canaries' });
  t.same(w.deployed, []);
  journal.push({ type: 'resumed', by: 'ops', seq: journal.length, at: 'x' } as JournalEntry);
  t.equal(runToEnd(plan, w, new Set(), journal).state.outcome, 'succeeded');
});

t.test('rollback policies pick the targets, and what cannot be put back is reported', async (t) => {
  const env = (policy: string) => SAFE.replace('rollback: all', `rollback: ${policy}`).replace('        approval: manual\n', '').replace('max_unhealthy: 0', 'max_unhealthy: 5');
  const failTenants = (policy: string) => {
    const w = new World();
    w.failing.add('tenant-a-web');
    const { state } = runToEnd(planOf(env(policy)), w);
    return { w, state };
  };
  t.same(failTenants('none').w.rolledBack, []);
  t.same(failTenants('failed').w.rolledBack, ['tenant-a-web']);
  t.same(failTenants('wave').w.rolledBack.sort(), ['tenant-a', 'tenant-a-web']);
  const all = failTenants('all');
  t.same(all.w.rolledBack.sort(), ['canary', 'fleet', 'tenant-a', 'tenant-a-web']);
  t.equal(all.state.outcome, 'halted');
  // a failed stack update is CloudFormation's to roll back; a device group's, CodeDeploy's
  const w = new World();
  w.failing.add('tenant-a');
  const { state } = runToEnd(planOf(env('failed')), w);
  t.match(state.rollback?.targets.get('tenant-a'), { status: 'by-service', reason: /CloudFormation/ });
  t.same(w.rolledBack, []);
});

t.test('nothing recorded before: reported, not guessed', async (t) => {
  const plan = planOf(SAFE.replace('        approval: manual\n', ''));
  const w = new World();
  w.gates.set('canaries/deployed', [{ gate: 'device-health', passed: false, value: 'x', threshold: 'y' }]);
  const saved = PREVIOUS['canary'];
  PREVIOUS['canary'] = { kind: 'revision' };
  try {
    const { state } = runToEnd(plan, w);
    t.match(state.rollback?.targets.get('canary'), { status: 'skipped', reason: /no successful deployment before/ });
    t.same(w.rolledBack, []);
    t.equal(state.outcome, 'halted');
  } finally {
    if (saved) PREVIOUS['canary'] = saved;
  }
});

t.test('an abort rolls back only when asked to', async (t) => {
  const plan = planOf(SAFE);
  for (const rollback of [false, true]) {
    const w = new World();
    const first = runToEnd(plan, w);
    t.match(first.last, { kind: 'wait', for: 'approval', wave: 'fleet' }, 'the canaries are deployed, the fleet waits');
    const j = first.journal;
    j.push({ type: 'abort-requested', by: 'ops', reason: 'stop', ...(rollback ? { rollback: true } : {}), seq: j.length, at: 'x' } as JournalEntry);
    const { state } = runToEnd(plan, w, new Set(), j);
    t.equal(state.outcome, 'aborted');
    t.same(w.deployed, ['canary']);
    t.same(w.rolledBack, rollback ? ['canary'] : [], rollback ? 'abort --rollback puts the canaries back' : 'a plain abort leaves them');
  }
});

t.test('crashes at every point of a halting rollout: each rollback happens exactly once', async (t) => {
  const plan = planOf(SAFE.replace('        approval: manual\n', ''));
  const clean = new World();
  clean.failing.add('tenant-a-web');
  const { journal } = runToEnd(plan, clean);
  const points = journal.length * 2 + 10;
  for (let at = 0; at < points; at++) {
    for (const second of [undefined, at + 3]) {
      const w = new World();
      w.failing.add('tenant-a-web');
      const { state } = runToEnd(plan, w, new Set(second === undefined ? [at] : [at, second]));
      t.equal(state.outcome, 'halted', `crash at ${at}/${second}`);
      t.same([...w.rolledBack].sort(), ['canary', 'fleet', 'tenant-a', 'tenant-a-web'], `crash at ${at}/${second}: each rolled back once`);
      t.same([...w.deployed].sort(), ['canary', 'fleet', 'tenant-a', 'tenant-a-web'], `crash at ${at}/${second}: each deployed once`);
    }
  }
});
