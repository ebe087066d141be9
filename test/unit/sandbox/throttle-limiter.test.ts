// The limiter on a controlled clock: token buckets, injected latency and seeded throttling, the
// counters, and how requests are named and refused on the wire.
import t from 'tap';
import { createRequestLimiter } from '../../../sandbox/limits/limiter.js';
import type { LimitsConfig } from '../../../sandbox/limits/limits-config.js';
import { TokenBucket, seededRandom } from '../../../sandbox/limits/token-bucket.js';
import { operationOf, serverError, throttleError } from '../../../sandbox/limits/wire.js';
import { AwsError } from '../../../sandbox/types.js';

const never = new AbortController().signal;

function harness(config: LimitsConfig) {
  let now = 1_000_000;
  const slept: number[] = [];
  const limiter = createRequestLimiter({
    config,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  const admit = (service: string, operation: string): Promise<string> =>
    limiter.admit({ service, operation }, never).then(
      () => 'ok',
      (e: unknown) => (e instanceof AwsError ? `${e.code} ${e.status}` : String(e)),
    );
  return { limiter, admit, slept, advance: (ms: number) => (now += ms) };
}

t.test('token bucket: burst, then the sustained rate', async (t) => {
  const b = new TokenBucket(5, 5, 0);
  const first = Array.from({ length: 7 }, () => b.take(0));
  t.same(first, [true, true, true, true, true, false, false]);
  t.notOk(b.take(100), 'half a token after 100 ms');
  t.ok(b.take(200), 'one token after 200 ms');
  t.notOk(b.take(200));
  t.ok(b.take(10_000) && b.take(10_000) && b.take(10_000) && b.take(10_000) && b.take(10_000), 'refills to the capacity');
  t.notOk(b.take(10_000), 'not beyond it');
  t.notOk(b.take(9_000), 'a clock going back gives nothing');
});

t.test('seeded random is reproducible and spread over [0, 1)', async (t) => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a());
  t.same(xs, Array.from({ length: 1000 }, () => b()));
  t.ok(xs.every((x) => x >= 0 && x < 1));
  const low = xs.filter((x) => x < 0.3).length;
  t.ok(low > 230 && low < 370, `~30% below 0.3 (${low})`);
  t.not(seededRandom(43)(), seededRandom(42)());
});

t.test('per-operation buckets and counters', async (t) => {
  const h = harness({ operations: { 'codedeploy:RegisterOnPremisesInstance': { tps: 2 } } });
  const outcomes = [];
  for (let i = 0; i < 4; i++) outcomes.push(await h.admit('codedeploy', 'RegisterOnPremisesInstance'));
  t.same(outcomes, ['ok', 'ok', 'ThrottlingException 400', 'ThrottlingException 400']);
  t.equal(await h.admit('codedeploy', 'ListApplications'), 'ok', 'another operation has no bucket');
  h.advance(500);
  t.equal(await h.admit('codedeploy', 'RegisterOnPremisesInstance'), 'ok', 'a token after 1/tps');
  t.same(h.limiter.stats(), {
    'codedeploy:RegisterOnPremisesInstance': { served: 3, throttled: 2, injected: 0, errors: 0 },
    'codedeploy:ListApplications': { served: 1, throttled: 0, injected: 0, errors: 0 },
  });
  h.limiter.resetStats();
  t.same(h.limiter.stats(), {});
  h.limiter.set({ operations: { 'codedeploy:RegisterOnPremisesInstance': { tps: 1, burst: 3 } } });
  const afterSet = [];
  for (let i = 0; i < 4; i++) afterSet.push(await h.admit('codedeploy', 'RegisterOnPremisesInstance'));
  t.same(afterSet, ['ok', 'ok', 'ok', 'ThrottlingException 400'], 'set() starts full buckets of the new size');
  t.same(h.limiter.get(), { operations: { 'codedeploy:RegisterOnPremisesInstance': { tps: 1, burst: 3 } } });
});

t.test('latency is added before the decision; throttle rate draws from the seed', async (t) => {
  const h = harness({ seed: 9, default: { latencyMs: 25, throttleRate: 0.5 } });
  const a = [];
  for (let i = 0; i < 20; i++) a.push(await h.admit('iam', 'CreateUser'));
  t.same(h.slept, Array(20).fill(25));
  t.ok(a.includes('Throttling 400') && a.includes('ok'), 'both outcomes at 0.5');
  const stats = h.limiter.stats()['iam:CreateUser']!;
  t.equal(stats.injected, a.filter((x) => x !== 'ok').length);
  t.equal(stats.throttled, stats.injected);
  h.limiter.set({ seed: 9, default: { latencyMs: 25, throttleRate: 0.5 } });
  const b = [];
  for (let i = 0; i < 20; i++) b.push(await h.admit('iam', 'CreateUser'));
  t.same(b, a, 'set() restarts the seeded sequence');
  t.equal(await h.admit('codedeploy-commands', 'PollHostCommand'), 'ok', 'defaults never touch the Commands API');
  t.throws(() => h.limiter.set({ default: { tps: -1 } } as never), /tps/);
});

t.test('error rate: seeded 5xx answers before the bucket, counted apart from throttling', async (t) => {
  const run = async (config: LimitsConfig): Promise<string[]> => {
    const h = harness(config);
    const out = [];
    for (let i = 0; i < 40; i++) out.push(await h.admit('codedeploy', 'CreateDeployment'));
    const stats = h.limiter.stats()['codedeploy:CreateDeployment']!;
    t.equal(stats.errors, out.filter((x) => x === 'InternalFailure 500').length, 'errors counts the 5xx answers');
    t.equal(stats.served + stats.errors + stats.throttled, 40, 'every request counted once');
    return out;
  };
  const a = await run({ seed: 4, operations: { CreateDeployment: { errorRate: 0.25 } } });
  t.ok(a.includes('InternalFailure 500') && a.includes('ok'), 'both outcomes at 0.25');
  t.same(await run({ seed: 4, operations: { CreateDeployment: { errorRate: 0.25 } } }), a, 'same seed, same answers');
  t.same(await run({ seed: 4, operations: { CreateDeployment: { errorRate: 0 } } }), Array(40).fill('ok'), '0 never fails');

  const both = await run({ seed: 4, default: { throttleRate: 0.2, errorRate: 0.2 } });
  t.ok(both.includes('ThrottlingException 400') && both.includes('InternalFailure 500'), 'throttling and errors together');
  const throttledOnly = await run({ seed: 4, default: { throttleRate: 0.2 } });
  t.same(
    throttledOnly.map((x) => x === 'ok'),
    (await run({ seed: 4, default: { throttleRate: 0.2, errorRate: 0 } })).map((x) => x === 'ok'),
    'an errorRate of 0 does not shift the seeded throttling',
  );

  const h = harness({ default: { tps: 1, errorRate: 1 } });
  t.equal(await h.admit('s3', '*'), 'InternalError 500', 'the injected error takes no token');
  h.limiter.set({ default: { tps: 1 } });
  t.equal(await h.admit('s3', '*'), 'ok');
});

t.test('a real sleep ends when the request is aborted', async (t) => {
  const limiter = createRequestLimiter({ config: { default: { latencyMs: 60_000 } } });
  const abort = new AbortController();
  const pending = limiter.admit({ service: 'sts', operation: 'GetCallerIdentity' }, abort.signal);
  abort.abort();
  await t.resolves(pending);
});

t.test('operation names and throttling errors on the wire', async (t) => {
  const none = new URLSearchParams();
  t.equal(operationOf('codedeploy', { 'x-amz-target': 'CodeDeploy_20141006.ListApplications' }, none, Buffer.alloc(0)), 'ListApplications');
  t.equal(operationOf('codedeploy-commands', { 'x-amz-target': 'CodeDeployCommandService_v20141006.PollHostCommand' }, none, Buffer.alloc(0)), 'PollHostCommand');
  t.equal(operationOf('iam', {}, none, Buffer.from('Action=CreateUser&Version=2010-05-08&UserName=x')), 'CreateUser');
  t.equal(operationOf('sts', {}, new URLSearchParams('Action=GetCallerIdentity'), Buffer.alloc(0)), 'GetCallerIdentity');
  t.equal(operationOf('sts', { 'content-type': 'application/json' }, none, Buffer.from('{}')), '*');
  t.equal(operationOf('s3', {}, new URLSearchParams('list-type=2'), Buffer.alloc(0)), '*');
  t.equal(operationOf('iot', {}, none, Buffer.alloc(0)), '*');

  const shape = (e: AwsError) => [e.code, e.status, e.message];
  t.same(shape(throttleError('codedeploy')), ['ThrottlingException', 400, 'Rate exceeded']);
  t.same(shape(throttleError('iam')), ['Throttling', 400, 'Rate exceeded']);
  t.same(shape(throttleError('sts')), ['Throttling', 400, 'Rate exceeded']);
  t.same(shape(throttleError('s3')), ['SlowDown', 503, 'Please reduce your request rate.']);
  t.same(shape(throttleError('iot')), ['ThrottlingException', 429, 'Rate exceeded']);
  t.same(shape(throttleError('iotdata')), ['ThrottlingException', 429, 'Rate exceeded']);

  const code = (e: AwsError) => [e.code, e.status];
  t.same(code(serverError('codedeploy')), ['InternalFailure', 500]);
  t.same(code(serverError('cloudformation')), ['InternalFailure', 500]);
  t.same(code(serverError('sts')), ['InternalFailure', 500]);
  t.same(code(serverError('s3')), ['InternalError', 500]);
  t.same(code(serverError('iot')), ['InternalFailureException', 500]);
});
