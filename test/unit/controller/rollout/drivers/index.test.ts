// The rollout runner with the real drivers over the fake AWS world: two device fleets in two
// accounts, then a tenant's stack and web files, in two waves, to the end; and the same rollout
// with the controller killed right after each deploy call, resumed, without doing anything twice.
import t, { type Test } from 'tap';
import { parseRolloutConfig } from '../../../../../controller/rollout/config-parse.js';
import type { TargetKind } from '../../../../../controller/rollout/config-types.js';
import { createDrivers } from '../../../../../controller/rollout/drivers/index.js';
import { Journal } from '../../../../../controller/rollout/journal-store.js';
import { Lease } from '../../../../../controller/rollout/lease.js';
import { planRollout } from '../../../../../controller/rollout/plan.js';
import { RolloutRunner, type RolloutEvent, type TargetDriver } from '../../../../../controller/rollout/runner.js';
import { FLEET_YML } from '../fixtures.js';
import { DEVICES, PIPELINE, TENANT, estate, type Estate } from './setup.js';

class Crash extends Error {}

function plan() {
  // the web target reaches the tenant through the same role, with its ExternalId
  const c = parseRolloutConfig(FLEET_YML.replace('    bucket: unicorn-site\n', '    bucket: unicorn-site\n    external_id: unicorn-7f3\n'));
  if (!c.ok) throw new Error('config');
  const p = planRollout(c.config, 'v1.0.0');
  if (!p.ok) throw new Error(p.reason);
  return p.plan;
}

function runner(e: Estate, drivers: Readonly<Record<TargetKind, TargetDriver>>, holder: string, events: RolloutEvent[]) {
  const now = () => new Date(e.world.now);
  const groups = [e.world.codedeploy(PIPELINE, 'us-east-1'), e.world.codedeploy(DEVICES, 'eu-west-1')];
  // the devices: every deployment succeeds on all of them by the next poll
  const sleep = async (ms: number) => {
    await e.deps.sleep(ms);
    for (const cd of groups) {
      for (const d of cd.deployments.values()) {
        if (d.info.status === 'Created') cd.progress(d.info.deploymentId, 'Succeeded', Object.fromEntries([...d.targets.keys()].map((k) => [k, 'Succeeded'])));
      }
    }
  };
  return new RolloutRunner({
    plan: plan(),
    journal: new Journal({ store: e.store, prefix: 'r/', now }),
    lease: new Lease({ store: e.store, key: 'r/lease.json', holder, now, ttlMs: 60_000 }),
    drivers,
    by: holder,
    sleep,
    now,
    pollMs: 1000,
    leaseRenewMs: 30_000,
    onEvent: (x) => events.push(x),
  });
}

async function world(): Promise<Estate> {
  const e = await estate();
  e.world.s3().grant('acme-releases', TENANT, 'read');
  return e;
}

function deployedOnce(t: Test, e: Estate): void {
  t.equal(e.world.codedeploy(PIPELINE, 'us-east-1').deployments.size, 1, 'lab-pis: one deployment');
  t.equal(e.world.codedeploy(DEVICES, 'eu-west-1').deployments.size, 1, 'eu-pis: one deployment');
  const executions = e.world.calls.filter((c) => c.operation === 'ExecuteChangeSet');
  t.equal(executions.length, 1, 'unicorn: one change set executed');
  const s = e.world.cloudformation(TENANT, 'us-east-1').stacks[0];
  t.equal(s?.status, 'CREATE_COMPLETE');
  t.ok(e.world.s3(TENANT).buckets.get('unicorn-site')?.has('index.html'), 'unicorn-web: files copied');
}

t.test('two device fleets, then a stack and web files: a rollout to the end', async (t) => {
  const e = await world();
  const events: RolloutEvent[] = [];
  const r = await runner(e, createDrivers(e.deps), 'ctl-a', events).run();
  t.equal(r.outcome, 'succeeded', r.reason ?? '');
  deployedOnce(t, e);
  const waves = events.filter((x) => x.type === 'wave').map((x) => (x.type === 'wave' ? `${x.wave}:${x.status}` : ''));
  t.same(waves, ['devices:started', 'devices:passed', 'gold-tenants:started', 'gold-tenants:passed']);
  t.match(r.state.targets.get('lab-pis'), { status: 'succeeded', previous: { kind: 'revision' }, ref: { kind: 'deployment' } });
  t.match(r.state.targets.get('unicorn'), { status: 'succeeded', previous: { kind: 'stack', exists: false }, ref: { kind: 'change-set' } });
  t.match(r.state.targets.get('unicorn-web'), { status: 'succeeded', previous: { kind: 'web' }, ref: { kind: 'copy', objects: 2 } });
  const assumed = e.world.calls.filter((c) => c.operation === 'AssumeRole').map((c) => c.args[0] as { roleArn: string; externalId?: string });
  t.same([...new Set(assumed.map((a) => `${a.roleArn}|${a.externalId ?? ''}`))].sort(), [
    `arn:aws:iam::${TENANT}:role/fleet-deployer|unicorn-7f3`,
    `arn:aws:iam::${DEVICES}:role/fleet-deployer|`,
  ]);
});

t.test('killed right after each deploy call: resumed, every target is adopted, nothing done twice', async (t) => {
  const e = await world();
  const real = createDrivers(e.deps);
  const killed = new Set<string>();
  const crashing = (d: TargetDriver): TargetDriver => ({
    ...d,
    deploy: async (target, ctx) => {
      const ref = await d.deploy(target, ctx);
      if (!killed.has(target.name)) {
        killed.add(target.name);
        throw new Crash(`killed after deploying ${target.name}`);
      }
      return ref;
    },
  });
  const drivers = { devices: crashing(real.devices), codedeploy: crashing(real.codedeploy), stack: crashing(real.stack), web: crashing(real.web) };
  const events: RolloutEvent[] = [];
  let result;
  let kills = 0;
  for (let i = 0; i < 10 && !result; i++) {
    try {
      result = await runner(e, drivers, `ctl-${i}`, events).run();
    } catch (x) {
      if (!(x instanceof Crash)) throw x;
      kills++;
      e.world.advance(61_000); // the dead controller's lease runs out
    }
  }
  t.equal(result?.outcome, 'succeeded');
  t.ok(kills >= 2, `killed ${kills} times`);
  t.same([...killed].sort(), ['eu-pis', 'lab-pis', 'unicorn', 'unicorn-web']);
  for (const name of killed) t.equal(result?.state.targets.get(name)?.adopted, true, `${name} adopted`);
  deployedOnce(t, e);
});
