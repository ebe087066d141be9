import t from 'tap';
import { AwsLimits, Semaphore, TokenBucket, burstFor, type Timers } from '../../../../controller/aws/limits.js';

function virtualTimers(): Timers {
  let now = 0;
  return { now: () => now, sleep: async (ms) => void (now += ms) };
}

const key = (account: string, service = 'codedeploy', operation = 'GetDeployment') => ({ service, operation, account, region: 'eu-west-1' });

t.test('token bucket: a burst at once, then 1/tps apart', async (t) => {
  const timers = virtualTimers();
  const b = new TokenBucket({ tps: 10, burst: 3 }, timers);
  for (let i = 0; i < 3; i++) await b.take();
  t.equal(timers.now(), 0);
  for (let i = 0; i < 5; i++) await b.take();
  t.equal(Math.round(timers.now()), 500);
  t.equal(burstFor(2), 2);
  t.equal(burstFor(100), 10);
  t.equal(burstFor(0.5), 1);
});

t.test('semaphore counts what is in flight', async (t) => {
  const s = new Semaphore(1);
  let release!: () => void;
  const first = s.run(() => new Promise<void>((r) => (release = r)));
  t.equal(s.inFlight, 1);
  const second = s.run(async () => 'second');
  release();
  await first;
  t.equal(await second, 'second');
  t.equal(s.inFlight, 0);
});

t.test('per-account buckets: one account waits, another does not', async (t) => {
  const timers = virtualTimers();
  const limits = new AwsLimits({ tps: { codedeploy: 2 } }, timers);
  for (let i = 0; i < 2; i++) await limits.run(key('111111111111'), async () => undefined);
  t.equal(timers.now(), 0, 'the burst of 2');
  await limits.run(key('222222222222'), async () => undefined);
  t.equal(timers.now(), 0, 'another account has its own bucket');
  await limits.run(key('111111111111'), async () => undefined);
  t.equal(Math.round(timers.now()), 500, 'the first account waits for its next token');
});

t.test('operation buckets narrow a service; global buckets span accounts', async (t) => {
  const timers = virtualTimers();
  const limits = new AwsLimits({ tps: { codedeploy: 100, 'codedeploy.CreateDeployment': 1 }, globalTps: { iam: 1 } }, timers);
  await limits.run(key('1', 'codedeploy', 'CreateDeployment'), async () => undefined);
  await limits.run(key('1', 'codedeploy', 'CreateDeployment'), async () => undefined);
  t.equal(Math.round(timers.now()), 1000, 'CreateDeployment at 1/s');
  const before = timers.now();
  await limits.run(key('1', 'iam', 'GetUser'), async () => undefined);
  await limits.run(key('2', 'iam', 'GetUser'), async () => undefined);
  t.equal(Math.round(timers.now() - before), 1000, 'the global IAM bucket is shared by both accounts');
});

t.test('the global concurrency cap holds across accounts and services', async (t) => {
  const limits = new AwsLimits({ concurrency: 2, tps: { s3: 1000, iot: 1000 } }, virtualTimers());
  let active = 0;
  let peak = 0;
  const work = async (): Promise<void> => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setImmediate(r));
    active--;
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => limits.run(key(String(i % 3), i % 2 ? 's3' : 'iot', 'X'), work)));
  t.equal(peak, 2);
  t.equal(limits.inFlight, 0);
});
