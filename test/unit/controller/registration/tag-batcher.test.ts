import t from 'tap';
import { createTagBatcher, TagBatcher } from '../../../../controller/registration/tag-batcher.js';
import { fakePool } from '../../../fakes/aws/pool.js';

t.test('tag batcher: same change shares a call of at most 10 names; a failed call is retried per name', async (t) => {
  const calls: string[][] = [];
  const b = new TagBatcher(async (_op, names) => {
    calls.push([...names]);
    if (names.length > 1 && names.includes('bad')) throw new Error('one bad name');
    if (names.length === 1 && names[0] === 'bad') throw new Error('bad');
  }, 10_000);
  const tags = [{ Key: 'a', Value: '1' }];
  const done = Array.from({ length: 12 }, (_, i) => b.enqueue('add', `d${i}`, tags));
  const other = b.enqueue('add', 'x', [{ Key: 'a', Value: '2' }]);
  const bad = b.enqueue('add', 'bad', tags);
  b.flush();
  await Promise.all([...done, other]);
  await t.rejects(bad, /bad/);
  t.equal(calls[0]?.length, 10);
  t.ok(calls.some((c) => c.length === 1 && c[0] === 'x'));
  t.ok(calls.some((c) => c.length === 1 && c[0] === 'd11'), 'the failed batch is retried name by name');
});

t.test('a group is sent once its first member has waited maxAgeMs', async (t) => {
  const calls: string[][] = [];
  const b = new TagBatcher(async (_op, names) => void calls.push([...names]), 5);
  await b.enqueue('remove', 'only', [{ Key: 'k', Value: 'v' }]);
  t.same(calls, [['only']]);
});

t.test('createTagBatcher: add and remove become the CodeDeploy tag calls', async (t) => {
  const { pool, world } = fakePool();
  const aws = pool.session();
  await aws.codedeploy.registerOnPremisesInstance({ instanceName: 'pi-1', iamSessionArn: 'arn:aws:sts::111111111111:assumed-role/edge/pi-1' });
  const b = createTagBatcher(aws.codedeploy, 10_000);
  const added = b.enqueue('add', 'pi-1', [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
  b.flush();
  await added;
  const removed = b.enqueue('remove', 'pi-1', [{ Key: 'a', Value: '1' }]);
  b.flush();
  await removed;
  t.same(world.codedeploy().instances.get('pi-1')?.tags, [{ Key: 'b', Value: '2' }]);
  t.same(pool.stats.calls['codedeploy.AddTagsToOnPremisesInstances'], 1);
  t.same(pool.stats.calls['codedeploy.RemoveTagsFromOnPremisesInstances'], 1);
});
