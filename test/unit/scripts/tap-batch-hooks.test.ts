// scripts/tap-batch-hooks.mjs: in a batch, `import t from 'tap'` in one of the batch's test files
// resolves to the shim for that file; everything else resolves as it would without the hook.
import t from 'tap';
import { bareUrl, initialize, resolve } from '../../../scripts/tap-batch-hooks.mjs';

const next = async (specifier: string, context: { parentURL?: string }) => ({ url: `next:${specifier}`, parent: context.parentURL });

t.test("only 'tap' imported by one of the batch's files goes to the shim, named after that file", async (t) => {
  initialize({ files: ['file:///p/test/unit/a.test.ts', 'file:///p/test/unit/b%20c.test.ts'] });
  t.same(await resolve('tap', { parentURL: 'file:///p/test/unit/a.test.ts' }, next), {
    url: `${new URL('../../../scripts/tap-batch-shim.mjs', import.meta.url).href}?file=${encodeURIComponent('file:///p/test/unit/a.test.ts')}`,
    shortCircuit: true,
  });
  const viaQuery = (await resolve('tap', { parentURL: 'file:///p/test/unit/b%20c.test.ts?tsx=1#x' }, next)) as { url: string };
  t.match(viaQuery.url, /tap-batch-shim\.mjs\?file=file%3A%2F%2F%2Fp%2Ftest%2Funit%2Fb%2520c\.test\.ts$/, 'a loader query on the parent is ignored');
  t.same(await resolve('tap', { parentURL: 'file:///p/test/unit/helpers.ts' }, next), { url: 'next:tap', parent: 'file:///p/test/unit/helpers.ts' });
  t.same(await resolve('tap/foo', { parentURL: 'file:///p/test/unit/a.test.ts' }, next), { url: 'next:tap/foo', parent: 'file:///p/test/unit/a.test.ts' });
  t.same(await resolve('./x.js', { parentURL: 'file:///p/test/unit/a.test.ts' }, next), { url: 'next:./x.js', parent: 'file:///p/test/unit/a.test.ts' });
  t.same(await resolve('tap', {}, next), { url: 'next:tap', parent: undefined }, 'the entry point has no parent');
  initialize(undefined);
  t.same(await resolve('tap', { parentURL: 'file:///p/test/unit/a.test.ts' }, next), { url: 'next:tap', parent: 'file:///p/test/unit/a.test.ts' }, 'no batch: no shim');
});

t.test('bareUrl drops the query and the hash', async (t) => {
  t.equal(bareUrl('file:///a/b.ts?x=1#y'), 'file:///a/b.ts');
  t.equal(bareUrl('file:///a/b.ts'), 'file:///a/b.ts');
});
