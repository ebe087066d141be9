// The offline spool on real files: FIFO order, removal, supersession by key, bounds with counted
// drops, survival across a reopen (restart), compaction and a torn last line.
import t from 'tap';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Spool, SPOOL_FILE } from '../../../../agent/telemetry/spool.js';
import { silentLogger } from '../../../../shared/log.js';

const open = (dir: string, bounds: { maxMessages?: number; maxBytes?: number } = {}) =>
  Spool.open({ dir, maxMessages: bounds.maxMessages ?? 100, maxBytes: bounds.maxBytes ?? 1_000_000, log: silentLogger() });
const msg = (n: number, key?: string) => ({ topic: 'dt/rpi/health', payload: `{"n":${n}}`, kind: 'telemetry' as const, ...(key ? { key } : {}) });
const payloads = (s: Spool) => s.pending().map((e) => e.payload);

t.test('FIFO, remove by seq, and everything survives a reopen', async (t) => {
  const dir = t.testdir();
  const s = open(dir);
  const [a, b] = [s.add(msg(1)), s.add(msg(2)), s.add(msg(3))];
  s.remove(b!.seq);
  s.remove(999);
  t.same(payloads(s), ['{"n":1}', '{"n":3}']);
  s.close();
  const again = open(dir);
  t.same(payloads(again), ['{"n":1}', '{"n":3}'], 'pending messages are back after a restart');
  const d = again.add(msg(4));
  t.ok(d!.seq > a!.seq + 2, 'sequence numbers keep growing across restarts');
  t.equal(statSync(join(dir, SPOOL_FILE)).mode & 0o777, 0o640);
  again.close();
});

t.test('a message with a key supersedes the pending one with that key', async (t) => {
  const s = open(t.testdir());
  s.add(msg(1, 'shadow'));
  s.add(msg(2));
  s.add(msg(3, 'shadow'));
  t.same(payloads(s), ['{"n":2}', '{"n":3}']);
  s.close();
});

t.test('bounds: the oldest are dropped and counted; a message larger than the spool is refused', async (t) => {
  const dir = t.testdir();
  const s = open(join(dir, 'a'), { maxMessages: 3 });
  for (let i = 1; i <= 5; i++) s.add(msg(i));
  t.same(payloads(s), ['{"n":3}', '{"n":4}', '{"n":5}']);
  t.equal(s.dropped, 2);
  s.close();
  const bytes = open(join(dir, 'b'), { maxBytes: 1024 });
  t.equal(bytes.add({ topic: 't', payload: 'x'.repeat(2000), kind: 'telemetry' }), undefined);
  t.equal(bytes.dropped, 1);
  for (let i = 0; i < 20; i++) bytes.add({ topic: 't', payload: 'y'.repeat(100), kind: 'telemetry' });
  t.ok(bytes.pendingBytes <= 1024, `the byte bound holds (${bytes.pendingBytes})`);
  bytes.close();
  const smaller = open(join(dir, 'a'), { maxMessages: 1 });
  t.same(payloads(smaller), ['{"n":5}'], 'a smaller bound at the next start applies to what was left');
  smaller.close();
});

t.test('the file is compacted and a torn last line is skipped', async (t) => {
  const dir = t.testdir();
  const s = open(dir);
  const big = 'z'.repeat(1000);
  for (let i = 0; i < 200; i++) s.remove(s.add({ topic: 't', payload: big, kind: 'telemetry' })!.seq);
  s.add(msg(7));
  t.ok(statSync(join(dir, SPOOL_FILE)).size < 150_000, 'removed messages do not pile up in the file');
  s.close();
  appendFileSync(join(dir, SPOOL_FILE), '{"add":{"seq":999,"topic":"t","payl');
  const again = open(dir);
  t.same(payloads(again), ['{"n":7}']);
  t.notMatch(readFileSync(join(dir, SPOOL_FILE), 'utf8'), /payl$/, 'the torn line is gone after the reopen');
  again.close();
});
