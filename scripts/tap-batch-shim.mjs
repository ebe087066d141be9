// What `import t from 'tap'` gives a test file run inside a batch (see tap-batch-run.mjs): the
// subtest the batch runs that file in, so its tests, teardowns and t.testdir() folders belong to
// the file as they do when tap runs it alone. tap's named exports are passed through unchanged.
// Anywhere else (this URL escaping the batch, e.g. through import.meta.resolve('tap') in a test that
// writes a script for another process) it is tap itself.
import tap from 'tap';

export * from 'tap';

const file = new URL(import.meta.url).searchParams.get('file') ?? '';

export default globalThis[Symbol.for('edge-fleet.tap-batch.tests')]?.get(file) ?? tap;
