import t from 'tap';
import { Lease } from '../../../../controller/rollout/lease.js';
import { MemoryObjectStore } from '../../../../controller/rollout/object-store.js';

function clock(start = Date.UTC(2026, 0, 1)) {
  let ms = start;
  return { now: () => new Date(ms), advance: (d: number) => (ms += d) };
}

t.test('one holder at a time; the loser is told who holds it and until when', async (t) => {
  const store = new MemoryObjectStore();
  const c = clock();
  const a = new Lease({ store, key: 'lease.json', holder: 'ci@host-a:1', now: c.now, ttlMs: 60_000 });
  const b = new Lease({ store, key: 'lease.json', holder: 'ops@host-b:2', now: c.now, ttlMs: 60_000 });
  await a.acquire();
  await t.rejects(b.acquire(), { code: 'ROLLOUT_LEASE_HELD', message: 'the rollout is being driven by ci@host-a:1 (lease until 2026-01-01T00:01:00.000Z, taken 2026-01-01T00:00:00.000Z)' });
  c.advance(30_000);
  await a.renew();
  c.advance(45_000);
  await t.rejects(b.acquire(), { code: 'ROLLOUT_LEASE_HELD' }, 'renewed: still held');
});

t.test('an expired lease is taken over, and the old holder learns it lost', async (t) => {
  const store = new MemoryObjectStore();
  const c = clock();
  const a = new Lease({ store, key: 'l', holder: 'a', now: c.now, ttlMs: 1000 });
  const b = new Lease({ store, key: 'l', holder: 'b', now: c.now, ttlMs: 1000 });
  await a.acquire();
  c.advance(1001);
  await b.acquire();
  await t.rejects(a.renew(), { code: 'ROLLOUT_LEASE_LOST', message: /taken by b/ });
});

t.test('release lets the next controller in at once; the same holder may re-acquire', async () => {
  const store = new MemoryObjectStore();
  const c = clock();
  const a = new Lease({ store, key: 'l', holder: 'a', now: c.now, ttlMs: 60_000 });
  await a.acquire();
  await a.acquire();
  await a.release();
  await new Lease({ store, key: 'l', holder: 'b', now: c.now, ttlMs: 60_000 }).acquire();
});

t.test('two controllers racing to acquire: exactly one wins', async (t) => {
  const store = new MemoryObjectStore();
  const c = clock();
  const leases = ['a', 'b', 'c', 'd'].map((h) => new Lease({ store, key: 'l', holder: h, now: c.now, ttlMs: 60_000 }));
  const results = await Promise.allSettled(leases.map((l) => l.acquire()));
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
});

t.test('a holder known to be gone (a dead process on this host) is taken over at once', async (t) => {
  const store = new MemoryObjectStore();
  const c = clock();
  await new Lease({ store, key: 'l', holder: 'ci@h:1', now: c.now, ttlMs: 60_000 }).acquire();
  const b = new Lease({ store, key: 'l', holder: 'ci@h:2', now: c.now, ttlMs: 60_000, holderGone: (h) => h === 'ci@h:1' });
  await b.acquire();
  await t.rejects(new Lease({ store, key: 'l', holder: 'ci@h:3', now: c.now, ttlMs: 60_000, holderGone: () => false }).acquire(), { code: 'ROLLOUT_LEASE_HELD' });
});
