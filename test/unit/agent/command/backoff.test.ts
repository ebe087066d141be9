import t from 'tap';
import { backoffAfter, errorBackoffMs, OFFICIAL_BACKOFF } from '../../../../agent/command/backoff.js';

t.test('the official schedule: 10, 13, 17, 21, 27, 34, 44, 56, 71, 90 s, capped', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => errorBackoffMs(n) / 1000), [10, 13, 17, 21, 27, 34, 44, 56, 71, 90]);
  t.equal(errorBackoffMs(25), 90_000);
  t.equal(errorBackoffMs(0), 0);
});

t.test('throttling waits at least the throttle pause; policies scale for tests', async (t) => {
  t.equal(backoffAfter(1, true), OFFICIAL_BACKOFF.throttleMs);
  t.equal(backoffAfter(10, true), 90_000);
  t.equal(backoffAfter(1, false), 10_000);
  t.equal(backoffAfter(10, false, { maxMs: 900, throttleMs: 500 }), 900);
  t.equal(backoffAfter(1, false, { maxMs: 900, throttleMs: 500 }), 100, 'scaled policies keep the official shape');
  t.equal(backoffAfter(1, true, { maxMs: 1000, throttleMs: 500 }), 500);
});
