// Rings of a device fleet: cumulative counts within one device of the percentages, a stable
// assignment by hash (same names, same rings, whatever the order or the machine), seeds rotating
// the canaries.
import { createHash } from 'node:crypto';
import t from 'tap';
import { assignRings, ringCounts, ringSizes, ringTagValue } from '../../../../controller/rollout/rings.js';

const PERCENT_SETS = [[1, 10, 50, 100], [5, 100], [100], [0.5, 2, 25, 75, 100], [33, 66, 100], [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]];
const fleet = (n: number, prefix = 'pi'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);

t.test('ringCounts: within one device of each percentage, monotone, the first ring never empty, the last the whole fleet', async (t) => {
  let checked = 0;
  for (const percents of PERCENT_SETS) {
    for (let n = 1; n <= 500; n++) {
      const c = ringCounts(n, percents);
      const bad = c.findIndex((x, i) => Math.abs(x - ((percents[i] ?? 0) * n) / 100) >= 1 || (i > 0 && x < (c[i - 1] ?? 0)));
      if (bad >= 0 || (c[0] ?? 0) < 1 || c.at(-1) !== n) t.fail(`n=${n} percents=${percents.join(',')}: ${c.join(',')}`);
      checked++;
    }
  }
  t.equal(checked, PERCENT_SETS.length * 500);
  t.same(ringCounts(0, [1, 10, 100]), [0, 0, 0], 'no devices, empty rings');
  t.same(ringCounts(30, [1, 10, 50, 100]), [1, 3, 15, 30], '1% of 30 is still one canary');
  t.same(ringCounts(3, [1, 10, 50, 100]), [1, 1, 2, 3], 'a ring may get no device of its own');
});

t.test('assignRings fills the rings by the counts', async (t) => {
  for (const n of [1, 2, 7, 99, 250]) {
    for (const percents of PERCENT_SETS) {
      const counts = ringCounts(n, percents);
      const sizes = ringSizes(assignRings(fleet(n), { percents }), percents.length);
      t.same(sizes, counts.map((c, i) => c - (i > 0 ? (counts[i - 1] ?? 0) : 0)), `n=${n} ${percents.join(',')}`);
    }
  }
});

t.test('the same names give the same rings: any order, duplicates, and every machine (sha256 of seed and name)', async (t) => {
  const names = fleet(10).map((n) => n.replace('pi-0', 'pi-'));
  const rings = { percents: [10, 50, 100] };
  const a = assignRings(names, rings);
  const shuffled = [...names].reverse().concat(names.slice(0, 3));
  t.same([...assignRings(shuffled, rings)].sort(), [...a].sort(), 'order and duplicates do not matter');
  // computed independently: the canary is the name with the smallest sha256("\n<name>")
  const smallest = [...names].sort((x, y) => {
    const h = (s: string): string => createHash('sha256').update(`\n${s}`).digest('hex');
    return h(x) < h(y) ? -1 : 1;
  })[0];
  t.equal(smallest, 'pi-09');
  t.same(
    [...a].sort(),
    [
      ['pi-01', 3], ['pi-02', 3], ['pi-03', 3], ['pi-04', 2], ['pi-05', 2],
      ['pi-06', 3], ['pi-07', 2], ['pi-08', 3], ['pi-09', 1], ['pi-10', 2],
    ],
    'a fixed answer: no run, Node version or machine changes it',
  );
});

t.test('adding a device moves few others: rings are by rank, and ranks of the others keep their order', async (t) => {
  const rings = { percents: [1, 10, 50, 100] };
  const before = assignRings(fleet(200), rings);
  const after = assignRings([...fleet(200), 'pi-new'], rings);
  const moved = fleet(200).filter((n) => before.get(n) !== after.get(n));
  t.ok(moved.length <= 3, `at most one device per ring boundary moves (${moved.join(', ')})`);
});

t.test('a seed picks other canaries; the same seed, the same ones', async (t) => {
  const names = fleet(300);
  const canaries = (seed?: string): string[] => {
    const assigned = assignRings(names, { percents: [2, 100], ...(seed !== undefined ? { seed } : {}) });
    return [...assigned].filter(([, r]) => r === 1).map(([n]) => n).sort();
  };
  t.equal(canaries().length, 6);
  t.same(canaries('q3'), canaries('q3'));
  t.notSame(canaries('q3'), canaries());
  t.notSame(canaries('q3'), canaries('q4'));
  t.ok(canaries('q3').filter((n) => canaries().includes(n)).length < 6, 'not the same devices');
});

t.test('ring tag values', async (t) => {
  t.equal(ringTagValue(1), 'ring1');
  t.equal(ringTagValue(10), 'ring10');
});
