// The runner with fake target drivers over an in-memory object store: journaled, resumable after
// a crash at any call, adopting what a crashed attempt started, and failing targets on errors.
import t from 'tap';
import { EdgeError } from '../../../../shared/errors.js';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import type { Target, TargetKind } from '../../../../controller/rollout/config-types.js';
import type { Previous, TargetRef } from '../../../../controller/rollout/journal-model.js';
import { Journal } from '../../../../controller/rollout/journal-store.js';
import { Lease } from '../../../../controller/rollout/lease.js';
import { MemoryObjectStore } from '../../../../controller/rollout/object-store.js';
import { planRollout, type RolloutPlan } from '../../../../controller/rollout/plan.js';
import { RolloutRunner, type DeployContext, type RolloutEvent, type TargetDriver } from '../../../../controller/rollout/runner.js';
import { FLEET_YML } from './fixtures.js';

class Crash extends Error {}

/** A world of deployments that finish after `polls` follows; `crash()` decides whether a call dies first. */
class FakeWorld implements TargetDriver {
  readonly deployments = new Map<string, { target: string; polls: number }>();
  calls = 0;
  constructor(
    private readonly failing: ReadonlySet<string>,
    readonly crash: () => boolean,
    private readonly errors: Map<string, EdgeError> = new Map(),
  ) {}
  private maybeCrash(): void {
    this.calls++;
    if (this.crash()) throw new Crash('killed');
  }
  async recordBefore(): Promise<{ kind: 'web' }> {
    this.maybeCrash();
    return { kind: 'web' };
  }
  async deploy(target: Target, ctx: DeployContext): Promise<TargetRef> {
    this.maybeCrash();
    const err = this.errors.get(target.name);
    if (err) throw err;
    this.deployments.set(ctx.token, { target: target.name, polls: 0 });
    if (this.crash()) throw new Crash('killed after the call');
    return { kind: 'deployment', deploymentId: ctx.token };
  }
  async find(_t: Target, ctx: DeployContext): Promise<TargetRef | undefined> {
    this.maybeCrash();
    return this.deployments.has(ctx.token) ? { kind: 'deployment', deploymentId: ctx.token } : undefined;
  }
  /** Rollbacks are deployments of their own, under the rollback's token (crashing as deploys do). */
  readonly rollbacks: string[] = [];
  async rollback(target: Target, _previous: Previous, ctx: DeployContext): Promise<TargetRef> {
    this.maybeCrash();
    this.rollbacks.push(target.name);
    this.deployments.set(ctx.token, { target: target.name, polls: 0 });
    if (this.crash()) throw new Crash('killed after the call');
    return { kind: 'deployment', deploymentId: ctx.token };
  }
  async findRollback(target: Target, _previous: Previous, ctx: DeployContext): Promise<TargetRef | undefined> {
    return this.find(target, ctx);
  }
  async follow(target: Target, ref: TargetRef) {
    this.maybeCrash();
    const d = this.deployments.get(ref.kind === 'deployment' ? ref.deploymentId : '');
    if (!d) return { state: 'failed' as const, reason: 'gone' };
    if (++d.polls < 2) return { state: 'running' as const, progress: '0/1' };
    return this.failing.has(target.name) ? { state: 'failed' as const, reason: 'hook failed' } : { state: 'succeeded' as const };
  }
}

const plan: RolloutPlan = (() => {
  const c = parseRolloutConfig(FLEET_YML);
  if (!c.ok) throw new Error('config');
  const p = planRollout(c.config, 'v1.0.0');
  if (!p.ok) throw new Error(p.reason);
  return p.plan;
})();

function runner(store: MemoryObjectStore, world: FakeWorld, holder: string, events: RolloutEvent[] = []) {
  const now = () => new Date(Date.UTC(2026, 0, 1));
  const drivers: Record<TargetKind, TargetDriver> = { devices: world, stack: world, web: world, codedeploy: world };
  return new RolloutRunner({
    plan,
    journal: new Journal({ store, prefix: 'r/', now }),
    lease: new Lease({ store, key: 'r/lease.json', holder, now, ttlMs: 60_000 }),
    drivers,
    by: holder,
    sleep: async () => undefined,
    now,
    pollMs: 0,
    leaseRenewMs: 10_000,
    onEvent: (e) => events.push(e),
  });
}

t.test('a rollout runs to the end and a re-run reports the same result without deploying', async (t) => {
  const store = new MemoryObjectStore();
  const world = new FakeWorld(new Set(), () => false);
  const events: RolloutEvent[] = [];
  const r = await runner(store, world, 'a', events).run();
  t.equal(r.outcome, 'succeeded');
  t.equal(world.deployments.size, 4);
  t.ok(events.some((e) => e.type === 'wave' && e.wave === 'gold-tenants' && e.status === 'passed'));
  const calls = world.calls;
  const again = await runner(store, world, 'b').run();
  t.equal(again.outcome, 'succeeded');
  t.equal(world.calls, calls, 'a finished rollout touches nothing');
});

t.test('killed at random calls, resumed until done: no target deployed twice', async (t) => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 60; round++) {
    const store = new MemoryObjectStore();
    const failing = new Set(['unicorn'].filter(() => random() < 0.5));
    const world = new FakeWorld(failing, () => random() < 0.15);
    let result;
    let kills = 0;
    for (let attempt = 0; attempt < 200 && !result; attempt++) {
      try {
        result = await runner(store, world, `ctl-${attempt}`).run();
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        kills++;
      }
    }
    const targets = [...world.deployments.values()].map((d) => d.target);
    t.equal(new Set(targets).size, targets.length, `round ${round} (${kills} kills): each target deployed once`);
    t.equal(result?.outcome, 'succeeded', `round ${round}: one failure is within gold-tenants' budget of 1`);
  }
});

t.test('an error that will not pass fails the target; one that may pass is retried', async (t) => {
  const store = new MemoryObjectStore();
  let throttles = 2;
  const world = new FakeWorld(new Set(), () => false, new Map([['eu-pis', new EdgeError('AWS_NOT_FOUND', 'deployment group pi-eu does not exist')]]));
  const deploy = world.deploy.bind(world);
  world.deploy = async (target, ctx) => {
    if (target.name === 'lab-pis' && throttles-- > 0) throw new EdgeError('AWS_THROTTLED', 'slow down');
    return deploy(target, ctx);
  };
  const r = await runner(store, world, 'a').run();
  t.equal(r.outcome, 'halted');
  t.match(r.reason, /wave devices: 1 failed \(eu-pis\), 0 allowed/);
  t.equal(r.state.targets.get('eu-pis')?.reason, 'deployment group pi-eu does not exist');
  t.equal(r.state.targets.get('lab-pis')?.status, 'succeeded', 'throttled twice, then deployed');
  t.equal([...world.deployments.values()].filter((d) => d.target === 'lab-pis').length, 1);
  t.notOk([...world.deployments.values()].some((d) => d.target === 'unicorn'), 'the halted wave stopped the rollout');
});

t.test('a second controller is refused while the first drives', async (t) => {
  const store = new MemoryObjectStore();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const world = new FakeWorld(new Set(), () => false);
  const follow = world.follow.bind(world);
  world.follow = async (tg, ref) => (await gate, follow(tg, ref));
  const first = runner(store, world, 'first').run();
  await new Promise((r) => setImmediate(r));
  await t.rejects(runner(store, world, 'second').run(), { code: 'ROLLOUT_LEASE_HELD', message: /driven by first/ });
  release();
  t.equal((await first).outcome, 'succeeded');
});

t.test('an abort journaled after an intent: the call that never happened is not made', async (t) => {
  const store = new MemoryObjectStore();
  const now = () => new Date(Date.UTC(2026, 0, 1));
  const j = new Journal({ store, prefix: 'r/', now });
  await j.append({ type: 'started', by: 'x', waves: plan.waves.map((w) => ({ name: w.name, targets: w.targets.map((x) => x.name) })) });
  await j.append({ type: 'wave-started', wave: 'devices' });
  await j.append({ type: 'target-before', target: 'lab-pis', previous: { kind: 'revision' } });
  await j.append({ type: 'target-intent', target: 'lab-pis', attempt: 1, token: 'tok-1' });
  await j.append({ type: 'abort-requested', by: 'ops', reason: 'bad build' });
  const world = new FakeWorld(new Set(), () => false);
  const r = await runner(store, world, 'b').run();
  t.equal(r.outcome, 'aborted');
  t.equal(world.deployments.size, 0, 'nothing deployed after the abort');
  t.match(r.state.targets.get('lab-pis')?.reason, /aborted before this target's deployment started/);
});

t.test("a succeeded target's outputs are journaled in its fact, bounded in size", async (t) => {
  const store = new MemoryObjectStore();
  const world = new FakeWorld(new Set(), () => false);
  const follow = world.follow.bind(world);
  const big = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`Out${String(i).padStart(3, '0')}`, 'x'.repeat(4096)]));
  world.follow = async (tg, ref) => {
    const r = await follow(tg, ref);
    if (r.state !== 'succeeded') return r;
    const outputs = tg.name === 'unicorn' ? { Url: 'https://unicorn.example', Version: 'v1.0.0' } : tg.name === 'lab-pis' ? big : {};
    return { ...r, outputs };
  };
  const r = await runner(store, world, 'a').run();
  t.equal(r.outcome, 'succeeded');
  t.same(r.state.targets.get('unicorn')?.outputs, { Url: 'https://unicorn.example', Version: 'v1.0.0' });
  t.same(r.state.targets.get('unicorn-web')?.outputs, {});
  const lab = r.state.targets.get('lab-pis');
  const kept = Object.keys(lab?.outputs ?? {}).length;
  t.ok(kept > 0 && kept < 200, `${kept} of 200 outputs kept`);
  t.equal((lab?.outputsOmitted ?? 0) + kept, 200, 'the rest is counted');
  const entries = [...store.objects.entries()].filter(([k]) => k.startsWith('r/journal/'));
  const largest = Math.max(...entries.map(([, o]) => o.body.length));
  t.ok(largest < 70 * 1024, `the largest journal entry is ${largest} bytes`);
  const back = await new Journal({ store, prefix: 'r/', now: () => new Date() }).load();
  t.same(back.targets.get('unicorn')?.outputs, { Url: 'https://unicorn.example', Version: 'v1.0.0' }, 'read back from the store');
});
