// The change set preview of `rollout plan --change-sets` over the fake CloudFormation (statuses move
// with the world's clock): the rollout's very change set created, read and deleted again, with the
// empty REVIEW_IN_PROGRESS stack of a CREATE preview; "no changes"; a refused or failed change set;
// and the cleanup when reading fails, when the plan is interrupted, or when deleting is denied.
import t from 'tap';
import type { CloudFormationPort } from '../../../../controller/aws/ports.js';
import { PREVIEW_PREFIX, previewStack, type PreviewDeps } from '../../../../controller/rollout/change-set-preview.js';
import type { StackTarget } from '../../../../controller/rollout/config-types.js';
import { sessionFor } from '../../../../controller/rollout/drivers/session.js';
import { changeSetInput, stackDriver } from '../../../../controller/rollout/drivers/stack.js';
import { ROLLOUT, TENANT, estate, template, type Estate } from './drivers/setup.js';

async function setup() {
  const e = await estate();
  e.world.s3().grant('acme-releases', TENANT, 'read');
  const unicorn = e.targets['unicorn'] as StackTarget;
  const fake = e.world.cloudformation(TENANT, 'us-east-1');
  const port = sessionFor(e.deps.pool, unicorn, ROLLOUT).cloudformation;
  const deps: PreviewDeps = { sleep: e.deps.sleep, now: e.deps.now, pollMs: 200, randomHex: () => '0123456789abcdef' };
  const preview = (over: Partial<PreviewDeps> = {}, cfn: CloudFormationPort = port) =>
    previewStack(cfn, unicorn, e.deps.manifest, ROLLOUT, { ...deps, ...over });
  /** CloudFormation calls since `from` (repeated reads counted once), with their outcome. */
  const calls = (from = 0) =>
    e.world.calls
      .slice(from)
      .filter((c) => c.service === 'cloudformation')
      .map((c) => c.operation)
      .filter((op, i, all) => op !== all[i - 1] || !op.startsWith('Describe'));
  /** Preview change sets still there (the fake keeps a rollout's executed change set). */
  const previews = () => fake.changeSets.filter((c) => c.name.startsWith(PREVIEW_PREFIX));
  return { e, unicorn, fake, port, preview, calls, previews };
}

/** Deploys the current release to the stack with the rollout's driver and lets it finish. */
async function deployed(e: Estate, unicorn: StackTarget): Promise<void> {
  const driver = stackDriver(e.deps);
  const ref = await driver.deploy(unicorn, e.ctx('unicorn'));
  for (let i = 0; i < 50 && (await driver.follow(unicorn, ref)).state === 'running'; i++) e.world.advance(1000);
}

t.test('a new stack: the CREATE change set the rollout would make, its changes, then it and the empty stack deleted', async (t) => {
  const { e, unicorn, fake, preview, calls, previews } = await setup();
  const r = await preview();
  t.same(r.problems, []);
  t.match(r.preview, { outcome: 'changes', type: 'CREATE', changeSet: `${PREVIEW_PREFIX}0123456789abcdef` });
  t.same(r.preview.changes, [{ action: 'Add', logicalResourceId: 'Fn', resourceType: 'AWS::Lambda::Function' }]);
  t.notOk(r.preview.leftBehind);
  const created = e.world.calls.find((c) => c.operation === 'CreateChangeSet');
  const part = e.deps.manifest.parts.stack;
  if (!part) throw new Error('part');
  const asRollout = changeSetInput(unicorn, e.deps.manifest, part, undefined, { changeSetName: 'x', description: 'y' });
  const sent = { ...(created?.args[0] as object), changeSetName: 'x', description: 'y' };
  t.same(sent, asRollout, 'template, parameters, capabilities, role and tags as the rollout');
  t.equal(created?.account, TENANT, 'through the tenant role');
  t.same(calls(), [
    ...['DescribeStack', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet'],
    ...['DescribeStack', 'ListChangeSets', 'DeleteStack', 'DescribeStack'],
  ]);
  t.same(previews(), [], 'no change set left');
  t.same(fake.stacks.map((s) => s.status), ['DELETE_COMPLETE'], 'the REVIEW_IN_PROGRESS stack is deleted too');
  t.equal(await fake.describeStack('air-quality'), undefined, 'the account is as before');
  t.notMatch(r.preview.changeSet, /^fleetctl-[0-9a-f]{24}$/, "never a rollout attempt's name");
});

t.test('an existing stack: an UPDATE change set with Add and Modify, deleted; the stack itself untouched', async (t) => {
  const { e, unicorn, fake, preview, calls, previews } = await setup();
  await deployed(e, unicorn);
  await e.release('v2.0.0', { template: template({ extra: true }) });
  const before = e.world.calls.length;
  const r = await preview();
  t.same(r.problems, []);
  t.match(r.preview, { outcome: 'changes', type: 'UPDATE' });
  t.same(r.preview.changes, [
    {
      action: 'Modify',
      logicalResourceId: 'Fn',
      physicalResourceId: 'air-quality-Fn',
      resourceType: 'AWS::Lambda::Function',
      replacement: 'False',
    },
    { action: 'Add', logicalResourceId: 'Extra', resourceType: 'AWS::SQS::Queue' },
  ]);
  const expected = ['DescribeStack', 'CreateChangeSet', 'DescribeChangeSet', 'DeleteChangeSet'];
  t.same(calls(before), expected, 'no DeleteStack for an existing stack');
  t.same(previews(), []);
  t.match(await fake.describeStack('air-quality'), { status: 'CREATE_COMPLETE', parameters: { ReleaseVersion: 'v1.0.0' } });
});

t.test('the release the stack runs already: "no changes", the failed change set deleted', async (t) => {
  const { e, unicorn, preview, previews } = await setup();
  await deployed(e, unicorn);
  const r = await preview();
  const name = `${PREVIEW_PREFIX}0123456789abcdef`;
  t.same(r, { preview: { type: 'UPDATE', changeSet: name, outcome: 'no-changes', changes: [] }, problems: [] });
  t.same(previews(), []);
});

t.test('a refused or failed change set is a blocking problem with what to do, and nothing is left', async (t) => {
  const { e, unicorn, fake, port, preview, previews } = await setup();
  const nope = { ...unicorn, parameters: { Nope: 'x' } };
  const refused = await previewStack(port, nope, e.deps.manifest, ROLLOUT, { sleep: e.deps.sleep, now: e.deps.now });
  t.match(refused, {
    preview: { outcome: 'failed', type: 'CREATE', reason: /Nope/ },
    problems: [{ problem: /refused the change set.*Nope/, action: /fix what the reason names/, blocking: true }],
  });
  t.same(fake.stacks, [], 'no stack made');

  e.world.faults.inject({ operation: 'cloudformation.CreateChangeSet', fault: 'access-denied' });
  const denied = await preview();
  const iam = /cloudformation:CreateChangeSet.*DeleteStack.*iam:PassRole/;
  t.match(denied, { preview: { outcome: 'failed' }, problems: [{ action: iam, blocking: true }] });

  // a change set CloudFormation computed and failed for a reason other than "no changes"
  const failing = new Proxy(port, {
    get: (target, prop: keyof CloudFormationPort) =>
      prop === 'describeChangeSet'
        ? async (stack: string, name: string) => ({
            ...(await target.describeChangeSet(stack, name)),
            status: 'FAILED',
            statusReason: 'Template error: unresolved resource dependencies [Db]',
          })
        : target[prop],
  });
  const failed = await preview({}, failing);
  t.match(failed, {
    preview: { outcome: 'failed', reason: /unresolved resource dependencies/ },
    problems: [{ problem: /the change set failed: Template error/, blocking: true }],
  });
  t.same(previews(), [], 'deleted');
  t.ok(fake.stacks.every((s) => s.status === 'DELETE_COMPLETE'), 'and the stack it made');
});

t.test('reading the change set fails: it and the stack are still deleted', async (t) => {
  const { e, fake, preview, previews } = await setup();
  e.world.faults.inject({ operation: 'cloudformation.DescribeChangeSet', fault: 'access-denied' });
  const r = await preview();
  t.match(r, { preview: { outcome: 'failed' }, problems: [{ problem: /reading the change set failed/, blocking: true }] });
  t.notOk(r.preview.leftBehind);
  t.same(previews(), []);
  t.same(fake.stacks.map((s) => s.status), ['DELETE_COMPLETE']);
});

t.test('interrupted while CloudFormation computes: the wait stops; the cleanup waits until it may delete', async (t) => {
  const { e, fake, preview, previews } = await setup();
  const stop = new AbortController();
  const sleep = async (ms: number): Promise<void> => {
    e.world.advance(100); // with the sleep, the change set is CREATE_IN_PROGRESS now, which cannot be deleted yet
    stop.abort(new Error('interrupted (SIGINT)'));
    await e.deps.sleep(ms);
  };
  const r = await preview({ sleep, stop: stop.signal });
  t.same(r.problems, []);
  t.match(r.preview, { outcome: 'not-previewed', reason: 'interrupted' });
  const deletes = e.world.calls.filter((c) => c.operation === 'DeleteChangeSet').length;
  t.equal(deletes, 2, 'refused while being created, then deleted');
  t.same(previews(), []);
  t.same(fake.stacks.map((s) => s.status), ['DELETE_COMPLETE']);
  stop.abort();
  const late = await preview({ stop: stop.signal });
  t.match(late, { preview: { outcome: 'not-previewed', reason: 'interrupted' } }, 'no call once interrupted');
  t.equal(e.world.calls.filter((c) => c.operation === 'CreateChangeSet').length, 1);
});

t.test('what cannot be deleted is left behind, reported with the command that deletes it', async (t) => {
  const { e, unicorn, preview, previews } = await setup();
  // a CREATE preview: DeleteStack takes the change set along
  e.world.faults.inject({ operation: 'cloudformation.DeleteChangeSet', fault: 'access-denied', times: Infinity });
  const created = await preview();
  t.notOk(created.preview.leftBehind);
  t.same(previews(), []);
  await deployed(e, unicorn);
  const r = await preview();
  const command = /aws cloudformation delete-change-set --stack-name arn:\S+ --change-set-name fleetctl-preview-0123456789abcdef$/;
  t.match(r.preview, { outcome: 'no-changes', leftBehind: [/^change set fleetctl-preview-0123456789abcdef on stack air-quality \(/] });
  t.match(r.preview.leftBehind?.[0], command);
  t.match(r.problems, [{ problem: /left change set fleetctl-preview-/, blocking: false }]);
  e.world.faults.clear();
  e.world.faults.inject({ operation: 'cloudformation.DeleteStack', fault: 'access-denied' });
  await e.world.cloudformation(TENANT, 'us-east-1').deleteChangeSet('air-quality', `${PREVIEW_PREFIX}0123456789abcdef`);
  const cfn = sessionFor(e.deps.pool, unicorn, ROLLOUT).cloudformation;
  const other = await previewStack(cfn, { ...unicorn, stack: 'other' }, e.deps.manifest, ROLLOUT, { sleep: e.deps.sleep, now: e.deps.now });
  t.match(other.preview.leftBehind, [/the empty stack other in REVIEW_IN_PROGRESS .*aws cloudformation delete-stack --stack-name arn:/]);
});
