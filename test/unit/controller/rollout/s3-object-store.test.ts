// The journal's ObjectStore over the S3 port (the fake S3 honours If-None-Match / If-Match).
import t from 'tap';
import { EdgeError } from '../../../../shared/errors.js';
import type { S3Port } from '../../../../controller/aws/ports.js';
import { PreconditionFailed } from '../../../../controller/rollout/object-store.js';
import { S3ObjectStore } from '../../../../controller/rollout/s3-object-store.js';
import { FakeS3 } from '../../../fakes/aws/s3.js';

const fresh = () => new FakeS3({ clock: () => new Date(0) }).createBucket('b');

t.test('create-only and replace-this-version writes; a lost condition is PreconditionFailed', async (t) => {
  const s3 = fresh();
  const store = new S3ObjectStore(s3, 'b');
  t.equal(store.where, 's3://b/');
  t.equal(await store.get('k'), undefined);
  const first = await store.put('k', Buffer.from('one'), { ifNoneMatch: '*' });
  await t.rejects(store.put('k', Buffer.from('two'), { ifNoneMatch: '*' }), PreconditionFailed);
  const second = await store.put('k', Buffer.from('two'), { ifMatch: first.etag });
  await t.rejects(store.put('k', Buffer.from('three'), { ifMatch: first.etag }), PreconditionFailed);
  await t.rejects(store.put('missing', Buffer.from('x'), { ifMatch: second.etag }), PreconditionFailed);
  t.equal((await store.get('k'))?.body.toString(), 'two');
  t.equal((await store.get('k'))?.etag, second.etag);
});

t.test('a retried write that finds its own bytes succeeds (the first answer was lost)', async (t) => {
  const store = new S3ObjectStore(fresh(), 'b');
  await store.put('k', Buffer.from('same'), { ifNoneMatch: '*' });
  const again = await store.put('k', Buffer.from('same'), { ifNoneMatch: '*' });
  t.equal(again.etag, (await store.get('k'))?.etag);
});

t.test('409 ConditionalRequestConflict counts as a lost condition; other errors pass through', async (t) => {
  const s3 = fresh();
  const conflict: S3Port = Object.assign(Object.create(s3) as S3Port, {
    putObject: async () => {
      throw new EdgeError('AWS_CONFLICT', 's3 PutObject failed: ConditionalRequestConflict: conflict');
    },
  });
  await t.rejects(new S3ObjectStore(conflict, 'b').put('k', Buffer.from('x'), { ifNoneMatch: '*' }), PreconditionFailed);
  const down: S3Port = Object.assign(Object.create(s3) as S3Port, {
    putObject: async () => {
      throw new EdgeError('AWS_SERVICE_ERROR', 'boom');
    },
  });
  await t.rejects(new S3ObjectStore(down, 'b').put('k', Buffer.from('x'), { ifNoneMatch: '*' }), { code: 'AWS_SERVICE_ERROR' });
});

t.test('list reads every page, sorted; listPrefixes gives the folders below a prefix', async (t) => {
  const s3 = fresh();
  const store = new S3ObjectStore(s3, 'b');
  for (let i = 0; i < 1005; i++) await s3.putObject({ bucket: 'b', key: `p/j/${String(i).padStart(8, '0')}.json`, body: '{}' });
  await s3.putObject({ bucket: 'b', key: 'p/a/x', body: '' });
  const keys = await store.list('p/j/');
  t.equal(keys.length, 1005);
  t.equal(keys[1004], 'p/j/00001004.json');
  t.same(await store.listPrefixes('p/'), ['p/a/', 'p/j/']);
});
