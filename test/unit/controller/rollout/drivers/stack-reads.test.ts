// The stack driver's reads: the DescribeStacks of recordBefore serves the deploy right after it
// (one read per target, not two), but not a later deploy, which reads the stack again.
import t from 'tap';
import type { StackTarget } from '../../../../../controller/rollout/config-types.js';
import { stackDriver } from '../../../../../controller/rollout/drivers/stack.js';
import { TENANT, estate } from './setup.js';

async function setup() {
  const e = await estate();
  e.world.s3().grant('acme-releases', TENANT, 'read');
  return { e, driver: stackDriver(e.deps), unicorn: e.targets['unicorn'] as StackTarget };
}

const describes = (e: Awaited<ReturnType<typeof setup>>['e']): number => e.world.calls.filter((c) => c.operation === 'DescribeStack').length;

t.test('recordBefore then deploy at once: the stack is read once', async (t) => {
  const { e, driver, unicorn } = await setup();
  await driver.recordBefore(unicorn);
  await driver.deploy(unicorn, e.ctx('unicorn'));
  t.equal(describes(e), 1);
  t.equal(e.world.calls.filter((c) => c.operation === 'CreateChangeSet').length, 1);
});

t.test('a deploy seconds after recordBefore, or a second deploy, reads the stack again', async (t) => {
  const { e, driver, unicorn } = await setup();
  await driver.recordBefore(unicorn);
  e.world.advance(5000);
  await driver.deploy(unicorn, e.ctx('unicorn'));
  t.equal(describes(e), 2, 'a stale read is not used');
  await t.rejects(driver.deploy(unicorn, e.ctx('unicorn', 2)), { code: 'TARGET_BUSY' }, 'the stack being created is seen');
  t.equal(describes(e), 3, 'nor is a read used twice');
});
