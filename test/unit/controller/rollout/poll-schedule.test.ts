// The poll schedule: short first waits, then a fifth of the time waited, capped; and waitFor
// following it on an injected clock (no real sleeps).
import t from 'tap';
import { waitFor } from '../../../../controller/rollout/drivers/session.js';
import { firstLookDelay, pollDelay } from '../../../../controller/rollout/poll-schedule.js';

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

t.test('firstLookDelay: just past the median time earlier operations took, within the floor and the cap', async (t) => {
  t.equal(firstLookDelay([], 2000), pollDelay(0, 2000), 'nothing known yet: the schedule\'s first wait');
  t.equal(firstLookDelay([1000], 2000), 1050, '5 % past the time taken');
  t.equal(firstLookDelay([1000, 1200, 9000], 2000), 1260, 'the median, so one slow operation does not move it');
  t.equal(firstLookDelay([100], 2000), 250, 'never below the floor');
  t.equal(firstLookDelay([60_000], 2000), 2000, 'never above the cap: a faster one is seen as late as the schedule allows, no later');
});
