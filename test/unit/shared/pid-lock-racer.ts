// A taker for the pid-lock race test (test/unit/shared/pid-lock.test.ts), run as its own process:
// `pid-lock-racer.ts <dir> <rounds>`. For each round r it waits for <dir>/go-r, then takes
// <dir>/lock-r at once and prints `r held` or `r refused <owner>`; it keeps what it holds until
// <dir>/done appears, then releases all and prints `released`. Waits are bounded (60 s).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acquirePidLock } from '../../../shared/pid-lock.js';

const [dir = '', roundsArg = '0'] = process.argv.slice(2);
const deadline = Date.now() + 60_000;

function waitFor(file: string): void {
  // a busy wait: every taker goes the moment the file appears, which is the race under test
  while (!existsSync(join(dir, file))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
  }
}

const held: { release(): void }[] = [];
process.stdout.write('ready\n');
for (let r = 0; r < Number(roundsArg); r++) {
  waitFor(`go-${r}`);
  const lock = acquirePidLock(join(dir, `lock-${r}`));
  if (lock.held) held.push(lock);
  process.stdout.write(lock.held ? `${r} held\n` : `${r} refused ${lock.owner ?? '?'}\n`);
}
waitFor('done');
for (const lock of held) lock.release();
process.stdout.write('released\n');
