import t from 'tap';
import { TokenBucket, Semaphore, parseTpsOption, type Timers } from '../../../controller/fleet/rate-limit.js';
import { backoffMs, classify, withRetry } from '../../../controller/fleet/retry.js';
import { TagBatcher } from '../../../controller/fleet/tag-batcher.js';

/** A virtual clock: sleeping advances it. */
function virtualTimers(): Timers & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

t.test('token bucket: a burst goes at once, then calls are spaced at 1/tps', async (t) => {
  const timers = virtualTimers();
  const bucket = new TokenBucket({ tps: 10, burst: 3 }, timers);
  for (let i = 0; i < 3; i++) await bucket.take();
  t.equal(timers.now(), 0);
  for (let i = 0; i < 5; i++) await bucket.take();
  t.equal(Math.round(timers.now()), 500, '5 more calls at 10/s take 500 ms');
});

t.test('semaphore: never more than max at once', async (t) => {
  const s = new Semaphore(2);
  let active = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      s.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setImmediate(r));
        active--;
      }),
    ),
  );
  t.equal(peak, 2);
});

t.test('retry: throttling and 5xx are retried with growing jittered waits; other errors are not', async (t) => {
  const throttle = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
  t.equal(classify(throttle), 'throttle');
  t.equal(classify({ name: 'InternalFailure', $metadata: { httpStatusCode: 503 } }), 'transient');
  t.equal(classify({ name: 'InvalidInstanceNameException', $metadata: { httpStatusCode: 400 } }), 'fatal');
  t.equal(backoffMs({ maxAttempts: 5, baseMs: 100, capMs: 1000 }, 10, () => 0.999), 999, 'capped');
  const timers = virtualTimers();
  let n = 0;
  const kinds: string[] = [];
  const r = await withRetry(
    async () => {
      if (++n < 4) throw throttle;
      return 'ok';
    },
    { maxAttempts: 8, baseMs: 100, capMs: 5000 },
    timers,
    () => 0.5,
    { retried: (k) => void kinds.push(k) },
  );
  t.equal(r, 'ok');
  t.same(kinds, ['throttle', 'throttle', 'throttle']);
  t.same(timers.slept, [50, 100, 200]);
  let calls = 0;
  await t.rejects(withRetry(() => (calls++, Promise.reject(throttle)), { maxAttempts: 3, baseMs: 1, capMs: 1 }, timers, () => 0, { retried: () => undefined }), throttle);
  t.equal(calls, 3, 'attempts are bounded');
});

t.test('--tps parsing', async (t) => {
  t.same(parseTpsOption('codedeploy=20, iot=2.5', ['codedeploy', 'iot']), { codedeploy: 20, iot: 2.5 });
  t.match(parseTpsOption('s3=1', ['codedeploy']), { error: /unknown service/ });
  t.match(parseTpsOption('iot=0', ['iot']), { error: /above 0/ });
  t.match(parseTpsOption('iot', ['iot']), { error: /service=/ });
});

t.test('tag batcher: same change shares a call of at most 10 names; a failed call is retried per name', async (t) => {
  const calls: string[][] = [];
  const b = new TagBatcher(async (_op, names) => {
    calls.push([...names]);
    if (names.length > 1 && names.includes('bad')) throw new Error('one bad name');
    if (names.length === 1 && names[0] === 'bad') throw new Error('bad');
  }, 10_000);
  const tags = [{ Key: 'a', Value: '1' }];
  const done = Array.from({ length: 12 }, (_, i) => b.enqueue('add', `d${i}`, tags));
  const other = b.enqueue('add', 'x', [{ Key: 'a', Value: '2' }]);
  const bad = b.enqueue('add', 'bad', tags);
  b.flush();
  await Promise.all([...done, other]);
  await t.rejects(bad, /bad/);
  t.equal(calls[0]?.length, 10);
  t.ok(calls.some((c) => c.length === 1 && c[0] === 'x'));
  t.ok(calls.some((c) => c.length === 1 && c[0] === 'd11'), 'the failed batch is retried name by name');
});
