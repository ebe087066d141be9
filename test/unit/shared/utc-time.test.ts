import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { isoUtc, UtcDate } from '../../../shared/utc-time.js';

t.test('isoUtc formats as Date.prototype.toISOString', async (t) => {
  const samples = [0, 1, 999, 1_000, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 1_765_000_000_123, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(1969, 6, 20, 20, 17, 40), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1), -62_198_755_200_000 /* year 0 */];
  let seed = 7;
  for (let i = 0; i < 200; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    samples.push(Math.floor((seed / 2 ** 31) * 4_102_444_800_000)); // 1970..2100
  }
  for (const ms of samples) t.equal(isoUtc(ms), new Date(ms).toISOString(), `${ms}`);
});

t.test('an invalid time is a RangeError, as toISOString', async (t) => {
  t.throws(() => isoUtc(Number.NaN), RangeError);
  t.throws(() => isoUtc(8.64e15 + 1), RangeError);
  t.throws(() => new UtcDate(Number.NaN).toISOString(), RangeError);
  t.equal(new UtcDate(Number.NaN).toJSON(), null, 'toJSON of an invalid date is null, as Date');
});

t.test('UtcDate is a Date that formats through isoUtc', async (t) => {
  const d = new UtcDate(1_765_000_000_123);
  t.ok(d instanceof Date);
  t.equal(d.getTime(), 1_765_000_000_123);
  t.equal(d.toISOString(), '2025-12-06T05:46:40.123Z');
  t.equal(JSON.stringify({ d }), '{"d":"2025-12-06T05:46:40.123Z"}');
});

// The reason for the module: on Node 20, toISOString pages in ICU's time-zone data; isoUtc must not.
// Checked in a fresh plain node process (no tsx nor tap loader: they touch ICU themselves), the
// module compiled with esbuild: the pages of node's embedded ICU data resident before and after the call.
t.test('isoUtc leaves ICU time-zone data alone (toISOString, on this Node.js, does not)', async (t) => {
  const probe = (call: string): number => {
    const script = `
      const fs = require('node:fs');
      const syms = ${JSON.stringify(icuRange())};
      if (!syms) { process.stdout.write('-1'); process.exit(0); }
      const [lo, hi] = syms;
      const resident = () => {
        const n = Math.floor((hi - lo) / 4096), buf = Buffer.alloc(n * 8), fd = fs.openSync('/proc/self/pagemap', 'r');
        fs.readSync(fd, buf, 0, n * 8, Math.floor(lo / 4096) * 8); fs.closeSync(fd);
        let c = 0; for (let i = 0; i < n; i++) if (buf.readBigUInt64LE(i * 8) >> 63n) c++; return c;
      };
      const before = resident();
      ${call};
      process.stdout.write(String(resident() - before));`;
    // tap puts its own module in NODE_OPTIONS of every child (and it pages ICU in): the shell drops it
    const r = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" --input-type=commonjs -e "$1"', process.execPath, script], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    return Number(r.stdout);
  };
  const source = readFileSync(new URL('../../../shared/utc-time.ts', import.meta.url), 'utf8');
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' });
  const touchedByIsoUtc = probe(`const m = { exports: {} }; new Function('module', 'exports', ${JSON.stringify(code)})(m, m.exports); m.exports.isoUtc(Date.now())`);
  if (touchedByIsoUtc < 0) {
    t.pass('this node binary has no embedded ICU data symbol to watch (system ICU): nothing to compare');
    return;
  }
  t.equal(touchedByIsoUtc, 0, 'isoUtc pages in no ICU data');
  const touchedByToIso = probe('new Date().toISOString()');
  t.comment(`toISOString paged in ${touchedByToIso * 4} KiB of ICU data`);
  // the probe sees what it should: on Node 20 the control call pages ICU data in
  if (process.versions.node.startsWith('20.')) t.ok(touchedByToIso > 0, 'toISOString pages ICU data in (the probe works)');
});

/** [start, end) of node's embedded ICU data (icudt*_dat), from the binary's symbols, or undefined. */
function icuRange(): [number, number] | undefined {
  const nm = spawnSync('nm', ['-S', process.execPath], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const line = nm.status === 0 ? /^([0-9a-f]+) ([0-9a-f]+) R icudt\d+_dat$/m.exec(nm.stdout) : null;
  return line ? [parseInt(line[1] as string, 16), parseInt(line[1] as string, 16) + parseInt(line[2] as string, 16)] : undefined;
}
