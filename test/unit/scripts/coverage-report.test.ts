// scripts/coverage-report.mjs: the source maps tap records with V8 coverage get the text of their
// sources, so c8 maps the counts onto real TypeScript lines (test/integration/scripts has the end to end run).
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fillCoverageDir, fillSourcesContent, readSourceFile } from '../../../scripts/coverage-report.mjs';
import { tempDir } from '../../helpers/temp-dir.js';

const mapOf = (sources: unknown[], sourcesContent?: unknown[]) => ({
  lineLengths: [10],
  data: { version: 3, mappings: 'AAAA', names: [], sources, ...(sourcesContent ? { sourcesContent } : {}) },
});
const texts: Record<string, string> = { 'file:///p/a.ts': 'const a = 1;\n', 'file:///p/b.ts': 'const b = 2;\n' };
const read = (source: string): string | undefined => texts[source];

t.test('a null or missing sourcesContent gets the source text; text already there is kept', async (t) => {
  const doc = {
    result: [],
    'source-map-cache': {
      'file:///p/a.ts': mapOf(['file:///p/a.ts'], [null]),
      'file:///p/b.ts': mapOf(['file:///p/b.ts']),
      'file:///p/c.ts': mapOf(['file:///p/b.ts'], ['kept']),
    },
  };
  t.equal(fillSourcesContent(doc, read), 2, 'two maps changed');
  const cache = doc['source-map-cache'];
  t.same(cache['file:///p/a.ts'].data.sourcesContent, ['const a = 1;\n']);
  t.same(cache['file:///p/b.ts'].data.sourcesContent, ['const b = 2;\n']);
  t.same(cache['file:///p/c.ts'].data.sourcesContent, ['kept']);
  t.same(cache['file:///p/a.ts'].data.mappings, 'AAAA', 'the map itself is untouched');
});

t.test('several sources: only the missing ones are read; an unreadable one stays null', async (t) => {
  const doc = { 'source-map-cache': { x: mapOf(['file:///p/a.ts', 'file:///p/gone.ts', 'file:///p/b.ts'], ['A', null]) } };
  t.equal(fillSourcesContent(doc, read), 1);
  t.same(doc['source-map-cache'].x.data.sourcesContent, ['A', null, 'const b = 2;\n']);
});

t.test('nothing readable, no maps, or malformed entries: nothing changes', async (t) => {
  const unreadable = { 'source-map-cache': { x: mapOf(['file:///p/gone.ts'], [null]) } };
  t.equal(fillSourcesContent(unreadable, read), 0);
  t.same(unreadable['source-map-cache'].x.data.sourcesContent, [null]);
  t.equal(fillSourcesContent({ result: [] }, read), 0);
  t.equal(fillSourcesContent(null, read), 0);
  t.equal(fillSourcesContent({ 'source-map-cache': { a: null, b: {}, c: { data: { sources: 'x' } }, d: { data: { sources: [7] } } } }, read), 0);
});

t.test('readSourceFile reads file: URLs and absolute paths, nothing else', async (t) => {
  const dir = tempDir(t, 'coverage-report-unit');
  const file = join(dir, 'a.ts');
  writeFileSync(file, 'export const a = 1;\n');
  t.equal(readSourceFile(pathToFileURL(file).href), 'export const a = 1;\n');
  t.equal(readSourceFile(file), 'export const a = 1;\n');
  t.equal(readSourceFile(pathToFileURL(join(dir, 'missing.ts')).href), undefined);
  t.equal(readSourceFile('node:fs'), undefined);
  t.equal(readSourceFile('webpack://x/a.ts'), undefined);
  t.equal(readSourceFile('relative/a.ts'), undefined);
  t.equal(readSourceFile('file://remote-host/a.ts'), undefined, 'a file: URL naming another host');
});

t.test('fillCoverageDir rewrites the coverage files that changed and leaves the others as they were', async (t) => {
  const dir = tempDir(t, 'coverage-report-dir');
  const src = join(dir, 'a.ts');
  writeFileSync(src, 'export const a = 1;\n');
  const url = pathToFileURL(src).href;
  writeFileSync(join(dir, 'one.json'), JSON.stringify({ result: [{ url }], 'source-map-cache': { [url]: mapOf([url], [null]) } }));
  const untouched = JSON.stringify({ result: [] }, null, 2);
  writeFileSync(join(dir, 'two.json'), untouched);
  writeFileSync(join(dir, 'notes.txt'), 'not coverage');
  t.equal(fillCoverageDir(dir), 1);
  const one = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8'));
  t.same(one['source-map-cache'][url].data.sourcesContent, ['export const a = 1;\n']);
  t.same(one.result, [{ url }], 'the counts are kept');
  t.equal(readFileSync(join(dir, 'two.json'), 'utf8'), untouched);
  t.equal(fillCoverageDir(join(dir, 'absent')), 0, 'no coverage folder: nothing to do');
});
