// Percentage rings of a device fleet: which device is in which ring. A device's place is the rank
// of a hash of its instance name (with the config's seed), so the same fleet gives the same rings
// on every run and every machine, and the canaries stay the same devices release after release
// until the seed changes. The rings are filled by cumulative counts of the ranked devices. Pure.
import { createHash } from 'node:crypto';
import type { RingsConfig } from './config-types.js';

/** The on-premises tag value that records ring `index` (1-based). */
export const ringTagValue = (index: number): string => `ring${index}`;

/**
 * Cumulative device counts per ring: c_i = round(p_i × n / 100), at least 1 in the first ring
 * (when the fleet has devices and the ring a percentage), never fewer than the ring before, and
 * n for the last (100%). Each count is within one device of its percentage.
 */
export function ringCounts(n: number, percents: readonly number[]): number[] {
  const counts: number[] = [];
  let floor = 0;
  percents.forEach((p, i) => {
    let c = Math.round((p * n) / 100);
    // a canary ring of 1% of 30 devices would be empty: the first ring always gets a device
    if (i === 0 && n > 0 && p > 0) c = Math.max(1, c);
    c = Math.min(n, Math.max(floor, c));
    counts.push(c);
    floor = c;
  });
  return counts;
}

/** The rank key of a device: a hash, so neighbours by name (pi-001, pi-002) spread over the rings. */
const rankKey = (seed: string | undefined, name: string): string => createHash('sha256').update(`${seed ?? ''}\n${name}`).digest('hex');

/** Each device's ring (1-based), by its rank among all the fleet's devices; the input's order does not matter. */
export function assignRings(names: readonly string[], rings: Pick<RingsConfig, 'percents' | 'seed'>): Map<string, number> {
  const ranked = [...new Set(names)]
    .map((name) => ({ name, key: rankKey(rings.seed, name) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counts = ringCounts(ranked.length, rings.percents);
  const out = new Map<string, number>();
  let ring = 0;
  ranked.forEach((d, rank) => {
    while (ring < counts.length - 1 && rank >= (counts[ring] ?? 0)) ring++;
    out.set(d.name, ring + 1);
  });
  return out;
}

/** Devices per ring (index 0 is ring 1) of an assignment. */
export function ringSizes(assigned: ReadonlyMap<string, number>, rings: number): number[] {
  const sizes = new Array<number>(rings).fill(0);
  for (const r of assigned.values()) sizes[r - 1] = (sizes[r - 1] ?? 0) + 1;
  return sizes;
}
