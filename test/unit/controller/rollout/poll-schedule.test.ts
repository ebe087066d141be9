// The poll schedule: short first waits, then a fifth of the time waited, capped; and waitFor
// following it on an injected clock (no real sleeps).
import t from 'tap';
import { waitFor } from '../../../../controller/rollout/drivers/session.js';
import { nextLookDelay, pollDelay, predictLooks } from '../../../../controller/rollout/poll-schedule.js';

t.test('pollDelay: an eighth of the cap at first, then a fifth of the time waited, never above the cap', async (t) => {
  t.equal(pollDelay(0, 2000), 250);
  t.equal(pollDelay(-5, 2000), 250, 'a clock that stepped back waits the floor');
  t.equal(pollDelay(1000, 2000), 250);
  t.equal(pollDelay(2500, 2000), 500);
  t.equal(pollDelay(4000, 2000), 800);
  t.equal(pollDelay(10_000, 2000), 2000);
  t.equal(pollDelay(3_600_000, 2000), 2000);
  t.equal(pollDelay(0, 0), 0, 'a zero cap (tests) does not wait');
});

t.test('over a long operation the schedule costs few more looks than the fixed cap, and far fewer late', async (t) => {
  const looks = (durationMs: number): { looks: number; lateMs: number } => {
    let waited = 0;
    let n = 0;
    while (waited < durationMs) {
      waited += pollDelay(waited, 2000);
      n++;
    }
    return { looks: n, lateMs: waited - durationMs };
  };
  const short = looks(2100);
  t.ok(short.lateMs <= 2100 / 5, `a 2.1 s operation is seen ${short.lateMs} ms late (a fixed 2 s poll: 1.9 s)`);
  const long = looks(5 * 60_000);
  t.ok(long.looks <= 150 + 15, `${long.looks} looks over 5 minutes (150 at a fixed 2 s)`);
  t.ok(long.lateMs <= 2000);
});

t.test('waitFor sleeps what the schedule says for the time waited so far', async (t) => {
  let now = 0;
  const slept: number[] = [];
  const deps = { now: () => now, sleep: async (ms: number) => void (slept.push(ms), (now += ms)) };
  const v = await waitFor(deps, async () => now, (n) => n >= 3000, (waited) => pollDelay(waited, 2000), 60_000);
  t.equal(Math.round(v ?? 0), 3110, 'seen done at the first look after it');
  t.same(slept.map(Math.round), [250, 250, 250, 250, 250, 250, 300, 360, 432, 518], 'the floor until a fifth of the wait exceeds it');
  slept.length = 0;
  now = 0;
  t.equal(await waitFor(deps, async () => 'pending', () => false, 250, 1000), undefined, 'gives up after maxMs');
  t.same(slept, [250, 250, 250, 250], 'a fixed interval still works');
});

t.test('predictLooks: just past the time three in four took, then just past the slowest', async (t) => {
  t.equal(predictLooks([], 2000), undefined, 'nothing known yet: the schedule alone');
  t.same(predictLooks([1000], 2000), { mostMs: 1010 }, '1 % past the time taken');
  t.same(predictLooks([1000, 1000, 1000, 1200, 9000], 2000), { mostMs: 1212, slowestMs: 9090 }, 'the slowest apart from most');
  t.same(predictLooks([9000, 1000, 1200, 1000, 1000], 2000), { mostMs: 1212, slowestMs: 9090 }, 'in any order');
  t.same(predictLooks([100], 2000), { mostMs: 250 }, 'never below the floor');
  t.same(predictLooks([60_000], 2000), { mostMs: 60_600 }, 'a long operation is predicted long (the waits still keep to the cap)');
});

t.test('nextLookDelay: straight to the predicted time in steps within the cap, then the schedule up to the slowest', async (t) => {
  t.equal(nextLookDelay(0, undefined, 2000), 250, 'nothing predicted: the schedule');
  t.equal(nextLookDelay(3000, undefined, 2000), pollDelay(3000, 2000));
  t.equal(nextLookDelay(0, { mostMs: 1010 }, 2000), 1010, 'one look, at the predicted time');
  t.equal(nextLookDelay(0, { mostMs: 2020 }, 2000), 2020, 'a little past the cap: one look, not one spent just before');
  t.equal(nextLookDelay(0, { mostMs: 2600 }, 2000), 1300, 'further past it: equal steps (a failure is still seen about as soon as the cap promises)');
  t.equal(nextLookDelay(1300, { mostMs: 2600 }, 2000), 1300);
  t.equal(nextLookDelay(0, { mostMs: 60_600 }, 2000), 60_600 / 25, 'a long one: steps of at most a quarter past the cap');
  t.equal(nextLookDelay(2020, { mostMs: 2020 }, 2000), pollDelay(2020, 2000), 'missed, none slower: the schedule');
  t.equal(nextLookDelay(2020, { mostMs: 2020, slowestMs: 2100 }, 2000), 80, 'missed: just past the slowest, when that comes sooner');
  t.equal(nextLookDelay(2020, { mostMs: 2020, slowestMs: 9090 }, 2000), pollDelay(2020, 2000), 'an outlier far off: the schedule');
  t.equal(nextLookDelay(2100, { mostMs: 2020, slowestMs: 2100 }, 2000), pollDelay(2100, 2000), 'past the slowest too: the schedule');
  t.equal(nextLookDelay(-5, { mostMs: 1010 }, 2000), 1010, 'a clock that stepped back counts from the start');
  t.equal(nextLookDelay(0, { mostMs: 1010 }, 0), 1010, 'a zero cap (tests) still goes straight to the predicted time');
});

t.test('predicted looks see a same-length operation at once, and a late one sooner than the schedule would', async (t) => {
  const seen = (durationMs: number, predicted: ReturnType<typeof predictLooks>): { looks: number; lateMs: number } => {
    let waited = 0;
    let n = 0;
    while (waited < durationMs) {
      waited += nextLookDelay(waited, predicted, 2000);
      n++;
    }
    return { looks: n, lateMs: waited - durationMs };
  };
  const took = [2004, 2011, 2011, 2015, 2030, 2068];
  t.same(seen(2010, predictLooks(took, 2000)), { looks: 1, lateMs: 2015 * 1.01 - 2010 }, 'one look, at 1 % past 2015 ms');
  const late = seen(2060, predictLooks(took, 2000));
  t.equal(late.looks, 2);
  t.equal(late.lateMs, 2068 * 1.01 - 2060, 'one slower than most is seen just past the slowest');
  const schedule = seen(2060, undefined);
  t.ok(schedule.lateMs >= 3 * late.lateMs && schedule.looks >= 2 * late.looks, `the schedule alone: ${schedule.looks} looks, ${schedule.lateMs.toFixed(0)} ms late`);
});
