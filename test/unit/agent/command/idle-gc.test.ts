import t from 'tap';
import { exposedGc, idleCollector, type IdleTimers } from '../../../../agent/command/idle-gc.js';

function counter(): { gc: () => void; readonly count: number } {
  let count = 0;
  return {
    gc: () => void count++,
    get count() {
      return count;
    },
  };
}

/** A manual clock: timers fire only when the test advances it. */
function fakeTimers(): IdleTimers & { advance(ms: number): void; readonly pending: number } {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    set: (fn, ms) => (due.set(++next, { at: now + ms, fn }), next),
    clear: (handle) => void due.delete(handle as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const [id, first] = [...due].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
        if (id === undefined || !first || first.at > end) break;
        due.delete(id);
        now = first.at;
        first.fn();
      }
      now = end;
    },
    get pending() {
      return due.size;
    },
  };
}

let rss = 1000;
const fakeRss = (): number => (rss -= 10);

t.test('three collections, 100 ms apart, once the agent has been idle for the delay', async (t) => {
  const c = counter();
  const clock = fakeTimers();
  const reports: [number, number][] = [];
  const idle = idleCollector({ gc: c.gc, delayMs: 20, timers: clock, rss: fakeRss, collected: (before, after) => reports.push([before, after]) });
  idle.busy();
  idle.idle();
  clock.advance(19);
  idle.idle(); // a second end (e.g. a re-delivery) restarts the wait, still one idle period
  clock.advance(19);
  t.equal(c.count, 0, 'the wait restarted');
  clock.advance(1);
  t.equal(c.count, 1, 'the first round at the delay');
  t.equal(reports.length, 0, 'reported after the last round');
  clock.advance(99);
  t.equal(c.count, 1, 'rounds are 100 ms apart');
  clock.advance(101);
  t.equal(c.count, 3);
  t.equal(reports.length, 1);
  const [before, after] = reports[0] ?? [0, 0];
  t.ok(before > after, 'RSS before and after are reported', { before, after });
  t.equal(clock.pending, 0, 'nothing left scheduled');
});

t.test('a command starting within the delay postpones the collection to its end', async (t) => {
  const c = counter();
  const clock = fakeTimers();
  const idle = idleCollector({ gc: c.gc, delayMs: 40, rounds: 1, timers: clock, rss: fakeRss });
  idle.idle();
  clock.advance(10);
  idle.busy();
  clock.advance(1000);
  t.equal(c.count, 0, 'nothing while the next command runs');
  idle.idle();
  clock.advance(39);
  t.equal(c.count, 0);
  clock.advance(1);
  t.equal(c.count, 1);
});

t.test('a command starting between rounds drops the rounds left', async (t) => {
  const c = counter();
  const clock = fakeTimers();
  let reported = 0;
  const idle = idleCollector({ gc: c.gc, delayMs: 10, rounds: 4, roundGapMs: 50, timers: clock, rss: fakeRss, collected: () => void reported++ });
  idle.idle();
  clock.advance(35);
  t.equal(c.count, 1);
  idle.busy();
  clock.advance(1000);
  t.equal(c.count, 1, 'no more rounds while the command runs');
  t.equal(reported, 0);
  t.equal(clock.pending, 0);
});

t.test('dispose cancels a pending collection; without a collector nothing is scheduled', async (t) => {
  const c = counter();
  const clock = fakeTimers();
  const idle = idleCollector({ gc: c.gc, delayMs: 20, timers: clock });
  idle.idle();
  idle.dispose();
  clock.advance(1000);
  t.equal(c.count, 0);
  t.equal(clock.pending, 0);
  const none = idleCollector({ gc: undefined, delayMs: 1, timers: clock });
  none.idle();
  none.busy();
  none.dispose();
  t.equal(clock.pending, 0, 'no collector: idle/busy/dispose schedule nothing');
});

t.test('with the default timers the collection happens too', async (t) => {
  const c = counter();
  const idle = idleCollector({ gc: c.gc, delayMs: 1, rounds: 1 });
  t.teardown(() => idle.dispose());
  idle.idle();
  await new Promise<void>((resolve) => {
    const check = (): void => (c.count > 0 ? resolve() : void setTimeout(check, 5));
    check();
  });
  t.equal(c.count, 1);
});

t.test('exposedGc finds globalThis.gc only when node exposes it', async (t) => {
  const g = globalThis as { gc?: unknown };
  const saved = g.gc;
  t.teardown(() => {
    if (saved === undefined) delete g.gc;
    else g.gc = saved;
  });
  delete g.gc;
  t.equal(exposedGc(), undefined);
  let called = 0;
  g.gc = () => void called++;
  exposedGc()?.();
  t.equal(called, 1);
});
