#!/usr/bin/env node
// The coverage report of `npm test`, with true figures for our TypeScript.
// Tests run TypeScript through the tsx loader. tap's @tapjs/processinfo records each test process's
// V8 coverage under .tap/coverage with the source map node cached for every module; c8
// (v8-to-istanbul) maps the byte ranges V8 counted in tsx's output back to the .ts lines through it.
// tsx's source maps name the .ts file but carry `sourcesContent: [null]` (tsx embeds the source only
// when NODE_V8_COVERAGE is set or an inspector flag is given), and v8-to-istanbul then takes that null
// as the original source: every file becomes one empty line, reported 100% covered whatever ran.
// So before reporting, each cached map gets the text of its sources from disk (the files the tests
// just ran), and the report is then tap's own (`tap report`), e.g. in package.json:
//   node scripts/run-tests.mjs --no-disable-coverage --coverage-report=none && node scripts/coverage-report.mjs text-summary
//   node scripts/coverage-report.mjs [reporter...]     fill in the sources, then `tap report <reporter...>`
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Gives every source map in one V8 coverage document (its `source-map-cache`) the text of each of its
 * sources that it lacks, read through `readSource(url)` (undefined when it cannot be read: left
 * missing). Returns how many maps changed. Changes `doc` in place.
 */
export function fillSourcesContent(doc, readSource) {
  let changed = 0;
  for (const entry of Object.values(doc?.['source-map-cache'] ?? {})) {
    const map = entry?.data;
    if (!map || !Array.isArray(map.sources)) continue;
    const content = Array.isArray(map.sourcesContent) ? map.sourcesContent : [];
    let filled = false;
    const next = map.sources.map((source, i) => {
      if (typeof content[i] === 'string') return content[i];
      const text = typeof source === 'string' ? readSource(source) : undefined;
      if (text === undefined) return null;
      filled = true;
      return text;
    });
    if (!filled) continue;
    map.sourcesContent = next;
    changed += 1;
  }
  return changed;
}

/** The text of a source named by a file: URL or an absolute path; undefined for anything else or an unreadable file. */
export function readSourceFile(source) {
  let path;
  try {
    path = source.startsWith('file:') ? fileURLToPath(source) : source.startsWith('/') ? source : undefined;
  } catch {
    return undefined;
  }
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fills in the sources of every coverage document in `dir` (.tap/coverage); returns the number of maps changed. */
export function fillCoverageDir(dir, readSource = readSourceFile) {
  let entries;
  try {
    entries = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return 0;
  }
  let changed = 0;
  for (const name of entries) {
    const file = join(dir, name);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const n = fillSourcesContent(doc, readSource);
    if (n > 0) writeFileSync(file, JSON.stringify(doc));
    changed += n;
  }
  return changed;
}

/** Fills in the sources under `<root>/.tap/coverage`, then runs `tap report <reporters>` there; returns its exit code. */
export function main(reporters, root = PROJECT, stdio = 'inherit') {
  fillCoverageDir(join(root, '.tap', 'coverage'));
  const tap = fileURLToPath(import.meta.resolve('tap/package.json')).replace(/package\.json$/, 'dist/esm/run.mjs');
  const r = spawnSync(process.execPath, [tap, 'report', ...reporters], { cwd: root, stdio, timeout: 300_000, killSignal: 'SIGKILL' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
