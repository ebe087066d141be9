import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { acquirePidLock, processAlive } from '../../../shared/pid-lock.js';
import { TSX_IMPORT } from '../../helpers/cli.js';
import { killGroupOf, trackGroup } from '../../helpers/process-groups.js';
import { tempDir } from '../../helpers/temp-dir.js';

const RACER = join(dirname(fileURLToPath(import.meta.url)), 'pid-lock-racer.ts');

/** Polls a condition (every 5 ms) until it holds; throws naming it after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
}

t.test('one holder; a live owner is reported; a dead or garbage owner is taken over', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'x.lock');
  const first = acquirePidLock(path, process.pid);
  t.ok(first.held);
  t.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
  const second = acquirePidLock(path, 1_000_000_000);
  t.same(second, { held: false, owner: process.pid }, 'the live owner is named');
  if (first.held) first.release();
  t.notOk(existsSync(path));
  writeFileSync(path, '999999999\n');
  t.notOk(processAlive(999_999_999));
  const stale = acquirePidLock(path);
  t.ok(stale.held, 'a dead owner is taken over');
  if (stale.held) stale.release();
  writeFileSync(path, 'not a pid');
  const garbage = acquirePidLock(path);
  t.ok(garbage.held);
  if (garbage.held) {
    garbage.release();
    garbage.release();
  }
  t.ok(processAlive(process.pid));
});

t.test('release removes only its own file: a lock replaced by hand (or moved back) is left alone', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'x.lock');
  const mine = acquirePidLock(path);
  t.ok(mine.held);
  renameSync(path, join(dir, 'aside'));
  writeFileSync(path, '1\n');
  if (mine.held) mine.release();
  t.equal(readFileSync(path, 'utf8'), '1\n', 'another owner\'s lock survives our release');
  t.same(readdirSync(dir).sort(), ['aside', 'x.lock'], 'no temp files left');
});

t.test('concurrent takers in separate processes: exactly one holds each lock, and it stays', async (t) => {
  const dir = tempDir(t, 'pid-lock-race');
  const rounds = 30;
  const takers = 3;
  // a third of the rounds start from a stale lock (dead owner), a third from garbage (an empty file)
  for (let r = 0; r < rounds; r++) {
    if (r % 3 === 1) writeFileSync(join(dir, `lock-${r}`), '999999999\n');
    if (r % 3 === 2) writeFileSync(join(dir, `lock-${r}`), '');
  }
  const children: { child: ChildProcess; lines: string[]; closed: Promise<number | null> }[] = [];
  for (let i = 0; i < takers; i++) {
    const args = ['--import', TSX_IMPORT, RACER, dir, String(rounds)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    trackGroup(child);
    t.teardown(() => killGroupOf(child));
    const lines: string[] = [];
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
    });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    children.push({ child, lines, closed });
  }
  await until(() => children.every((c) => c.lines.includes('ready')), 60_000, 'every taker to start');
  for (let r = 0; r < rounds; r++) {
    writeFileSync(join(dir, `go-${r}`), '');
    const answer = (c: (typeof children)[number]): string | undefined => c.lines.find((l) => l.startsWith(`${r} `));
    await until(() => children.every((c) => answer(c) !== undefined), 30_000, `round ${r}`);
    const winners = children.filter((c) => answer(c) === `${r} held`);
    t.equal(winners.length, 1, `round ${r}: exactly one holds the lock`);
    const pid = winners[0]?.child.pid;
    t.equal(readFileSync(join(dir, `lock-${r}`), 'utf8'), `${pid}\n`, `round ${r}: the lock names the holder`);
    const losers = children.filter((c) => c !== winners[0]).map(answer);
    t.same(losers, losers.map(() => `${r} refused ${pid}`), `round ${r}: the others are told who holds it`);
  }
  t.same(readdirSync(dir).filter((f) => !/^(lock|go)-\d+$/.test(f)), [], 'no temp or moved-aside files left');
  writeFileSync(join(dir, 'done'), '');
  t.same(await Promise.all(children.map((c) => c.closed)), children.map(() => 0));
  t.same(readdirSync(dir).filter((f) => f.startsWith('lock-')), [], 'every holder released its lock');
});
