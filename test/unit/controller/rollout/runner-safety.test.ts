// The runner's safety steps with fake drivers and a fake gate checker over an in-memory store:
// a failing gate halts and rolls back, a bake watches the clock and halts on a failing read, a
// gate that cannot be read fails, approvals and pauses stop the controller (`waiting`), and a
// controller killed at any call of a halting rollout rolls each target back exactly once.
import t from 'tap';
import { EdgeError } from '../../../../shared/errors.js';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import type { Target, TargetKind } from '../../../../controller/rollout/config-types.js';
import type { GateChecker, GateInput, GateResult } from '../../../../controller/rollout/gates/types.js';
import type { Previous, TargetRef } from '../../../../controller/rollout/journal-model.js';
import { Journal } from '../../../../controller/rollout/journal-store.js';
import { Lease } from '../../../../controller/rollout/lease.js';
import { MemoryObjectStore } from '../../../../controller/rollout/object-store.js';
import { planRollout, type RolloutPlan } from '../../../../controller/rollout/plan.js';
import { RolloutRunner, type DeployContext, type RolloutEvent, type TargetDriver } from '../../../../controller/rollout/runner.js';

const YML = `application: aq
region: us-east-1
release: { bucket: acme-releases, parts: { device: ./device, web: web } }
targets:
  canary: { kind: devices, deployment_group: g1, select: { ring: a } }
  rest: { kind: devices, deployment_group: g2, select: { ring: b } }
  site: { kind: web, bucket: site }
environments:
  - name: production
    match: 'v*'
    waves:
      - name: canaries
        targets: [canary]
        bake: 10m
        gates: { device_health: { max_unhealthy: 0 }, alarms: [errors] }
      - name: rest
        targets: [rest, site]
`;

function planOf(yml = YML): RolloutPlan {
  const c = parseRolloutConfig(yml);
  if (!c.ok) throw new Error(JSON.stringify(c.problems));
  const p = planRollout(c.config, 'v2.0.0');
  if (!p.ok) throw new Error(p.reason);
  return p.plan;
}

class Crash extends Error {}

/** Deployments and rollbacks by token, done after one look; `crash()` may kill any call. */
class World implements TargetDriver {
  readonly started = new Map<string, string>();
  readonly deployed: string[] = [];
  readonly rolledBack: string[] = [];
  crash: () => boolean = () => false;
  private call(): void {
    if (this.crash()) throw new Crash();
  }
  async recordBefore(t: Target): Promise<Previous> {
    this.call();
    return t.kind === 'web' ? { kind: 'web', release: 'v1.0.0' } : { kind: 'revision', revision: { bucket: 'b', key: 'v1.tgz', bundleType: 'tgz' } };
  }
  async deploy(t: Target, ctx: DeployContext): Promise<TargetRef> {
    this.call();
    this.deployed.push(t.name);
    this.started.set(ctx.token, t.name);
    this.call();
    return { kind: 'deployment', deploymentId: ctx.token };
  }
  async find(_t: Target, ctx: DeployContext): Promise<TargetRef | undefined> {
    this.call();
    return this.started.has(ctx.token) ? { kind: 'deployment', deploymentId: ctx.token } : undefined;
  }
  async rollback(t: Target, _p: Previous, ctx: DeployContext): Promise<TargetRef> {
    this.call();
    this.rolledBack.push(t.name);
    this.started.set(ctx.token, t.name);
    this.call();
    return { kind: 'deployment', deploymentId: ctx.token };
  }
  async findRollback(t: Target, _p: Previous, ctx: DeployContext): Promise<TargetRef | undefined> {
    return this.find(t, ctx);
  }
  async follow() {
    this.call();
    return { state: 'succeeded' as const };
  }
}

/** Gate answers by wave and phase (passing when unset), or an error to throw. */
class Gates implements GateChecker {
  readonly asked: string[] = [];
  answers = new Map<string, GateResult[] | EdgeError>();
  async check(input: GateInput): Promise<GateResult[]> {
    const key = `${input.wave.name}/${input.phase}`;
    this.asked.push(key);
    const a = this.answers.get(key);
    if (a instanceof EdgeError) throw a;
    return a ?? [{ gate: 'alarms', passed: true, value: 'no alarm in ALARM', threshold: 'none in ALARM' }];
  }
}

interface Rig {
  readonly store: MemoryObjectStore;
  readonly world: World;
  readonly gates: Gates;
  clock: number;
}

function rig(): Rig {
  return { store: new MemoryObjectStore(), world: new World(), gates: new Gates(), clock: Date.parse('2026-12-07T10:00:00Z') };
}

function runner(r: Rig, plan: RolloutPlan, events: RolloutEvent[] = [], journal?: Journal) {
  const now = () => new Date(r.clock);
  const drivers: Record<TargetKind, TargetDriver> = { devices: r.world, stack: r.world, web: r.world, codedeploy: r.world };
  return new RolloutRunner({
    plan,
    journal: journal ?? new Journal({ store: r.store, prefix: 'r/', now }),
    lease: new Lease({ store: r.store, key: 'r/lease.json', holder: 'me', now, ttlMs: 60_000 }),
    drivers,
    gates: r.gates,
    by: 'me',
    sleep: async (ms) => void (r.clock += ms),
    now,
    pollMs: 1000,
    leaseRenewMs: 10_000,
    onEvent: (e) => events.push(e),
  });
}

t.test('gates pass, the bake runs its time, the rollout succeeds', async (t) => {
  const r = rig();
  const start = r.clock;
  const out = await runner(r, planOf()).run();
  t.equal(out.outcome, 'succeeded');
  t.ok(r.clock - start >= 10 * 60_000, 'the bake took its ten minutes (of the fake clock)');
  t.same(r.gates.asked.filter((k) => !k.endsWith('/bake')), ['canaries/deployed', 'canaries/baked']);
  t.ok(r.gates.asked.filter((k) => k === 'canaries/bake').length >= 5, 'the quick gates are read during the bake');
  t.same(r.world.rolledBack, []);
});

t.test('a failing gate after the deployments halts and rolls back the canaries only', async (t) => {
  const r = rig();
  r.gates.answers.set('canaries/deployed', [{ gate: 'device-health', passed: false, value: '1 of 1 devices unhealthy (100%)', threshold: 'at most 0 unhealthy', detail: 'x'.repeat(10_000) }]);
  const events: RolloutEvent[] = [];
  const out = await runner(r, planOf(), events).run();
  t.equal(out.outcome, 'halted');
  t.match(out.reason, /gate failed after its deployments: device-health: 1 of 1 devices unhealthy/);
  t.same(r.world.deployed, ['canary']);
  t.same(r.world.rolledBack, ['canary']);
  const check = out.state.waves[0]?.checks[0];
  t.ok((check?.results[0]?.detail?.length ?? 0) <= 4097 + 2, 'the evidence is bounded in the journal');
  t.ok(events.some((e) => e.type === 'rollback' && e.status === 'rolled-back' && e.target === 'canary'));
});

t.test('a failing read during the bake halts before the bake ends', async (t) => {
  const r = rig();
  r.gates.answers.set('canaries/bake', [{ gate: 'alarms', passed: false, value: 'errors in ALARM', threshold: 'none in ALARM', target: 'canary' }]);
  const start = r.clock;
  const out = await runner(r, planOf()).run();
  t.equal(out.outcome, 'halted');
  t.match(out.reason, /during the bake: alarms on canary: errors in ALARM/);
  t.ok(r.clock - start < 10 * 60_000);
  t.same(r.world.rolledBack, ['canary']);
});

t.test('a gate that cannot be read fails; one that may pass is read again', async (t) => {
  const r = rig();
  r.gates.answers.set('canaries/deployed', new EdgeError('AWS_ACCESS_DENIED', 'not allowed: cloudwatch:DescribeAlarms'));
  const out = await runner(r, planOf()).run();
  t.equal(out.outcome, 'halted');
  t.match(out.reason, /could not be checked: not allowed/);
  const r2 = rig();
  let throttled = 2;
  const real = r2.gates.check.bind(r2.gates);
  r2.gates.check = async (input) => {
    if (input.phase === 'deployed' && throttled-- > 0) throw new EdgeError('AWS_THROTTLED', 'slow down');
    return real(input);
  };
  t.equal((await runner(r2, planOf()).run()).outcome, 'succeeded');
  t.equal(throttled, -1, 'read again after each throttling');
});

t.test('approval: the controller stops waiting, then continues once approved', async (t) => {
  const r = rig();
  const plan = planOf(YML.replace("      - name: rest\n", "      - name: rest\n        approval: manual\n"));
  const events: RolloutEvent[] = [];
  const first = await runner(r, plan, events).run();
  t.equal(first.outcome, 'waiting');
  t.same(first.waiting, { for: 'approval', wave: 'rest' });
  t.ok(events.some((e) => e.type === 'waiting' && e.for === 'approval'));
  const second = await runner(r, plan).run();
  t.equal(second.outcome, 'waiting', 'not approved yet: still waiting');
  const j = new Journal({ store: r.store, prefix: 'r/', now: () => new Date(r.clock) });
  await j.load();
  await j.append({ type: 'approved', wave: 'rest', by: 'arn:aws:iam::1:user/ops' });
  const third = await runner(r, plan).run();
  t.equal(third.outcome, 'succeeded');
  t.same(r.world.deployed, ['canary', 'rest', 'site']);
});

t.test('killed at any call of a halting rollout: each target rolled back exactly once', async (t) => {
  let seed = 11;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const plan = planOf(YML.replace('bake: 10m', 'bake: 1m'));
  for (let round = 0; round < 40; round++) {
    const r = rig();
    r.gates.answers.set('rest/deployed', [{ gate: 'command', passed: false, value: 'exit 1', threshold: 'exit 0', target: 'site' }]);
    const p = YML.replace('bake: 10m', 'bake: 1m').replace("        targets: [rest, site]\n", "        targets: [rest, site]\n        gates: { command: ./smoke.sh }\n");
    const thePlan = round % 2 === 0 ? planOf(p) : plan;
    r.world.crash = () => random() < 0.15;
    let out;
    for (let restart = 0; restart < 200 && !out; restart++) {
      try {
        out = await runner(r, thePlan).run();
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        await new Lease({ store: r.store, key: 'r/lease.json', holder: 'me', now: () => new Date(r.clock), ttlMs: 60_000 }).release().catch(() => undefined);
      }
    }
    r.world.crash = () => false;
    if (!out) out = await runner(r, thePlan).run();
    const expected = round % 2 === 0 ? 'halted' : 'succeeded';
    t.equal(out.outcome, expected, `round ${round}`);
    t.same([...r.world.deployed].sort(), ['canary', 'rest', 'site'], `round ${round}: each deployed once`);
    t.same([...r.world.rolledBack].sort(), expected === 'halted' ? ['canary', 'rest', 'site'] : [], `round ${round}: each rolled back once`);
  }
});
