// The sandbox's one scheduler: order, cancellation, one underlying timer, errors isolated.
import t from 'tap';
import { TimerQueue, type TimerHandle, type TimerPort } from '../../../sandbox/timer-queue.js';

/** A manual clock and a manual underlying timer that records how many are armed. */
function manual(): { clock: { now(): Date }; timers: TimerPort & { armed: number; maxArmed: number; fire(): void }; advance(ms: number): void } {
  let now = 1_000_000;
  const pending = new Map<TimerHandle, { at: number; fn: () => void }>();
  const timers = {
    armed: 0,
    maxArmed: 0,
    set(ms: number, fn: () => void): TimerHandle {
      const h = {};
      pending.set(h, { at: now + ms, fn });
      timers.armed = pending.size;
      timers.maxArmed = Math.max(timers.maxArmed, pending.size);
      return h;
    },
    clear(h: TimerHandle | undefined): void {
      if (h) pending.delete(h);
      timers.armed = pending.size;
    },
    fire(): void {
      for (const [h, p] of [...pending]) {
        if (p.at > now) continue;
        pending.delete(h);
        timers.armed = pending.size;
        p.fn();
      }
    },
  };
  return { clock: { now: () => new Date(now) }, timers, advance: (ms) => ((now += ms), timers.fire()) };
}

t.test('runs entries in due order (FIFO for equal times) on one underlying timer', async (t) => {
  const m = manual();
  const q = new TimerQueue({ clock: m.clock, timers: m.timers });
  const ran: string[] = [];
  for (let i = 0; i < 1000; i++) q.set(1000 - i, () => ran.push(`a${1000 - i}`));
  q.set(5, () => ran.push('tie-1'));
  q.set(5, () => ran.push('tie-2'));
  t.equal(q.size, 1002);
  t.equal(m.timers.maxArmed, 1, 'never more than one underlying timer');
  m.advance(5);
  t.same(ran.filter((r) => r.startsWith('tie')), ['tie-1', 'tie-2']);
  t.same(ran.filter((r) => !r.startsWith('tie')), ['a1', 'a2', 'a3', 'a4', 'a5']);
  m.advance(995);
  t.equal(ran.length, 1002);
  t.same(ran.slice(-2), ['a999', 'a1000']);
  t.equal(q.size, 0);
  t.equal(m.timers.armed, 0, 'nothing armed when empty');
});

t.test('clear removes any entry; cleared and closed entries never run', async (t) => {
  const m = manual();
  const q = new TimerQueue({ clock: m.clock, timers: m.timers });
  const ran: number[] = [];
  const handles = Array.from({ length: 100 }, (_, i) => q.set(i * 10, () => ran.push(i)));
  for (let i = 0; i < 100; i += 3) q.clear(handles[i]);
  q.clear(handles[0]); // twice: ignored
  q.clear(undefined);
  m.advance(2000);
  t.same(ran, Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 !== 0));
  q.set(10, () => ran.push(-1));
  q.close();
  q.set(0, () => ran.push(-2));
  m.advance(100);
  t.notOk(ran.includes(-1) || ran.includes(-2));
  t.equal(m.timers.armed, 0);
});

t.test('a callback that throws is reported and the others still run; callbacks may schedule more', async (t) => {
  const m = manual();
  const errors: unknown[] = [];
  const q = new TimerQueue({ clock: m.clock, timers: m.timers, onError: (e) => errors.push(e) });
  const ran: string[] = [];
  q.set(1, () => {
    throw new Error('boom');
  });
  q.set(1, () => {
    ran.push('second');
    q.set(0, () => ran.push('chained'));
  });
  m.advance(1);
  m.advance(0);
  t.same(ran, ['second', 'chained']);
  t.match(errors, [{ message: 'boom' }]);
});

t.test('with real time and Node timers', async (t) => {
  const q = new TimerQueue();
  const order: number[] = [];
  await new Promise<void>((resolve) => {
    q.set(20, () => order.push(20));
    q.set(5, () => order.push(5));
    q.set(30, () => {
      order.push(30);
      resolve();
    });
  });
  t.same(order, [5, 20, 30]);
});
