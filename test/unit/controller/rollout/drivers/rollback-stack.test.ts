// The rollback of a stack target over the fake CloudFormation: an UPDATE change set named after the
// rollback token with the template and parameters recorded before (NoEcho ones kept as they are),
// executed with that name as token and found again after a crash; a template over CloudFormation's
// inline limit goes through S3; capabilities CloudFormation asks for are added; a stack that is busy,
// gone, or whose saved template is gone is reported as such.
import t from 'tap';
import { isEdgeError } from '../../../../../shared/errors.js';
import type { StackTarget } from '../../../../../controller/rollout/config-types.js';
import { requiredCapabilities, rollbackParameters } from '../../../../../controller/rollout/drivers/rollback-stack.js';
import { changeSetNameFor } from '../../../../../controller/rollout/drivers/session.js';
import { MAX_TEMPLATE_BODY, stackDriver, templateUrl } from '../../../../../controller/rollout/drivers/stack.js';
import type { Previous, TargetRef } from '../../../../../controller/rollout/journal-model.js';
import { rollbackToken } from '../../../../../controller/rollout/rollback-plan.js';
import type { DeployContext, TargetDriver } from '../../../../../controller/rollout/runner.js';
import { ROLLOUT, TENANT, estate, template, type Estate } from './setup.js';

const ctx: DeployContext = { rolloutId: ROLLOUT, wave: 'gold-tenants', attempt: 0, token: rollbackToken(ROLLOUT, 'unicorn') };

async function settle(e: Estate, driver: TargetDriver, target: StackTarget, ref: TargetRef) {
  for (let i = 0; i < 50; i++) {
    const r = await driver.follow(target, ref);
    if (r.state !== 'running') return r;
    e.world.advance(1000);
  }
  throw new Error('the stack never settled');
}

/** v1 deployed (with `v1` as its template), what the stack ran recorded, then v2 deployed and settled. */
async function v1ThenV2(opts: { v1?: string; v2?: string; target?: Partial<StackTarget>; capabilities?: string[] } = {}) {
  const e = await estate();
  e.world.s3().grant('acme-releases', TENANT, 'read');
  const cfn = e.world.cloudformation(TENANT, 'us-east-1');
  const unicorn: StackTarget = { ...(e.targets['unicorn'] as StackTarget), ...opts.target };
  const driver = stackDriver(e.deps);
  const m = await e.release('v1.0.0', { ...(opts.v1 ? { template: opts.v1 } : {}) });
  const stack = m.parts.stack;
  if (opts.capabilities && stack) {
    Object.assign(e.deps, { manifest: { ...m, parts: { ...m.parts, stack: { ...stack, capabilities: opts.capabilities } } } });
  }
  t.equal((await settle(e, driver, unicorn, await driver.deploy(unicorn, e.ctx('unicorn')))).state, 'succeeded');
  const previous = await driver.recordBefore(unicorn);
  await e.release('v2.0.0', { ...(opts.v2 ? { template: opts.v2 } : {}) });
  t.equal((await settle(e, driver, unicorn, await driver.deploy(unicorn, e.ctx('unicorn', 2)))).state, 'succeeded');
  const creates = () => e.world.calls.filter((c) => c.operation === 'CreateChangeSet');
  return { e, cfn, driver, unicorn, previous, creates };
}

t.test('rollback: the earlier template and parameters, in a change set named after the rollback token', async (t) => {
  const v2 = template({ extra: true });
  const { e, cfn, driver, unicorn, previous, creates } = await v1ThenV2({ v2 });
  t.equal(await driver.findRollback(unicorn, previous, ctx), undefined, 'nothing started yet');
  const ref = await driver.rollback(unicorn, previous, ctx);
  t.match(ref, { kind: 'change-set', changeSetName: changeSetNameFor(ctx.token) });
  t.match(creates().at(-1)?.args[0], {
    changeSetType: 'UPDATE',
    templateBody: template(),
    parameters: [
      { key: 'Size', value: 'small' },
      { key: 'ReleaseVersion', value: 'v1.0.0' },
      { key: 'ArtifactBucket', value: 'acme-releases' },
      { key: 'ArtifactKey', value: 'air-quality/v1.0.0/package-v1.0.0.zip' },
    ],
    roleArn: `arn:aws:iam::${TENANT}:role/cfn-deployer`,
  });
  // killed before the fact was journaled: found again from the stack's events, not made twice
  t.same(await driver.findRollback(unicorn, previous, ctx), ref);
  t.equal(creates().length, 3, 'v1, v2 and one rollback');
  t.match(await settle(e, driver, unicorn, ref), { state: 'succeeded', progress: 'UPDATE_COMPLETE', outputs: { Version: 'v1.0.0' } });
  t.equal(await cfn.getTemplate('air-quality'), template(), 'the stack runs v1\'s template again');
  t.same(Object.keys(cfn.stacks[0]?.definition?.template.resources ?? {}), ['Fn'], 'v2\'s extra resource is gone');
  t.same(await driver.findRollback(unicorn, previous, ctx), ref, 'still found once done');
});

t.test('killed between CreateChangeSet and ExecuteChangeSet: findRollback executes the change set', async (t) => {
  const { e, cfn, driver, unicorn, previous } = await v1ThenV2();
  e.world.faults.inject({ operation: 'cloudformation.ExecuteChangeSet', fault: { name: 'AccessDenied', status: 403 } });
  // v2 has the very same template: only the release's parameters change back
  await t.rejects(driver.rollback(unicorn, previous, ctx), { code: 'AWS_ACCESS_DENIED' });
  const ref = await driver.findRollback(unicorn, previous, ctx);
  t.match(ref, { kind: 'change-set', changeSetName: changeSetNameFor(ctx.token) });
  if (!ref) throw new Error('ref');
  t.match(await settle(e, driver, unicorn, ref), { state: 'succeeded', outputs: { Version: 'v1.0.0' } });
  t.equal(cfn.stacks[0]?.definition?.parameters['ReleaseVersion'], 'v1.0.0');
});

t.test('a stack that already runs what it ran before: no changes, a success without an execution', async (t) => {
  const { e, driver, unicorn, previous } = await v1ThenV2();
  const first = await driver.rollback(unicorn, previous, ctx);
  await settle(e, driver, unicorn, first);
  const executed = e.world.calls.filter((c) => c.operation === 'ExecuteChangeSet').length;
  const again = { ...ctx, token: `${ctx.token}-again` };
  const ref = await driver.rollback(unicorn, previous, again);
  t.match(await driver.follow(unicorn, ref), { state: 'succeeded', progress: 'no changes (UPDATE_COMPLETE)' });
  t.equal(e.world.calls.filter((c) => c.operation === 'ExecuteChangeSet').length, executed, 'nothing executed');
});

t.test('NoEcho parameters (shown as ****) keep their value: UsePreviousValue', async (t) => {
  const withSecret = (body: string): string => {
    const doc = JSON.parse(body) as { Parameters: Record<string, unknown> };
    doc.Parameters['Secret'] = { NoEcho: true };
    return JSON.stringify(doc);
  };
  const target = { parameters: { Size: 'small', Secret: 's3cret' } };
  const v2 = withSecret(template({ extra: true }));
  const { e, cfn, driver, unicorn, previous, creates } = await v1ThenV2({ v1: withSecret(template()), v2, target });
  t.match(previous, { parameters: { Secret: '****', Size: 'small' } });
  const ref = await driver.rollback(unicorn, previous, ctx);
  t.match(creates().at(-1)?.args[0], { parameters: [{ key: 'Size', value: 'small' }, { key: 'Secret', usePreviousValue: true }] });
  await settle(e, driver, unicorn, ref);
  t.equal(cfn.stacks[0]?.definition?.parameters['Secret'], 's3cret');
  t.same(rollbackParameters({ A: '1', B: '****' }), [{ key: 'A', value: '1' }, { key: 'B', usePreviousValue: true }]);
});

t.test('a template over the inline limit is put next to the journal in the release bucket and read from there', async (t) => {
  const big = (body: string): string => JSON.stringify({ ...(JSON.parse(body) as object), Description: 'x'.repeat(MAX_TEMPLATE_BODY) });
  const { e, cfn, driver, unicorn, previous, creates } = await v1ThenV2({ v1: big(template()) });
  const ref = await driver.rollback(unicorn, previous, ctx);
  const key = 'r/rollback/unicorn.template';
  t.match(creates().at(-1)?.args[0], { templateUrl: templateUrl('acme-releases', 'us-east-1', key) });
  t.notOk((creates().at(-1)?.args[0] as { templateBody?: string }).templateBody, 'no inline body');
  const stored = await e.world.s3().getObject({ bucket: 'acme-releases', key });
  t.equal(Buffer.from(stored.body).toString('utf8'), big(template()));
  await settle(e, driver, unicorn, ref);
  t.equal(await cfn.getTemplate('air-quality'), big(template()));
});

t.test('capabilities CloudFormation asks for are added once, on top of the target\'s', async (t) => {
  const withRole = (body: string): string => {
    const doc = JSON.parse(body) as { Resources: Record<string, unknown> };
    doc.Resources['Role'] = { Type: 'AWS::IAM::Role', Properties: {} };
    return JSON.stringify(doc);
  };
  const { e, cfn, driver, unicorn, previous, creates } = await v1ThenV2({ v1: withRole(template()), capabilities: ['CAPABILITY_IAM'] });
  const before = creates().length;
  const ref = await driver.rollback(unicorn, previous, ctx);
  t.same(creates().slice(before).map((c) => (c.args[0] as { capabilities: string[] }).capabilities), [[], ['CAPABILITY_IAM']]);
  await settle(e, driver, unicorn, ref);
  t.ok(cfn.stacks[0]?.definition?.template.resources['Role'], 'the role is back');
  const plain = new Error('Requires capabilities : [CAPABILITY_IAM]');
  t.equal(requiredCapabilities(plain), undefined, 'only from InsufficientCapabilitiesException');
});

t.test('busy, gone or blocked stacks, and a saved template that is gone', async (t) => {
  const { e, cfn, driver, unicorn, previous } = await v1ThenV2();
  await e.release('v3.0.0');
  await driver.deploy(unicorn, e.ctx('unicorn', 3));
  const busy = await driver.rollback(unicorn, previous, ctx).catch((x: unknown) => x);
  t.ok(isEdgeError(busy, 'TARGET_BUSY') && busy.retryable, String(busy));
  e.world.advance(10_000);
  await cfn.describeStack('air-quality');

  const gone: StackTarget = { ...unicorn, stack: 'no-such-stack' };
  await t.rejects(driver.rollback(gone, previous, ctx), { code: 'TARGET_STACK_BLOCKED', message: /no-such-stack no longer exists/ });
  const s = cfn.stacks[0];
  if (!s) throw new Error('stack');
  s.status = 'UPDATE_ROLLBACK_FAILED';
  await t.rejects(driver.rollback(unicorn, previous, ctx), { code: 'TARGET_STACK_BLOCKED', message: /UPDATE_ROLLBACK_FAILED/ });
  s.status = 'UPDATE_COMPLETE';

  e.store.objects.delete('r/before/unicorn.template');
  const missing = await driver.rollback(unicorn, previous, ctx).catch((x: unknown) => x);
  t.ok(isEdgeError(missing, 'TARGET_PREVIOUS_MISSING') && !missing.retryable, String(missing));
  t.match(String(missing), /memory:\/\/r\/before\/unicorn\.template/);
  const none: Previous = { kind: 'stack', exists: false };
  await t.rejects(driver.rollback(unicorn, none, ctx), { code: 'ROLLOUT_JOURNAL_CORRUPT' });
});
