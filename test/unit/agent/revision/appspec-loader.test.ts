import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAppSpec } from '../../../../appspec/index.js';
import { INLINE_PARSE_BYTES, loadAppSpec, loadAppSpecAsync, MAX_APPSPEC_BYTES, parseInWorker } from '../../../../agent/revision/appspec-loader.js';

const big = (bytes: number): string => {
  let s = 'version: 0.0\nos: linux\nfiles:\n';
  for (let i = 0; s.length < bytes - 80; i++) s += `  - source: app/f${i}\n    destination: /opt/app/d${i}\n`;
  return s;
};

t.test('an AppSpec over 1 MiB is refused before it is read, naming the limit', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'appspec.yml'), Buffer.alloc(MAX_APPSPEC_BYTES + 1, 0x20));
  const expected = { code: 'APPSPEC_TOO_LARGE', message: `is ${MAX_APPSPEC_BYTES + 1} bytes, larger than the limit of ${MAX_APPSPEC_BYTES} bytes (1 MiB)` };
  t.throws(() => loadAppSpec(dir, 'appspec.yml'), expected);
  await t.rejects(loadAppSpecAsync(dir, 'appspec.yml'), expected);
  writeFileSync(join(dir, 'appspec.yml'), `version: 0.0\nos: linux\n${' '.repeat(MAX_APPSPEC_BYTES - 23)}`);
  t.equal(loadAppSpec(dir, 'appspec.yml').appspec.os, 'linux', 'exactly at the limit is fine');
});

t.test('a missing -A name falls back to appspec.yaml / appspec.yml with a warning naming both', async (t) => {
  const dir = t.testdir({ 'appspec.yml': 'version: 0.0\nos: linux\n' });
  const loaded = await loadAppSpecAsync(dir, 'nosuch.yml');
  t.equal(loaded.path, join(dir, 'appspec.yml'));
  t.match(loaded.warnings, [{ code: 'APPSPEC_FILENAME_FALLBACK', message: 'The AppSpec file nosuch.yml was not found in the revision; using appspec.yml instead.' }]);
  t.same(loadAppSpec(dir, 'appspec.yml').warnings, [], 'no warning when the named file exists');
  t.throws(() => loadAppSpec(t.testdir(), 'nosuch.yml'), { code: 'APPSPEC_NOT_FOUND' });
});

t.test('a large AppSpec is parsed in a worker: same result, and the event loop keeps running', async (t) => {
  // a few times the inline limit: big enough for the worker, small enough to parse quickly inline too
  const text = big(4 * INLINE_PARSE_BYTES);
  t.ok(Buffer.byteLength(text) > INLINE_PARSE_BYTES);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const result = await parseInWorker(text);
  clearInterval(timer);
  t.ok(ticks > 0, `timers fired while parsing (${ticks})`);
  t.same(result, parseAppSpec(text));
  const dir = t.testdir();
  writeFileSync(join(dir, 'appspec.yml'), text);
  const loaded = await loadAppSpecAsync(dir, 'appspec.yml');
  t.equal(loaded.appspec.files.length, result.ok ? result.appspec.files.length : -1);
  writeFileSync(join(dir, 'appspec.yml'), `${text}  - nope: [\n`);
  await t.rejects(loadAppSpecAsync(dir, 'appspec.yml'), { code: 'APPSPEC_YAML_SYNTAX' }, 'parse errors come back from the worker');
});

t.test("the largest AppSpec accepted parses within the worker's memory limit", async (t) => {
  const text = big(MAX_APPSPEC_BYTES - 1024);
  const dir = t.testdir();
  writeFileSync(join(dir, 'appspec.yml'), text);
  const loaded = await loadAppSpecAsync(dir, 'appspec.yml');
  t.ok(loaded.appspec.files.length > 10_000, `${loaded.appspec.files.length} files entries`);
});
