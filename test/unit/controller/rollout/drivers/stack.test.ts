// The stack driver over the fake CloudFormation (statuses move with the world's clock): create,
// "no changes" counted as success, a failing update rolled back and reported with the resource's
// reason, the template saved before, crashes between the calls, busy and blocked stacks.
import t from 'tap';
import type { StackTarget } from '../../../../../controller/rollout/config-types.js';
import { changeSetNameFor } from '../../../../../controller/rollout/drivers/session.js';
import { stackDriver, stackParameters, templateUrl } from '../../../../../controller/rollout/drivers/stack.js';
import type { TargetRef } from '../../../../../controller/rollout/journal-model.js';
import type { TargetDriver } from '../../../../../controller/rollout/runner.js';
import { TENANT, estate, template, type Estate } from './setup.js';

/** Follows until the target is no longer running, advancing the world's clock between polls. */
async function settle(e: Estate, driver: TargetDriver, target: StackTarget, ref: TargetRef) {
  for (let i = 0; i < 50; i++) {
    const r = await driver.follow(target, ref);
    if (r.state !== 'running') return r;
    e.world.advance(1000);
  }
  throw new Error('the stack never settled');
}

async function setup() {
  const e = await estate();
  e.world.s3().grant('acme-releases', TENANT, 'read');
  const cfn = e.world.cloudformation(TENANT, 'us-east-1');
  return { e, cfn, driver: stackDriver(e.deps), unicorn: e.targets['unicorn'] as StackTarget };
}

t.test('a new stack: change set CREATE from the release bucket, executed, outputs on success', async (t) => {
  const { e, cfn, driver, unicorn } = await setup();
  t.same(await driver.recordBefore(unicorn), { kind: 'stack', exists: false });
  const ref = await driver.deploy(unicorn, e.ctx('unicorn', 1, 'gold-tenants'));
  t.match(ref, { kind: 'change-set', changeSetName: changeSetNameFor(e.ctx('unicorn', 1, 'gold-tenants').token) });
  const created = e.world.calls.find((c) => c.operation === 'CreateChangeSet');
  const part = e.deps.manifest.parts.stack;
  t.match(created?.args[0], {
    changeSetType: 'CREATE',
    templateUrl: templateUrl('acme-releases', 'us-east-1', part?.template.key ?? ''),
    roleArn: `arn:aws:iam::${TENANT}:role/cfn-deployer`,
    parameters: [
      { key: 'Size', value: 'small' },
      { key: 'ReleaseVersion', value: 'v1.0.0' },
      { key: 'ArtifactBucket', value: 'acme-releases' },
      { key: 'ArtifactKey', value: part?.package?.key },
    ],
  });
  t.equal(created?.account, TENANT, 'called in the tenant account');
  const assume = e.world.calls.find((c) => c.operation === 'AssumeRole');
  t.match(assume?.args[0], { roleArn: `arn:aws:iam::${TENANT}:role/fleet-deployer`, externalId: 'unicorn-7f3' }, 'through the tenant role with its ExternalId');
  t.match(await driver.follow(unicorn, ref), { state: 'running', progress: 'CREATE_IN_PROGRESS' });
  const outputs = { Version: 'v1.0.0', Function: 'air-quality-Fn' };
  // tookMs: the operation's first to its last event, as the fake's events time it (two resources of 1 s)
  t.same(await settle(e, driver, unicorn, ref), { state: 'succeeded', progress: 'CREATE_COMPLETE', outputs, tookMs: 2000 });
  t.equal(cfn.stacks.length, 1);
});

t.test('the same release again: the change set has no changes, which counts as success without an execution', async (t) => {
  const { e, cfn, driver, unicorn } = await setup();
  await settle(e, driver, unicorn, await driver.deploy(unicorn, e.ctx('unicorn')));
  const before = await driver.recordBefore(unicorn);
  t.match(before, { kind: 'stack', exists: true, status: 'CREATE_COMPLETE', parameters: { ReleaseVersion: 'v1.0.0', Size: 'small' }, templateKey: 'r/before/unicorn.template' });
  t.equal(e.store.objects.get('r/before/unicorn.template')?.body.toString(), template(), 'the template a rollback needs');
  const ref = await driver.deploy(unicorn, e.ctx('unicorn', 2));
  t.same(cfn.changeSets.filter((c) => c.name === changeSetNameFor(e.ctx('unicorn', 2).token)), [], 'the empty change set was deleted');
  t.match(await driver.follow(unicorn, ref), { state: 'succeeded', progress: 'no changes (CREATE_COMPLETE)', outputs: { Version: 'v1.0.0' } });
  t.equal(e.world.calls.filter((c) => c.operation === 'ExecuteChangeSet').length, 1, 'executed only the first time');
});

t.test('an update that fails is rolled back and reported with the failing resource reason', async (t) => {
  const { e, driver, unicorn } = await setup();
  await settle(e, driver, unicorn, await driver.deploy(unicorn, e.ctx('unicorn')));
  await e.release('v2.0.0', { template: template({ fail: 'Resource handler returned message: "disk full"' }) });
  const ref = await driver.deploy(unicorn, e.ctx('unicorn', 2));
  const r = await settle(e, driver, unicorn, ref);
  t.equal(r.state, 'failed');
  t.match(r.state === 'failed' ? r.reason : '', /UPDATE_ROLLBACK_COMPLETE: Fn \(AWS::Lambda::Function\) UPDATE_FAILED: Resource handler returned message: "disk full"/);
  const s = await e.world.cloudformation(TENANT, 'us-east-1').describeStack('air-quality');
  t.equal(s?.parameters['ReleaseVersion'], 'v1.0.0', 'CloudFormation put the previous release back');
});

t.test('an update cancelled (CancelUpdateStack, events under its own token) is failed with the cancel as reason', async (t) => {
  const { e, cfn, driver, unicorn } = await setup();
  await settle(e, driver, unicorn, await driver.deploy(unicorn, e.ctx('unicorn')));
  await e.release('v2.0.0');
  const ref = await driver.deploy(unicorn, e.ctx('unicorn', 2));
  t.match(await driver.follow(unicorn, ref), { state: 'running', progress: 'UPDATE_IN_PROGRESS' });
  await cfn.cancelUpdateStack('air-quality');
  const r = await settle(e, driver, unicorn, ref);
  t.match(r, { state: 'failed', reason: 'stack air-quality UPDATE_ROLLBACK_COMPLETE: Stack update cancelled' });
});

t.test('killed between CreateChangeSet and ExecuteChangeSet, or after it: find finishes or adopts the attempt', async (t) => {
  const { e, cfn, driver, unicorn } = await setup();
  e.world.faults.inject({ operation: 'cloudformation.ExecuteChangeSet', fault: { name: 'AccessDenied', status: 403 } });
  await t.rejects(driver.deploy(unicorn, e.ctx('unicorn')), { code: 'AWS_ACCESS_DENIED' });
  t.equal(cfn.stacks[0]?.status, 'REVIEW_IN_PROGRESS', 'the change set exists, not executed');
  const ref = await driver.find(unicorn, e.ctx('unicorn'));
  t.match(ref, { kind: 'change-set', changeSetName: changeSetNameFor(e.ctx('unicorn').token) }, 'found and executed');
  t.equal(cfn.stacks[0]?.status, 'CREATE_IN_PROGRESS');
  // a second crash after the execution: the change sets are gone (as the sandbox does), the events remain
  cfn.changeSets.length = 0;
  t.same(await driver.find(unicorn, e.ctx('unicorn')), ref, 'adopted from the stack events');
  t.equal(await driver.find(unicorn, e.ctx('unicorn', 2)), undefined);
  t.equal(e.world.calls.filter((c) => c.operation === 'ExecuteChangeSet').length, 2, 'one refused, one executed');
  await t.rejects(driver.deploy(unicorn, e.ctx('unicorn', 2)), { code: 'TARGET_BUSY' }, 'a stack in progress is busy');
});

t.test('a stack whose creation rolled back is blocked; a bad template fails the change set', async (t) => {
  const { e, driver, unicorn } = await setup();
  await e.release('v1.0.1', { template: template({ fail: 'no capacity' }) });
  const r = await settle(e, driver, unicorn, await driver.deploy(unicorn, e.ctx('unicorn')));
  t.match(r, { state: 'failed', reason: /ROLLBACK_COMPLETE: Fn .*no capacity/ });
  await t.rejects(driver.deploy(unicorn, e.ctx('unicorn', 2)), { code: 'TARGET_STACK_BLOCKED', message: /ROLLBACK_COMPLETE/ });
  const other: StackTarget = { ...unicorn, stack: 'other', parameters: { Nope: 'x' } };
  await t.rejects(driver.deploy(other, e.ctx('unicorn', 3)), { code: 'AWS_REQUEST_INVALID', message: /Nope/ });
});

t.test('parameters: release values only where declared, the rest of the stack kept with UsePreviousValue', async (t) => {
  const { e, unicorn } = await setup();
  const part = e.deps.manifest.parts.stack;
  if (!part) throw new Error('part');
  const noPackage = { ...part, parameters: ['ReleaseVersion', 'Legacy'], package: undefined };
  const current = { stackId: 'x', stackName: 'x', status: 'UPDATE_COMPLETE', parameters: { Legacy: '1', Size: 'big' }, outputs: {}, capabilities: [], tags: [] };
  t.same(stackParameters({ ...unicorn, parameters: {} }, noPackage, { version: 'v9', bucket: 'b' }, current), [
    { key: 'ReleaseVersion', value: 'v9' },
    { key: 'Legacy', usePreviousValue: true },
  ]);
});
