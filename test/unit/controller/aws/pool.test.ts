import t from 'tap';
import { isEdgeError } from '../../../../shared/errors.js';
import { silentLogger } from '../../../../shared/log.js';
import type { PortFactory } from '../../../../controller/aws/clients.js';
import { createAwsPool } from '../../../../controller/aws/pool.js';
import { fakePool, virtualTimers } from '../../../fakes/aws/pool.js';
import { FakeAwsWorld, fakeFactory } from '../../../fakes/aws/world.js';

const ROLE = 'arn:aws:iam::222222222222:role/FleetDeployer';
const tenant = { kind: 'assume-role' as const, roleArn: ROLE, sessionName: 'fleetctl-rollout', externalId: 'tenant-ext' };

t.test('sessions are cached per (account, region, credentials source)', async (t) => {
  const { pool } = fakePool();
  const a = pool.session();
  t.equal(pool.session(), a);
  t.not(pool.session({ region: 'us-east-1' }), a);
  t.equal(pool.session({ credentials: tenant }).account, '222222222222', 'account from the role ARN');
  t.equal(pool.session({ credentials: tenant }), pool.session({ credentials: { ...tenant } }));
  t.not(pool.session({ credentials: tenant }), pool.session({ credentials: { ...tenant, externalId: 'other' } }));
  t.throws(() => fakePool({ region: undefined as unknown as string }).pool.session({}), { code: 'CLI_AWS_CONFIG' });
});

t.test('assumed-role sessions: ExternalId passed, credentials cached and refreshed before expiry', async (t) => {
  const { pool, world } = fakePool();
  world.addRole(ROLE, { externalId: 'tenant-ext' });
  const s = pool.session({ credentials: tenant });
  t.match(await s.sts.getCallerIdentity(), { account: '222222222222', arn: 'arn:aws:sts::222222222222:assumed-role/FleetDeployer/fleetctl-rollout' });
  await s.iam.createUser('rpi-01');
  t.ok(world.iam('222222222222').users.has('rpi-01'), 'the call ran in the tenant account');
  t.notOk(world.iam().users.has('rpi-01'));
  const assumes = () => world.calls.filter((c) => c.operation === 'AssumeRole');
  t.equal(assumes().length, 1, 'one AssumeRole for several calls');
  t.same(assumes()[0]?.args[0], { roleArn: ROLE, sessionName: 'fleetctl-rollout', externalId: 'tenant-ext' });
  t.equal(assumes()[0]?.account, '111111111111', 'assumed through the base identity');
  world.advance(3600_000 - 5 * 60_000 + 1);
  await s.iam.getUser('rpi-01');
  t.equal(assumes().length, 2, 'refreshed 5 minutes before expiry, before AWS refuses it');
  t.equal(pool.stats.calls['sts.AssumeRole'], 2, 'AssumeRole calls are paced and counted like any other');
});

t.test('a wrong ExternalId is AWS_ASSUME_ROLE_FAILED; expired credentials are refreshed once', async (t) => {
  const { pool, world } = fakePool();
  world.addRole(ROLE, { externalId: 'tenant-ext' });
  const wrong = pool.session({ credentials: { ...tenant, externalId: 'guess' } });
  const e = await wrong.iot.describeThing('x').catch((x: unknown) => x);
  t.ok(isEdgeError(e, 'AWS_ASSUME_ROLE_FAILED'), String(e));
  const s = pool.session({ credentials: tenant });
  await s.iam.createUser('u');
  world.faults.inject({ operation: 'iam.GetUser', fault: 'expired' });
  t.match(await s.iam.getUser('u'), { userName: 'u' }, 'retried once after a refresh');
  const good = world.calls.filter((c) => c.operation === 'AssumeRole' && (c.args[0] as { externalId?: string }).externalId === 'tenant-ext');
  t.equal(good.length, 2, 'the refresh assumed the role again');
  world.faults.inject({ operation: 'iam.GetUser', fault: 'expired', times: 2 });
  await t.rejects(s.iam.getUser('u'), { code: 'AWS_CREDENTIALS_EXPIRED' }, 'only once');
});

t.test('retries: throttling and 5xx backed off and counted per operation; fatal errors are not retried', async (t) => {
  const { pool, world, timers } = fakePool({ retry: { maxAttempts: 4, baseMs: 100, capMs: 1000 } });
  const s = pool.session();
  world.faults.inject({ operation: 'iot.CreateThing', fault: 'throttle', times: 2 });
  world.faults.inject({ operation: 'iot.DescribeThing', nth: 1, fault: '5xx' });
  await s.iot.createThing('rpi-01');
  t.match(await s.iot.describeThing('rpi-01'), { thingName: 'rpi-01', thingArn: /:thing\/rpi-01$/ });
  t.match(pool.stats.byOperation['iot.CreateThing'], { calls: 3, retries: 2, throttled: 2, backoffMs: 50 + 100, failures: 0 });
  t.match(pool.stats.byOperation['iot.DescribeThing'], { calls: 2, retries: 1, throttled: 0 });
  t.same(timers.slept.slice(-3), [50, 100, 50]);
  await t.rejects(s.iot.describeThing('nosuch'), { code: 'AWS_NOT_FOUND', details: { service: 'iot', operation: 'DescribeThing', awsName: 'ResourceNotFoundException' } });
  t.equal(pool.stats.byOperation['iot.DescribeThing']?.calls, 3, 'not-found is not retried');
  world.faults.inject({ operation: 'iam', fault: 'throttle', times: Infinity });
  await t.rejects(s.iam.getUser('x'), { code: 'AWS_THROTTLED', retryable: true, details: { throttled: true } });
  t.match(pool.stats.byOperation['iam.GetUser'], { calls: 4, failures: 1 });
});

t.test('limits are shared by every session of the pool, per account', async (t) => {
  const { pool, world, timers } = fakePool({ limits: { tps: { iot: 1 } } });
  const other = 'arn:aws:iam::333333333333:role/FleetDeployer';
  world.addRole(ROLE);
  world.addRole(other);
  const as = (roleArn: string, sessionName: string) => pool.session({ credentials: { kind: 'assume-role', roleArn, sessionName } });
  await as(ROLE, 'first').iot.createThing('a');
  const start = timers.now();
  await as(ROLE, 'second').iot.createThing('b');
  t.equal(Math.round(timers.now() - start), 1000, 'another session in the same account shares its bucket');
  const before = timers.now();
  await as(other, 'first').iot.createThing('c');
  t.equal(timers.now(), before, 'another account has its own bucket');
  t.equal(pool.session({ account: '444444444444' }).account, '444444444444', 'the root may name the base account');
});

t.test('more new roles at once than concurrency slots: each AssumeRole runs before its call takes a slot', async (t) => {
  const { pool, world } = fakePool({ limits: { concurrency: 2 } });
  const roles = ['333333333330', '333333333331', '333333333332', '333333333333'].map((a) => `arn:aws:iam::${a}:role/FleetDeployer`);
  for (const r of roles) world.addRole(r);
  let settled = 0;
  const all = Promise.all(
    roles.map((roleArn) => pool.session({ credentials: { kind: 'assume-role', roleArn, sessionName: 'fanout' } }).iam.createUser('u').finally(() => settled++)),
  );
  // every fake call resolves within a few turns of the event loop (virtual timers): a deadlock leaves them pending
  for (let turn = 0; turn < 100 && settled < roles.length; turn++) await new Promise<void>((r) => setImmediate(r));
  t.equal(settled, roles.length, 'no call waits on an AssumeRole that waits on its slot');
  await all;
  t.equal(world.calls.filter((c) => c.operation === 'AssumeRole').length, roles.length);
  t.equal(pool.limits.inFlight, 0);
});

t.test('the iot:Data-ATS endpoint is discovered lazily per (account, region), once', async (t) => {
  const { pool, world } = fakePool();
  world.iot().shadows.set('rpi-01', { state: { reported: { health: { verdict: 'ok' } } } });
  const s = pool.session();
  const [a, b] = await Promise.all([s.iotdata.getThingShadow('rpi-01'), s.iotdata.getThingShadow('rpi-01')]);
  t.same(a, b);
  t.equal(world.calls.filter((c) => c.operation === 'DescribeEndpoint').length, 1);
  const data = world.calls.find((c) => c.service === 'iotdata');
  t.match(data?.endpoint, /^https:\/\/[0-9a-f]+-ats\.iot\.eu-west-1\.amazonaws\.com$/);
  await t.rejects(s.iotdata.getThingShadow('nosuch'), { code: 'AWS_NOT_FOUND' });
  const given = fakePool({ endpoints: { iotdata: 'http://127.0.0.1:9' } });
  given.world.iot().shadows.set('x', {});
  await given.pool.session().iotdata.getThingShadow('x');
  t.equal(given.world.calls.filter((c) => c.operation === 'DescribeEndpoint').length, 0, 'a given endpoint skips discovery');
  t.equal(given.world.calls[0]?.endpoint, 'http://127.0.0.1:9');
});

t.test('destroy releases every client built', async (t) => {
  const { pool, factory } = fakePool();
  await pool.session().iot.createThing('a');
  await pool.session({ region: 'us-east-1' }).iam.createUser('u');
  t.equal(pool.size, 2);
  pool.destroy();
  t.equal(factory.destroyed, 2);
  t.equal(pool.size, 0);
});

t.test('destroy then releases what the factory\'s clients share, once', async (t) => {
  const world = new FakeAwsWorld();
  const order: string[] = [];
  const base = fakeFactory(world);
  const factory: PortFactory = {
    ...base,
    iot: (spec) => {
      const b = base.iot(spec);
      return { port: b.port, destroy: () => order.push('client') };
    },
    destroy: () => order.push('factory'),
  };
  const pool = createAwsPool({ region: 'eu-west-1' }, { factory, timers: virtualTimers(world), clock: () => world.now, random: () => 0.5, log: silentLogger() });
  await pool.session().iot.createThing('a');
  pool.destroy();
  t.same(order, ['client', 'factory'], 'the clients first, then their shared connections');
});
