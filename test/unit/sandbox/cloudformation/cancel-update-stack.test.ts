// CancelUpdateStack through the real CloudFormation client against the sandbox, on a timer the test
// releases by hand: a cancelled update rolls back to the previous parameters and outputs with
// CloudFormation's events (the resource in flight "Resource update cancelled" / "Resource creation
// cancelled", the stack "Stack update cancelled"), a step of the update whose timer fires after the
// cancel changes nothing, a stack that is not updating refuses it, and a sandbox restarted over its
// folder resumes both the update it may cancel and the rollback a cancel started.
import t, { type Test } from 'tap';
import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { startSandbox, type Sandbox } from '../../../../sandbox/sandbox.js';
import { tempDir } from '../../../helpers/temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const TEMPLATE = `
Parameters:
  Version: { Type: String }
Conditions:
  Two: !Equals [!Ref Version, v2]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Metadata: { SandboxDelayMs: 1000 }
    Properties: { DisplayName: !Ref Version }
  Queue:
    Type: AWS::SQS::Queue
    Condition: Two
    DependsOn: Topic
    Metadata: { SandboxDelayMs: 2000 }
Outputs:
  Version: { Value: !Ref Version }
  TopicArn: { Value: !Ref Topic }
`;

const NOT_CANCELLABLE = 'CancelUpdateStack cannot be called from current stack status';

/**
 * A provisioning timer the test releases by hand (0 ms passes at once). `heedsAbort` false: a delay
 * ends only when released, as a timer already due when the run was aborted would.
 */
function manualTimer(heedsAbort = true) {
  const waiting: { ms: number; signal: AbortSignal; resolve: () => void }[] = [];
  return {
    sleep: (ms: number, signal: AbortSignal): Promise<void> =>
      ms === 0
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
          waiting.push({ ms, signal, resolve });
          if (heedsAbort) signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
    /** The delays waiting now (aborted ones left out). */
    pending: (): number[] => waiting.filter((w) => !w.signal.aborted).map((w) => w.ms),
    /** Lets every delay of `ms` go; aborted ones too, to show their runs change nothing any more. */
    release(ms: number): void {
      for (const w of waiting.filter((x) => x.ms === ms)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    },
  };
}
type Timer = ReturnType<typeof manualTimer>;

/** Waits until `ok()` holds, turning the event loop (requests and the background runs), never the clock. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (ok()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

const client = (sb: Sandbox): CloudFormationClient => {
  const credentials = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  return new CloudFormationClient({ endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials });
};

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected a failure');
}

const describe = async (cfn: CloudFormationClient, name: string) =>
  (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
const version = (v: string) => [{ ParameterKey: 'Version', ParameterValue: v }];
/** A CancelUpdateStack that must fail: its error. */
const refused = (cfn: CloudFormationClient, StackName: string, ClientRequestToken?: string) =>
  failure(cfn.send(new CancelUpdateStackCommand({ StackName, ...(ClientRequestToken ? { ClientRequestToken } : {}) })));

/** `Logical:Status (reason) [token]`, oldest first. */
async function events(cfn: CloudFormationClient, name: string): Promise<string[]> {
  const all = (await cfn.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents ?? [];
  return all.reverse().map((e) => {
    const reason = e.ResourceStatusReason ? ` (${e.ResourceStatusReason})` : '';
    return `${e.LogicalResourceId}:${e.ResourceStatus}${reason}${e.ClientRequestToken ? ` [${e.ClientRequestToken}]` : ''}`;
  });
}

const outputs = (s: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }) =>
  Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));

/** A stack at v1 (CREATE_COMPLETE), then its update to v2 started (token upd-1). */
async function updating(t: Test, sb: Sandbox, timer: Timer, name: string) {
  const cfn = client(sb);
  await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: TEMPLATE, Parameters: version('v1') }));
  await until(() => timer.pending().includes(1000), 'Topic creating');
  t.match(await refused(cfn, name), { name: 'ValidationError', message: NOT_CANCELLABLE }, 'not while creating');
  timer.release(1000);
  await sb.cloudformation.idle();
  const before = await describe(cfn, name);
  const update = { StackName: name, UsePreviousTemplate: true, Parameters: version('v2'), ClientRequestToken: 'upd-1' };
  await cfn.send(new UpdateStackCommand(update));
  await until(() => timer.pending().includes(1000), 'Topic updating');
  return { cfn, before };
}

t.test('cancelled while a resource updates: it fails as cancelled, and the stack rolls back to v1', async (t) => {
  const timer = manualTimer(false);
  const sb = await startSandbox({ cloudformationSleep: timer.sleep });
  t.teardown(() => sb.close());
  const { cfn, before } = await updating(t, sb, timer, 's');
  t.equal(before.StackStatus, 'CREATE_COMPLETE');
  await cfn.send(new CancelUpdateStackCommand({ StackName: 's' }));
  t.same(timer.pending(), [], "the update's run was aborted");
  t.equal((await describe(cfn, 's')).StackStatus, 'UPDATE_ROLLBACK_IN_PROGRESS');
  timer.release(1000); // its timer fires after the cancel: the aborted run must not step in
  await sb.cloudformation.idle();
  const after = await describe(cfn, 's');
  t.equal(after.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
  t.same(after.Parameters, version('v1'), 'the previous parameters');
  t.same(outputs(after), outputs(before), 'the previous outputs');
  t.equal(outputs(after)['Version'], 'v1');
  const all = await events(cfn, 's');
  t.same(all.slice(all.indexOf('s:UPDATE_IN_PROGRESS (User Initiated) [upd-1]')), [
    's:UPDATE_IN_PROGRESS (User Initiated) [upd-1]',
    'Topic:UPDATE_IN_PROGRESS [upd-1]',
    'Topic:UPDATE_FAILED (Resource update cancelled)',
    's:UPDATE_ROLLBACK_IN_PROGRESS (Stack update cancelled)',
    'Topic:UPDATE_IN_PROGRESS',
    'Topic:UPDATE_COMPLETE',
    's:UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    's:UPDATE_ROLLBACK_COMPLETE',
  ], 'the events of the update and its cancel, in order, the cancel without a token');
  const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 's' }))).StackResources ?? [];
  t.same(resources.map((r) => [r.LogicalResourceId, r.ResourceStatus]), [['Topic', 'UPDATE_COMPLETE']]);
  t.match(await refused(cfn, 's'), { message: NOT_CANCELLABLE }, 'not once rolled back');
  await cfn.send(new UpdateStackCommand({ StackName: 's', UsePreviousTemplate: true, Parameters: version('v2') }));
  await until(() => timer.pending().includes(1000), 'Topic updating again');
  timer.release(1000);
  await until(() => timer.pending().includes(2000), 'Queue creating');
  timer.release(2000);
  await sb.cloudformation.idle();
  t.equal((await describe(cfn, 's')).StackStatus, 'UPDATE_COMPLETE', 'an update after the cancel goes through');
});

t.test('cancelled while a resource is created: it fails as cancelled and is deleted; a retried cancel succeeds', async (t) => {
  const timer = manualTimer();
  const sb = await startSandbox({ cloudformationSleep: timer.sleep });
  t.teardown(() => sb.close());
  const { cfn, before } = await updating(t, sb, timer, 's');
  timer.release(1000);
  await until(() => timer.pending().includes(2000), 'Queue creating');
  await cfn.send(new CancelUpdateStackCommand({ StackName: 's', ClientRequestToken: 'cancel-1' }));
  await cfn.send(new CancelUpdateStackCommand({ StackName: 's', ClientRequestToken: 'cancel-1' }));
  t.match(await refused(cfn, 's', 'cancel-2'), { message: NOT_CANCELLABLE }, 'another token: a new request, refused');
  await sb.cloudformation.idle();
  const after = await describe(cfn, 's');
  t.equal(after.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
  t.same(after.Parameters, version('v1'));
  t.same(outputs(after), outputs(before));
  const all = await events(cfn, 's');
  t.same(all.slice(all.indexOf('s:UPDATE_IN_PROGRESS (User Initiated) [upd-1]')), [
    's:UPDATE_IN_PROGRESS (User Initiated) [upd-1]',
    'Topic:UPDATE_IN_PROGRESS [upd-1]',
    'Topic:UPDATE_COMPLETE [upd-1]',
    'Queue:CREATE_IN_PROGRESS [upd-1]',
    'Queue:CREATE_IN_PROGRESS (Resource creation Initiated) [upd-1]',
    'Queue:CREATE_FAILED (Resource creation cancelled) [cancel-1]',
    's:UPDATE_ROLLBACK_IN_PROGRESS (Stack update cancelled) [cancel-1]',
    'Topic:UPDATE_IN_PROGRESS [cancel-1]',
    'Topic:UPDATE_COMPLETE [cancel-1]',
    's:UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS [cancel-1]',
    'Queue:DELETE_IN_PROGRESS [cancel-1]',
    'Queue:DELETE_COMPLETE [cancel-1]',
    's:UPDATE_ROLLBACK_COMPLETE [cancel-1]',
  ], "from the cancel on, the events carry the cancel's token");
  const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 's' }))).StackResources ?? [];
  t.same(resources.map((r) => r.LogicalResourceId), ['Topic'], 'the queue the update created is gone');
  const cancels = sb.calls.snapshot().calls.filter((c) => c.operation === 'CancelUpdateStack');
  t.equal(cancels.reduce((n, c) => n + c.count, 0), 4, 'the call log counts them');
});

t.test('refused unless the stack is UPDATE_IN_PROGRESS', async (t) => {
  const timer = manualTimer();
  const sb = await startSandbox({ cloudformationSleep: timer.sleep });
  t.teardown(() => sb.close());
  const cfn = client(sb);
  t.match(await refused(cfn, 'nope'), { name: 'ValidationError', message: 'Stack [nope] does not exist' });
  await cfn.send(new CreateStackCommand({ StackName: 'done', TemplateBody: TEMPLATE, Parameters: version('v1') }));
  await until(() => timer.pending().length === 1, 'creating');
  timer.release(1000);
  await sb.cloudformation.idle();
  t.match(await refused(cfn, 'done'), { name: 'ValidationError', message: NOT_CANCELLABLE }, 'CREATE_COMPLETE');
  await cfn.send(new UpdateStackCommand({ StackName: 'done', UsePreviousTemplate: true, Parameters: version('v3') }));
  await until(() => timer.pending().length === 1, 'updating');
  timer.release(1000);
  await sb.cloudformation.idle();
  t.equal((await describe(cfn, 'done')).StackStatus, 'UPDATE_COMPLETE');
  t.match(await failure(cfn.send(new CancelUpdateStackCommand({ StackName: 'done' }))), { message: NOT_CANCELLABLE }, 'UPDATE_COMPLETE');
  t.match(await refused(cfn, ''), { name: 'ValidationError', message: /'stackName' failed to satisfy constraint/ });
});

t.test('a restarted sandbox: the resumed update can be cancelled, and the rollback a cancel started resumes', async (t) => {
  const dir = tempDir(t, 'cfn-cancel');
  const first = manualTimer();
  let sb = await startSandbox({ dir, cloudformationSleep: first.sleep });
  const { before } = await updating(t, sb, first, 's');
  await sb.close();
  t.same(first.pending(), [], 'closing aborted the update (it stays recorded)');

  // the resumed update; the rollback's steps take 500 ms each here, so it can be cut off as well
  const second = manualTimer();
  sb = await startSandbox({ dir, cloudformationSleep: second.sleep, cloudformationDelayMs: 500 });
  let cfn = client(sb);
  await until(() => second.pending().includes(1000), 'Topic updating again');
  t.equal((await describe(cfn, 's')).StackStatus, 'UPDATE_IN_PROGRESS');
  await cfn.send(new CancelUpdateStackCommand({ StackName: 's' }));
  await until(() => second.pending().includes(500), 'Topic rolling back');
  await sb.close();
  t.same(second.pending(), []);

  const third = manualTimer();
  sb = await startSandbox({ dir, cloudformationSleep: third.sleep, cloudformationDelayMs: 500 });
  t.teardown(() => sb.close());
  cfn = client(sb);
  t.equal((await describe(cfn, 's')).StackStatus, 'UPDATE_ROLLBACK_IN_PROGRESS', 'the cancel was persisted');
  await until(() => third.pending().includes(500), 'Topic rolling back again');
  third.release(500);
  await sb.cloudformation.idle();
  const after = await describe(cfn, 's');
  t.equal(after.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
  t.same(after.Parameters, version('v1'));
  t.same(outputs(after), outputs(before));
  const all = await events(cfn, 's');
  t.equal(all.filter((e) => e.startsWith('s:UPDATE_ROLLBACK_IN_PROGRESS')).length, 1, 'one transition to the rollback');
  t.equal(all.filter((e) => e === 'Topic:UPDATE_FAILED (Resource update cancelled)').length, 1);
});
