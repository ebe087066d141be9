// The pure rollout loop against a simulated world, with crashes at every point between a side
// effect and its journal entry: every target is deployed exactly once and every rollout ends.
import t from 'tap';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import { foldJournal, type EntryBody, type JournalEntry } from '../../../../controller/rollout/journal-model.js';
import { nextSteps, planDrift, type Step } from '../../../../controller/rollout/next-steps.js';
import { planRollout, type RolloutPlan } from '../../../../controller/rollout/plan.js';
import { FLEET_YML } from './fixtures.js';

const planFor = (yml: string, version: string): RolloutPlan => {
  const c = parseRolloutConfig(yml);
  if (!c.ok) throw new Error('config');
  const p = planRollout(c.config, version);
  if (!p.ok) throw new Error(p.reason);
  return p.plan;
};

/** The outside world: deployments by token, each finishing with the outcome the test chose. */
class World {
  readonly created = new Map<string, { target: string; id: string }>();
  calls = 0;
  constructor(private readonly failing: ReadonlySet<string>) {}
  deploy(target: string, token: string): string {
    this.calls++;
    const id = `d-${this.created.size + 1}`;
    this.created.set(token, { target, id });
    return id;
  }
  find(token: string): string | undefined {
    return this.created.get(token)?.id;
  }
  outcome(target: string): 'succeeded' | 'failed' {
    return this.failing.has(target) ? 'failed' : 'succeeded';
  }
}

class Crash extends Error {}

/** Runs the loop; `crashAt(n)` true makes the n-th side effect or journal write throw first. */
function run(plan: RolloutPlan, journal: JournalEntry[], world: World, crashAt: (n: number) => boolean, counter: { n: number }): void {
  const append = (body: EntryBody): void => {
    if (crashAt(counter.n++)) throw new Crash();
    journal.push({ ...body, seq: journal.length, at: '2026-01-01T00:00:00Z' } as JournalEntry);
  };
  for (let guard = 0; guard < 1000; guard++) {
    const steps: Step[] = nextSteps(plan, foldJournal(journal), 0);
    if (steps.length === 0) throw new Error('stuck: no step and not done');
    for (const s of steps) {
      switch (s.kind) {
        case 'done':
          return;
        case 'start':
          append({ type: 'started', by: 'test', waves: plan.waves.map((w) => ({ name: w.name, targets: w.targets.map((x) => x.name) })) });
          break;
        case 'start-wave':
          append({ type: 'wave-started', wave: s.wave });
          break;
        case 'record-before':
          append({ type: 'target-before', target: s.target, previous: { kind: 'web' } });
          break;
        case 'deploy': {
          append({ type: 'target-intent', target: s.target, attempt: s.attempt, token: s.token });
          if (crashAt(counter.n++)) throw new Crash();
          const id = world.deploy(s.target, s.token);
          append({ type: 'target-started', target: s.target, attempt: s.attempt, ref: { kind: 'deployment', deploymentId: id } });
          break;
        }
        case 'adopt': {
          const found = world.find(s.token);
          const id = found ?? world.deploy(s.target, s.token);
          append({ type: 'target-started', target: s.target, attempt: s.attempt, ref: { kind: 'deployment', deploymentId: id }, adopted: found !== undefined });
          break;
        }
        case 'follow':
          append({ type: 'target-finished', target: s.target, outcome: world.outcome(s.target) });
          break;
        case 'finish-wave':
          append({ type: 'wave-finished', wave: s.wave, outcome: s.outcome, failed: s.failed, allowed: s.allowed, ...(s.reason ? { reason: s.reason } : {}) });
          break;
        case 'finish':
          append({ type: 'finished', outcome: s.outcome, ...(s.reason ? { reason: s.reason } : {}) });
          break;
        case 'plan-rollback':
          // nothing recorded before can be put back here (next-steps-safety.test.ts covers rollbacks)
          t.ok(s.targets.every((x) => x.action !== 'rollback'), 'nothing to put back');
          append({ type: 'rollback-planned', policy: s.policy, targets: s.targets });
          break;
        default:
          throw new Error(`unexpected step ${s.kind}`);
      }
    }
  }
  throw new Error('did not finish');
}

const runToEnd = (plan: RolloutPlan, world: World, crashes: Set<number>) => {
  const journal: JournalEntry[] = [];
  const counter = { n: 0 };
  let restarts = 0;
  for (;;) {
    try {
      run(plan, journal, world, (n) => crashes.has(n), counter);
      return { state: foldJournal(journal), restarts };
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
      restarts++;
    }
  }
};

/** A journal that has started `plan`, and a function appending the next entry to it. */
function startedJournal(plan: RolloutPlan): { journal: JournalEntry[]; add: (b: EntryBody) => void } {
  const journal: JournalEntry[] = [];
  const add = (b: EntryBody): void => void journal.push({ ...b, seq: journal.length, at: 'x' } as JournalEntry);
  add({ type: 'started', by: 't', waves: plan.waves.map((w) => ({ name: w.name, targets: w.targets.map((x) => x.name) })) });
  return { journal, add };
}

t.test('a clean run deploys every target once, wave by wave', async (t) => {
  const plan = planFor(FLEET_YML, 'v1.0.0');
  const world = new World(new Set());
  const { state } = runToEnd(plan, world, new Set());
  t.equal(state.outcome, 'succeeded');
  t.equal(world.calls, 4);
  t.same(state.waves.map((w) => w.status), ['passed', 'passed']);
});

t.test('a crash at any single point: every target still deployed exactly once', async (t) => {
  const plan = planFor(FLEET_YML, 'v1.0.0');
  const clean = new World(new Set());
  runToEnd(plan, clean, new Set());
  for (let at = 0; at < 40; at++) {
    const world = new World(new Set());
    const { state } = runToEnd(plan, world, new Set([at]));
    t.equal(state.outcome, 'succeeded', `crash at ${at}`);
    t.equal(world.calls, 4, `crash at ${at}: no duplicate deployment`);
  }
});

t.test('random crash sets across failing rollouts: exactly once, and the budget halts', async (t) => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const plan = planFor(FLEET_YML, 'v1.0.0');
  for (let round = 0; round < 200; round++) {
    const crashes = new Set(Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * 30)));
    const failing = new Set(['lab-pis', 'eu-pis', 'unicorn', 'unicorn-web'].filter(() => random() < 0.3));
    const world = new World(failing);
    const { state } = runToEnd(plan, world, crashes);
    const tokens = [...world.created.values()].map((d) => d.target);
    t.equal(new Set(tokens).size, tokens.length, `round ${round}: each target deployed at most once`);
    const devicesFailed = ['lab-pis', 'eu-pis'].some((x) => failing.has(x));
    const goldFailed = ['unicorn', 'unicorn-web'].filter((x) => failing.has(x)).length;
    const expected = devicesFailed || goldFailed > 1 ? 'halted' : 'succeeded';
    t.equal(state.outcome, expected, `round ${round}: ${[...failing].join(',')}`);
    if (devicesFailed) t.notOk(tokens.includes('unicorn') || tokens.includes('unicorn-web'), 'a halted wave stops the rollout before the next wave');
  }
});

t.test('concurrency bounds the targets in flight', async (t) => {
  const yml = FLEET_YML.replace('concurrency: 20', 'concurrency: 1');
  const plan = planFor(yml, 'v1.0.0');
  const { journal, add } = startedJournal(plan);
  for (const w of ['devices']) add({ type: 'wave-started', wave: w });
  for (const x of ['lab-pis', 'eu-pis']) add({ type: 'target-finished', target: x, outcome: 'succeeded' });
  add({ type: 'wave-finished', wave: 'devices', outcome: 'passed', failed: 0, allowed: 0 });
  add({ type: 'wave-started', wave: 'gold-tenants' });
  for (const x of ['unicorn', 'unicorn-web']) add({ type: 'target-before', target: x, previous: { kind: 'web' } });
  const steps = nextSteps(plan, foldJournal(journal), 0);
  t.same(steps.map((s) => s.kind), ['deploy'], 'one at a time');
});

t.test('an abort stops new deployments, lets running ones finish, and ends aborted', async (t) => {
  const plan = planFor(FLEET_YML, 'v1.0.0');
  const { journal, add } = startedJournal(plan);
  add({ type: 'wave-started', wave: 'devices' });
  add({ type: 'target-before', target: 'lab-pis', previous: { kind: 'revision' } });
  add({ type: 'target-intent', target: 'lab-pis', attempt: 1, token: 'k' });
  add({ type: 'target-started', target: 'lab-pis', attempt: 1, ref: { kind: 'deployment', deploymentId: 'd-1' } });
  add({ type: 'abort-requested', by: 'ops', reason: 'bad build' });
  t.same(nextSteps(plan, foldJournal(journal), 0).map((s) => s.kind), ['follow']);
  add({ type: 'target-finished', target: 'lab-pis', outcome: 'succeeded' });
  const [halt] = nextSteps(plan, foldJournal(journal), 0);
  t.match(halt, { kind: 'finish-wave', outcome: 'halted', reason: /aborted by ops: bad build/ });
  add({ type: 'wave-finished', wave: 'devices', outcome: 'halted', failed: 0, allowed: 0, reason: 'aborted' });
  t.match(nextSteps(plan, foldJournal(journal), 0), [{ kind: 'finish', outcome: 'aborted' }]);
});

t.test('the journal is checked: gaps, unknown targets, config drift', async (t) => {
  t.throws(() => foldJournal([{ type: 'abort-requested', by: 'x', reason: 'y', seq: 1, at: 'x' }]), /entry 1 found where 0 was expected/);
  t.throws(() => foldJournal([{ type: 'target-finished', target: 'nope', outcome: 'failed', seq: 0, at: 'x' }]), /target nope/);
  const plan = planFor(FLEET_YML, 'v1.0.0');
  const state = foldJournal([{ type: 'started', by: 't', waves: [{ name: 'devices', targets: ['lab-pis'] }], seq: 0, at: 'x' }]);
  t.match(planDrift(plan, state), [/the rollout started with waves \[devices: lab-pis\] but the config now plans/]);
});

t.test('while aborting, an intent is only looked for, never deployed anew', async (t) => {
  const plan = planFor(FLEET_YML, 'v1.0.0');
  const { journal, add } = startedJournal(plan);
  add({ type: 'wave-started', wave: 'devices' });
  add({ type: 'target-before', target: 'lab-pis', previous: { kind: 'revision' } });
  add({ type: 'target-intent', target: 'lab-pis', attempt: 1, token: 'k' });
  t.match(nextSteps(plan, foldJournal(journal), 0), [{ kind: 'adopt', deployIfMissing: true }]);
  add({ type: 'abort-requested', by: 'ops', reason: 'stop' });
  t.match(nextSteps(plan, foldJournal(journal), 0), [{ kind: 'adopt', deployIfMissing: false }]);
});
