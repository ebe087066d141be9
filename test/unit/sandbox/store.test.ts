// The state store: documents per (service, account, region), persistence across restarts, blobs.
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlobNotFoundError, createStore } from '../../../sandbox/store.js';

interface Apps {
  apps: Record<string, { created: string }>;
}

t.test('in memory: documents per (service, account, region), created once', async (t) => {
  const store = await createStore();
  let inits = 0;
  const init = (): Apps => {
    inits++;
    return { apps: {} };
  };
  const a = store.doc<Apps>('codedeploy', '111111111111', 'us-east-1', init);
  a.apps['web'] = { created: 'now' };
  t.equal(store.doc<Apps>('codedeploy', '111111111111', 'us-east-1', init), a, 'the same object comes back');
  store.doc<Apps>('codedeploy', '222222222222', 'eu-west-1', init);
  t.equal(inits, 2);
  t.same(
    store.docs<Apps>('codedeploy').map((d) => [d.accountId, d.region, Object.keys(d.doc.apps)]),
    [
      ['111111111111', 'us-east-1', ['web']],
      ['222222222222', 'eu-west-1', []],
    ],
  );
  t.same(store.docs('s3'), []);
  store.changed();
  await store.flush();
  t.throws(() => store.doc('../etc', 'a', 'b', () => ({})), /invalid store service name/);

  const id = await store.blobs.put(Buffer.from('hello'));
  t.equal(id, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  t.equal((await store.blobs.get(id)).toString(), 'hello');
  t.equal(await store.blobs.put(Buffer.from('hello')), id, 'content-addressed');
  await store.blobs.delete(id);
  await t.rejects(store.blobs.get(id), BlobNotFoundError);
});

t.test('with a directory: a restart keeps documents and blobs', async (t) => {
  const dir = t.testdir();
  const first = await createStore({ dir });
  const doc = first.doc<Apps>('codedeploy', '111111111111', 'us-east-1', () => ({ apps: {} }));
  doc.apps['web'] = { created: '2024-03-01' };
  first.doc('s3', '111111111111', 'us-east-1', () => ({ buckets: ['b'] }));
  first.changed();
  const blob = await first.blobs.put(Buffer.from('bundle bytes'));
  await first.flush();
  t.ok(existsSync(join(dir, 'state', 'codedeploy.json')));
  t.ok(existsSync(join(dir, 'blobs', blob)));
  t.same(readdirSync(join(dir, 'state')).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');

  const second = await createStore({ dir });
  t.same(second.doc<Apps>('codedeploy', '111111111111', 'us-east-1', () => ({ apps: {} })).apps, { web: { created: '2024-03-01' } });
  t.same(second.docs('s3'), [{ accountId: '111111111111', region: 'us-east-1', doc: { buckets: ['b'] } }]);
  t.equal((await second.blobs.get(blob)).toString(), 'bundle bytes');
  await second.blobs.delete(blob);
  t.notOk(existsSync(join(dir, 'blobs', blob)));
  await t.rejects(second.blobs.get(blob), { code: 'ENOENT' });
  await t.rejects(second.blobs.get('../state/codedeploy.json'), BlobNotFoundError, 'ids are checked');
});

t.test('changed() writes after the debounce without flush()', async (t) => {
  const dir = t.testdir();
  const store = await createStore({ dir, debounceMs: 20 });
  const doc = store.doc<{ n: number }>('commands', '111111111111', 'us-east-1', () => ({ n: 0 }));
  for (let i = 1; i <= 5; i++) {
    doc.n = i;
    store.changed();
  }
  const file = join(dir, 'state', 'commands.json');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(20);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; docs: { doc: { n: number } }[] };
  t.equal(saved.version, 1);
  t.equal(saved.docs[0]?.doc.n, 5);
  await store.flush();
});

t.test('an unreadable state version is refused', async (t) => {
  const dir = t.testdir({ state: { 'codedeploy.json': JSON.stringify({ version: 99, docs: [] }) } });
  await t.rejects(createStore({ dir }), /unsupported state version 99/);
});

t.test('close writes what changed, and nothing after it (the directory may then be removed)', async (t) => {
  const dir = t.testdir();
  const store = await createStore({ dir, debounceMs: 10 });
  store.doc<Apps>('codedeploy', '111111111111', 'us-east-1', () => ({ apps: {} })).apps['web'] = { created: 'now' };
  store.changed();
  await store.close();
  const file = join(dir, 'state', 'codedeploy.json');
  const written = readFileSync(file, 'utf8');
  t.match(written, /"web"/, 'the last change is on disk');
  store.doc<Apps>('codedeploy', '111111111111', 'us-east-1', () => ({ apps: {} })).apps['late'] = { created: 'later' };
  store.changed();
  await sleep(50);
  t.equal(readFileSync(file, 'utf8'), written, 'a change after close is not written');
});
