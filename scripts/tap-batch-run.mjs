// Runs several tap test files in one process, each as its own subtest named after the file, in
// order. Why: on Node 20, every tap test process starts a module-hooks thread (tsx, tap's mock and
// processinfo loaders) and loads tap, tsx and the modules under test through it: about 1.3 s of CPU
// per file before its first test, more than most unit test files take to run. A batch pays that
// once. Each file gets what it gets alone: `import t from 'tap'` is its own subtest (resolved by
// tap-batch-hooks.mjs to tap-batch-shim.mjs), so its teardowns run when the file ends and its
// t.testdir() folders are named after the file; each file has its own timeout.
// The generated entry files (scripts/run-tests.mjs --batch) call runBatch().
import t from 'tap';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const TESTS = Symbol.for('edge-fleet.tap-batch.tests');

/**
 * Runs `files` (paths relative to `root`) one after another, each in a subtest named after its path
 * that fails when the file takes longer than `timeoutMs`.
 */
export async function runBatch(files, { root, timeoutMs }) {
  const urls = files.map((f) => pathToFileURL(resolve(root, f)).href);
  register(new URL('./tap-batch-hooks.mjs', import.meta.url), { data: { files: urls } });
  const tests = (globalThis[TESTS] ??= new Map());
  files.forEach((file, i) => {
    t.test(file, { timeout: timeoutMs }, async (ft) => {
      tests.set(urls[i], ft);
      await import(urls[i]);
    });
  });
}
