// How the runner schedules: a finished target's slot goes to the next target at once (not after the
// slowest step of a round), running targets are looked at on the poll schedule (virtual clock, no
// real sleeps), entries that queue up go out in one journal write, and a failure lets the steps in
// flight end before it is thrown.
import t from 'tap';
import { EdgeError } from '../../../../shared/errors.js';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import type { Target, TargetKind } from '../../../../controller/rollout/config-types.js';
import type { TargetRef } from '../../../../controller/rollout/journal-model.js';
import { JOURNAL_BATCH_SCHEMA, Journal } from '../../../../controller/rollout/journal-store.js';
import { Lease } from '../../../../controller/rollout/lease.js';
import { MemoryObjectStore } from '../../../../controller/rollout/object-store.js';
import { planRollout, type RolloutPlan } from '../../../../controller/rollout/plan.js';
import { LOOKS_PER_SECOND, RolloutRunner, type FollowResult, type TargetDriver } from '../../../../controller/rollout/runner.js';

function planOf(targets: readonly string[], concurrency: number): RolloutPlan {
  const yml = `application: app
region: us-east-1
release: { bucket: rel, parts: { web: web } }
targets:
${targets.map((n) => `  ${n}: { kind: web, bucket: ${n}-site }`).join('\n')}
environments:
  - { name: prod, match: 'v*', waves: [ { name: w, targets: [${targets.join(', ')}], concurrency: ${concurrency} } ] }
`;
  const c = parseRolloutConfig(yml);
  if (!c.ok) throw new Error(JSON.stringify(c));
  const p = planRollout(c.config, 'v1');
  if (!p.ok) throw new Error(p.reason);
  return p.plan;
}

/** A virtual clock: sleeps wake in time order once everything else has settled. */
class Clock {
  now = 0;
  readonly slept: { target?: string; ms: number }[] = [];
  private timers: { at: number; wake: () => void }[] = [];
  sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.slept.push({ ms });
      this.timers.push({ at: this.now + ms, wake });
      this.timers.sort((a, b) => a.at - b.at);
    });
  /** Lets every promise settle (fakes only: no I/O), then wakes the earliest sleeper; false when none sleeps. */
  async tick(): Promise<boolean> {
    await new Promise<void>((r) => setImmediate(r));
    const next = this.timers.shift();
    if (!next) return false;
    this.now = next.at;
    next.wake();
    return true;
  }
}

/** Drivers whose deployments finish `runsMs` after they start; `gate` holds a target's deploy call. */
class Deployments implements TargetDriver {
  readonly log: string[] = [];
  readonly started = new Map<string, number>();
  gates = new Map<string, Promise<void>>();
  constructor(
    private readonly clock: Clock,
    private readonly runsMs: number,
  ) {}
  async recordBefore(target: Target): Promise<{ kind: 'web' }> {
    this.log.push(`before ${target.name}`);
    return { kind: 'web' };
  }
  async deploy(target: Target): Promise<TargetRef> {
    this.log.push(`deploy ${target.name}`);
    await this.gates.get(target.name);
    this.started.set(target.name, this.clock.now);
    this.log.push(`deployed ${target.name}`);
    return { kind: 'deployment', deploymentId: target.name };
  }
  async find(): Promise<undefined> {
    return undefined;
  }
  /** A rollback runs `runsMs` as a deployment does, and is found again once started. */
  readonly rolledBack = new Set<string>();
  async rollback(target: Target): Promise<TargetRef> {
    this.log.push(`rollback ${target.name}`);
    this.rolledBack.add(target.name);
    this.started.set(target.name, this.clock.now);
    return { kind: 'deployment', deploymentId: `${target.name}#rollback` };
  }
  async findRollback(target: Target): Promise<TargetRef | undefined> {
    return this.rolledBack.has(target.name) ? { kind: 'deployment', deploymentId: `${target.name}#rollback` } : undefined;
  }
  async follow(target: Target): Promise<FollowResult> {
    this.log.push(`look ${target.name} @${this.clock.now}`);
    const done = this.clock.now - (this.started.get(target.name) ?? 0) >= this.runsMs;
    return done ? { state: 'succeeded', ...(this.reportTook ? { tookMs: this.runsMs } : {}) } : { state: 'running' };
  }
  /** Report how long each deployment took, as AWS would (FollowResult.tookMs). */
  reportTook = false;
}

function runner(plan: RolloutPlan, store: MemoryObjectStore, clock: Clock, driver: TargetDriver, pollMs = 2000) {
  const now = () => new Date(clock.now);
  const drivers = { devices: driver, stack: driver, web: driver, codedeploy: driver } as Record<TargetKind, TargetDriver>;
  return new RolloutRunner({
    plan,
    journal: new Journal({ store, prefix: 'r/', now }),
    lease: new Lease({ store, key: 'r/lease.json', holder: 'me', now, ttlMs: 600_000 }),
    drivers,
    by: 'me',
    sleep: clock.sleep,
    now,
    pollMs,
    leaseRenewMs: 300_000,
  });
}

/** Runs the rollout on the virtual clock to its end. */
async function drive(r: RolloutRunner, clock: Clock) {
  let result: Awaited<ReturnType<RolloutRunner['run']>> | undefined;
  let error: unknown;
  const run = r.run().then((x) => (result = x), (e: unknown) => (error = e));
  for (let i = 0; i < 10_000 && !result && error === undefined; i++) await clock.tick();
  await run;
  if (error !== undefined) throw error;
  return result;
}

t.test("a finished target's slot goes to the next one while another target's deploy call is still out", async (t) => {
  const clock = new Clock();
  const store = new MemoryObjectStore();
  const d = new Deployments(clock, 0);
  let release!: () => void;
  d.gates.set('b', new Promise<void>((r) => (release = r)));
  const run = runner(planOf(['a', 'b', 'c'], 2), store, clock, d).run();
  for (let i = 0; i < 200 && !d.log.includes('before c'); i++) await clock.tick();
  t.ok(d.log.includes('before c'), 'c started while b was still being deployed');
  t.notOk(d.log.includes('deployed b'));
  release();
  for (let i = 0; i < 200 && d.log.filter((l) => l.startsWith('deployed')).length < 3; i++) await clock.tick();
  for (let i = 0; i < 200; i++) if (!(await clock.tick())) break;
  t.equal((await run).outcome, 'succeeded');
});

t.test('a running target is looked at on the poll schedule: the floor first, then a fifth of the time waited', async (t) => {
  const clock = new Clock();
  const d = new Deployments(clock, 5000);
  const r = await drive(runner(planOf(['a'], 1), new MemoryObjectStore(), clock, d), clock);
  t.equal(r?.outcome, 'succeeded');
  const looks = d.log.filter((l) => l.startsWith('look a')).map((l) => Number(l.split('@')[1]));
  const expected = [250, 500, 750, 1000, 1250, 1500, 1800, 2160, 2592, 3110, 3732, 4479, 5374];
  t.same(looks.map(Math.round), expected, 'the first look waits too; no look is more than a fifth late');
});

t.test('many targets running share LOOKS_PER_SECOND', async (t) => {
  const clock = new Clock();
  const names = Array.from({ length: 300 }, (_, i) => `t${i}`);
  const d = new Deployments(clock, 20_000);
  const r = await drive(runner(planOf(names, 300), new MemoryObjectStore(), clock, d), clock);
  t.equal(r?.outcome, 'succeeded');
  const looks = d.log.filter((l) => l.startsWith('look '));
  const lastMs = Math.max(...looks.map((l) => Number(l.split('@')[1])));
  const rate = looks.length / (lastMs / 1000);
  t.ok(rate <= LOOKS_PER_SECOND * 1.1, `${rate.toFixed(0)} looks a second over ${names.length} targets`);
  t.ok(lastMs < 20_000 + 4000, `each still seen done within a look spacing (${lastMs} ms)`);
});

t.test('entries written while a journal write is in flight go out together, in order', async (t) => {
  const clock = new Clock();
  const store = new MemoryObjectStore();
  const d = new Deployments(clock, 1000);
  const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
  const r = await drive(runner(planOf(names, 20), store, clock, d), clock);
  t.equal(r?.outcome, 'succeeded');
  const keys = await store.list('r/journal/');
  const docs = keys.map((k) => JSON.parse(store.objects.get(k)?.body.toString() ?? '{}') as { schema: string; entries?: unknown[] });
  const batches = docs.filter((x) => x.schema === JOURNAL_BATCH_SCHEMA);
  t.ok(batches.length > 0, 'some writes carried several entries');
  t.ok(keys.length < r!.state.nextSeq, `${r!.state.nextSeq} entries in ${keys.length} writes`);
  const back = await new Journal({ store, prefix: 'r/', now: () => new Date(0) }).load();
  t.same([...back.targets.values()].map((x) => x.status), names.map(() => 'succeeded'), 'read back whole');
});

t.test('a failure stops new steps, lets the ones in flight end, then is thrown; the lease is let go', async (t) => {
  const clock = new Clock();
  const store = new MemoryObjectStore();
  const d = new Deployments(clock, 0);
  let release!: () => void;
  d.gates.set('b', new Promise<void>((r) => (release = r)));
  const recordBefore = d.recordBefore.bind(d);
  d.recordBefore = async (target) => {
    if (target.name === 'c') throw new Error('a bug');
    return recordBefore(target);
  };
  let error: unknown;
  const run = runner(planOf(['a', 'b', 'c', 'd'], 2), store, clock, d).run().catch((e: unknown) => (error = e));
  for (let i = 0; i < 200 && !d.log.includes('deploy b'); i++) await clock.tick();
  for (let i = 0; i < 20; i++) await clock.tick();
  t.equal(error, undefined, 'not thrown while b is being deployed');
  release();
  for (let i = 0; i < 200 && error === undefined; i++) await clock.tick();
  await run;
  t.match(error, { message: 'a bug' });
  t.notOk(d.log.includes('before d'), 'nothing started after the failure');
  const back = await new Journal({ store, prefix: 'r/', now: () => new Date(0) }).load();
  t.equal(back.targets.get('b')?.status, 'in-progress', "b's deployment was journaled before the failure was thrown");
  t.match(JSON.parse(store.objects.get('r/lease.json')?.body.toString() ?? '{}'), { until: new Date(0).toISOString() });
});

t.test('an error that may pass is retried on the poll schedule, not at once', async (t) => {
  const clock = new Clock();
  const d = new Deployments(clock, 0);
  let throttles = 3;
  const deploy = d.deploy.bind(d);
  d.deploy = async (target) => {
    if (throttles-- > 0) throw new EdgeError('AWS_THROTTLED', 'slow down');
    return deploy(target);
  };
  const r = await drive(runner(planOf(['a'], 1), new MemoryObjectStore(), clock, d), clock);
  t.equal(r?.outcome, 'succeeded');
  t.same(clock.slept.slice(0, 3).map((s) => s.ms), [250, 250, 250], 'each retry waited');
});

t.test('once targets of a kind have ended, the next are first looked at just past the time they took', async (t) => {
  const clock = new Clock();
  const d = new Deployments(clock, 1900);
  d.reportTook = true;
  const r = await drive(runner(planOf(['a', 'b'], 1), new MemoryObjectStore(), clock, d), clock);
  t.equal(r?.outcome, 'succeeded');
  const looksAt = (name: string) =>
    d.log.filter((l) => l.startsWith(`look ${name} `)).map((l) => Number(l.split('@')[1]) - (d.started.get(name) ?? 0));
  t.same(looksAt('a'), [250, 500, 750, 1000, 1250, 1500, 1800, 2160], 'the first on the schedule (seen 260 ms late)');
  t.same(looksAt('b'), [1919], 'the next one look, 1 % past the 1.9 s the first took');
});

t.test("a target's target-before and its first intent go out in one journal write, whatever else is queued", async (t) => {
  const clock = new Clock();
  const store = new MemoryObjectStore();
  const d = new Deployments(clock, 500);
  const names = Array.from({ length: 60 }, (_, i) => `t${i}`);
  const r = await drive(runner(planOf(names, 60), store, clock, d), clock);
  t.equal(r?.outcome, 'succeeded');
  const written = (await store.list('r/journal/')).map((k) => {
    const doc = JSON.parse(store.objects.get(k)?.body.toString() ?? '{}') as { entries?: { type: string; target?: string }[] };
    return doc.entries ?? [doc as { type: string; target?: string }];
  });
  const writeOf = (type: string, target: string) => written.findIndex((es) => es.some((e) => e.type === type && e.target === target));
  const apart = names.filter((n) => writeOf('target-before', n) < 0 || writeOf('target-before', n) !== writeOf('target-intent', n));
  t.same(apart, [], 'never in two writes (a crash leaves both or neither)');
  t.ok(written.some((es) => es.length > 2), 'with 60 targets, writes carried more than one target');
});

t.test('a target started before any of its kind ended re-plans its looks once one has', async (t) => {
  const clock = new Clock();
  const d = new Deployments(clock, 1900);
  d.reportTook = true;
  let release!: () => void;
  d.gates.set('b', new Promise<void>((r) => (release = r)));
  const run = runner(planOf(['a', 'b'], 2), new MemoryObjectStore(), clock, d);
  let result: Awaited<ReturnType<RolloutRunner['run']>> | undefined;
  const done = run.run().then((x) => (result = x));
  for (let i = 0; i < 1000 && clock.now < 1000; i++) await clock.tick();
  release(); // b starts about 1 s after a
  for (let i = 0; i < 10_000 && !result; i++) await clock.tick();
  await done;
  t.equal(result?.outcome, 'succeeded');
  const looksAt = (name: string) =>
    d.log.filter((l) => l.startsWith(`look ${name} `)).map((l) => Number(l.split('@')[1]) - (d.started.get(name) ?? 0));
  t.equal(looksAt('a').at(-1), 2160, 'a, alone in the dark, on the schedule');
  t.equal(Math.round(looksAt('b').at(-1) ?? 0), 1919, 'b, once a had ended, at 1 % past the 1.9 s a took (the schedule alone: 2160)');
});

t.test('a driver whose deploy returns with the work done is followed at once, without a wait', async (t) => {
  const clock = new Clock();
  const d = new Deployments(clock, 0);
  const done = Object.assign(d, { doneOnDeploy: true });
  const r = await drive(runner(planOf(['a', 'b', 'c'], 1), new MemoryObjectStore(), clock, done), clock);
  t.equal(r?.outcome, 'succeeded');
  t.same(d.log.filter((l) => l.startsWith('look ')), ['look a @0', 'look b @0', 'look c @0'], 'each looked at when deployed');
  t.same(clock.slept, [], 'nothing waited');
});
