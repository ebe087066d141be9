// `npm test`'s coverage end to end: tap (this project's .taprc and coverage map) runs one small test
// file with coverage on, against controller sources in a scratch copy of the project (so another tap
// run in the working tree cannot clear .tap/coverage under it), and scripts/coverage-report.mjs reports.
// A file whose branches are known not to run must come out below 100% with the right TypeScript
// lines uncovered, and a file the test exercises fully at 100%. (tap's own report says 100% for both.)
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../scripts/coverage-report.mjs';
import { PROJECT_ROOT } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const PARTIAL = [
  '// some of this never runs',
  'export interface Order {',
  '  readonly qty: number;',
  '  readonly rush?: boolean;',
  '}',
  '',
  'export function price(order: Order): number {',
  '  if (order.qty <= 0) {',
  "    throw new Error('empty order');",
  '  }',
  '  const base: number = order.qty * 3;',
  '  return order.rush ? base * 2 : base;',
  '}',
  '',
  'export function refund(order: Order): number {',
  '  const paid: number = price(order);',
  '  return -paid;',
  '}',
].join('\n');

const FULL = [
  '// every line and branch of this runs',
  "export type Size = 'small' | 'large';",
  '',
  'export function sizeOf(n: number): Size {',
  '  if (n > 10) {',
  "    return 'large';",
  '  }',
  "  return 'small';",
  '}',
].join('\n');

const TEST = [
  "import t from 'tap';",
  "import { price } from '../controller/fixture/partial.js';",
  "import { sizeOf } from '../controller/fixture/full.js';",
  "t.equal(price({ qty: 2 }), 6);",
  "t.equal(sizeOf(1), 'small');",
  "t.equal(sizeOf(20), 'large');",
].join('\n');

/** A scratch project: this project's tap config, coverage map and node_modules, two controller files and a test. */
function scratchProject(root: string): void {
  for (const dir of ['scripts', 'controller/fixture', 'test']) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['.taprc', 'package.json', 'tsconfig.json', 'scripts/coverage-map.mjs']) copyFileSync(join(PROJECT_ROOT, file), join(root, file));
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'controller/fixture/partial.ts'), PARTIAL + '\n');
  writeFileSync(join(root, 'controller/fixture/full.ts'), FULL + '\n');
  writeFileSync(join(root, 'test/fixture.test.ts'), TEST + '\n');
}

interface FileCoverage {
  readonly statementMap: Record<string, { start: { line: number }; end: { line: number } }>;
  readonly s: Record<string, number>;
  readonly b: Record<string, number[]>;
}

/** The lines of statements that never ran. */
const uncoveredLines = (fc: FileCoverage): number[] =>
  [...new Set(Object.entries(fc.s).filter(([, n]) => n === 0).map(([k]) => fc.statementMap[k]?.start.line ?? 0))].sort((a, b) => a - b);

t.test('npm test coverage: true figures, mapped to TypeScript lines', async (t) => {
  const root = tempDir(t, 'coverage-report');
  scratchProject(root);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'TAP' || k.startsWith('TAP_') || k.startsWith('_TAPJS_')) delete env[k];
  const tap = join(PROJECT_ROOT, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs');
  const run = spawnSync(process.execPath, [tap, '--no-disable-coverage', '--coverage-report=none', 'test/fixture.test.ts'], {
    cwd: root, env, encoding: 'utf8', timeout: 100_000, killSignal: 'SIGKILL',
  });
  t.equal(run.status, 0, 'the fixture test passes', { output: `${run.stdout}${run.stderr}` });

  t.equal(main(['json', 'json-summary'], root, 'ignore'), 0, 'coverage-report.mjs reports');
  const summary = JSON.parse(readFileSync(join(root, '.tap/report/coverage-summary.json'), 'utf8')) as Record<string, Record<string, { pct: number }>>;
  const final = JSON.parse(readFileSync(join(root, '.tap/report/coverage-final.json'), 'utf8')) as Record<string, FileCoverage>;
  const partial = join(root, 'controller/fixture/partial.ts');
  const full = join(root, 'controller/fixture/full.ts');
  t.same(Object.keys(final).sort(), [full, partial], 'only the controller files the test loaded are measured');

  const p = summary[partial];
  const f = summary[full];
  if (!p || !f) throw new Error(`no summary for the fixture files: ${JSON.stringify(summary)}`);
  t.ok(p['lines']!.pct < 100, `partial.ts lines below 100% (${p['lines']!.pct}%)`);
  t.ok(p['branches']!.pct < 100, `partial.ts branches below 100% (${p['branches']!.pct}%)`);
  t.ok(p['functions']!.pct < 100, `partial.ts functions below 100% (${p['functions']!.pct}%): refund never ran`);
  const lines = uncoveredLines(final[partial]!);
  t.same(lines, [9, 10, 16, 17, 18], "uncovered: the throw's block (lines 9-10) and refund's body (16-18), as lines of the .ts file");
  for (const metric of ['lines', 'statements', 'functions', 'branches']) t.equal(f[metric]!.pct, 100, `full.ts ${metric} at 100%`);
});
