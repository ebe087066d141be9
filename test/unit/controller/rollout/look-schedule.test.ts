// LookSchedule: the wait before each look at a running target, from when its operation started, the
// times earlier ones of its kind took (the latest 25), and the rollout's share of looks a second.
import t from 'tap';
import { LOOKS_PER_SECOND, LookSchedule } from '../../../../controller/rollout/look-schedule.js';
import { pollDelay } from '../../../../controller/rollout/poll-schedule.js';

t.test('nothing known: the poll schedule, counted from the operation\'s start', async (t) => {
  const s = new LookSchedule(2000);
  t.equal(s.waitMs('a', 'stack', 0, 0), 250, 'just started: the floor');
  t.equal(s.waitMs('a', 'stack', 4000), pollDelay(4000, 2000), 'later: a fifth of the time since the start');
  t.equal(s.waitMs('a', 'stack', 5000, 5000), 250, 'a new operation (a retry\'s deploy) starts the count again');
});

t.test('once one of a kind has ended, the others look just past its time, even those started before', async (t) => {
  const s = new LookSchedule(2000);
  s.waitMs('early', 'stack', 0, 0);
  s.waitMs('other-kind', 'web', 0, 0);
  s.tookMs('stack', 1900);
  t.equal(s.waitMs('early', 'stack', 1000), 919, 'started before anything ended: straight to 1 % past 1.9 s');
  t.equal(s.waitMs('other-kind', 'web', 1000), pollDelay(1000, 2000), 'another kind: still the schedule');
  t.equal(s.waitMs('new', 'stack', 3000, 3000), 1919);
  t.equal(s.waitMs('recorded-late', 'stack', 3100, 3000), 1819, 'counted from when the operation started, not from when the journal recorded it');
});

t.test('the times are the latest 25; a bad one is ignored', async (t) => {
  const s = new LookSchedule(2000);
  for (let i = 0; i < 30; i++) s.tookMs('stack', i < 5 ? 60_000 : 1000);
  s.tookMs('stack', Number.NaN);
  s.tookMs('stack', -5);
  t.equal(s.waitMs('a', 'stack', 0, 0), 1010, 'the five slow ones have aged out');
});

t.test('settled forgets the target; many waiting share LOOKS_PER_SECOND', async (t) => {
  const s = new LookSchedule(2000);
  const n = 400;
  for (let i = 0; i < n; i++) s.waitMs(`t${i}`, 'stack', 0, 0);
  t.equal(s.waitMs('t0', 'stack', 0), (n * 1000) / LOOKS_PER_SECOND, 'the crowd spaces the looks out');
  for (let i = 1; i < n; i++) s.settled(`t${i}`);
  t.equal(s.waitMs('t0', 'stack', 0), 250, 'alone again: the schedule');
});
