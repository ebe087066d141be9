// BENCH_HEAP=1 diagnostics for bench-daemon.ts: heap snapshots of the running agent (started with
// --heapsnapshot-signal=SIGUSR2; a snapshot collects garbage first, so it holds live objects only)
// and their difference by constructor, to tell state retained per deployment from heap sizing.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Row } from './bench-sandbox.js';

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

const snapshotsIn = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));

/** Signals the agent and returns the path of the snapshot it wrote into `dir` (its cwd). */
export async function takeHeapSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(snapshotsIn(dir));
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 120_000; waited += 250) {
    await sleep(250);
    const name = snapshotsIn(dir).find((f) => !before.has(f));
    if (!name) continue;
    const path = join(dir, name);
    const size = statSync(path).size;
    await sleep(500);
    if (statSync(path).size !== size) continue;
    try {
      JSON.parse(readFileSync(path, 'utf8'));
      return path;
    } catch {
      // still being written
    }
  }
  throw new Error(`the agent (pid ${pid}) wrote no heap snapshot into ${dir} within 2 minutes`);
}

/** Live objects by constructor (objects, closures) or by V8 node type (strings, code, ...). */
function tally(path: string): Map<string, { count: number; bytes: number }> {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  rmSync(path, { force: true });
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + typeAt] as number] ?? '?';
    const key = type === 'object' || type === 'closure' ? `${type} ${s.strings[s.nodes[i + nameAt] as number] ?? '?'}` : `(${type})`;
    const t = out.get(key) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += s.nodes[i + sizeAt] as number;
    out.set(key, t);
  }
  return out;
}

/** Rows: the live heap at both snapshots, then the constructors that grew most in bytes. */
export function heapDiffRows(first: string, last: string, deployments: number): Row[] {
  const a = tally(first);
  const b = tally(last);
  const total = (m: typeof a): number => [...m.values()].reduce((sum, t) => sum + t.bytes, 0);
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
  const rows: Row[] = [[`    live JS heap, 10th -> last deployment`, kib(total(b)), kib(total(a)), `${total(b) - total(a) >= 0 ? '+' : ''}${kib(total(b) - total(a))} (${kib((total(b) - total(a)) / deployments)}/deployment)`, 'flat (no leak)']];
  const grown = [...b.entries()]
    .map(([key, t]) => ({ key, count: t.count - (a.get(key)?.count ?? 0), bytes: t.bytes - (a.get(key)?.bytes ?? 0) }))
    .filter((g) => g.bytes > 0)
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, 8);
  for (const g of grown) rows.push([`      ${g.key.slice(0, 60)}`, `+${g.count} objects`, `+${kib(g.bytes)}`, '', '']);
  return rows;
}
