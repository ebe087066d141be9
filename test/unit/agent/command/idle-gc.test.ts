import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { exposedGc, idleCollector } from '../../../../agent/command/idle-gc.js';

function counter(): { gc: () => void; readonly count: number } {
  let count = 0;
  return {
    gc: () => void count++,
    get count() {
      return count;
    },
  };
}

t.test('three collections, 100 ms apart, once the agent has been idle for the delay', async (t) => {
  const c = counter();
  const reports: [number, number][] = [];
  const idle = idleCollector({ gc: c.gc, delayMs: 20, collected: (before, after) => reports.push([before, after]) });
  idle.busy();
  idle.idle();
  idle.idle(); // a second end (e.g. a re-delivery) restarts the wait, still one idle period
  await sleep(60);
  t.equal(c.count, 1, 'the first round at the delay');
  t.equal(reports.length, 0, 'reported after the last round');
  await sleep(400);
  t.equal(c.count, 3);
  t.equal(reports.length, 1);
  t.ok((reports[0]?.[0] ?? 0) > 0 && (reports[0]?.[1] ?? 0) > 0, 'RSS before and after are reported');
});

t.test('a command starting within the delay postpones the collection to its end', async (t) => {
  const c = counter();
  const idle = idleCollector({ gc: c.gc, delayMs: 40, rounds: 1 });
  idle.idle();
  await sleep(10);
  idle.busy();
  await sleep(100);
  t.equal(c.count, 0, 'nothing while the next command runs');
  idle.idle();
  await sleep(120);
  t.equal(c.count, 1);
});

t.test('a command starting between rounds drops the rounds left', async (t) => {
  const c = counter();
  let reported = 0;
  const idle = idleCollector({ gc: c.gc, delayMs: 10, rounds: 4, roundGapMs: 50, collected: () => void reported++ });
  idle.idle();
  await sleep(35);
  t.equal(c.count, 1);
  idle.busy();
  await sleep(250);
  t.equal(c.count, 1, 'no more rounds while the command runs');
  t.equal(reported, 0);
});

t.test('dispose cancels a pending collection; without a collector nothing is scheduled', async (t) => {
  const c = counter();
  const idle = idleCollector({ gc: c.gc, delayMs: 20 });
  idle.idle();
  idle.dispose();
  await sleep(80);
  t.equal(c.count, 0);
  const none = idleCollector({ gc: undefined, delayMs: 1 });
  none.idle();
  none.busy();
  none.dispose();
  t.pass('no collector: idle/busy/dispose are no-ops');
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
