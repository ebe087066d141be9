// The CloudFormation service over an in-memory store with an injected timer: an operation cut off
// by close() stays recorded on its stack and a new service over the same store resumes it.
import t from 'tap';
import { createCloudFormationService } from '../../../../sandbox/cloudformation/cloudformation-service.js';
import { cfnDoc } from '../../../../sandbox/cloudformation/cfn-state.js';
import { createStore } from '../../../../sandbox/store.js';
import type { Principal, SandboxRequest } from '../../../../sandbox/types.js';

const principal: Principal = { accessKeyId: 'AKIA', secretAccessKey: 's', arn: 'arn:aws:iam::111111111111:root', accountId: '111111111111', userId: '111111111111' };

const request = (params: Record<string, string>): SandboxRequest => ({
  method: 'POST', rawPath: '/', path: '/', query: new URLSearchParams(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: Buffer.from(new URLSearchParams({ Version: '2010-05-15', ...params }).toString()), service: 'cloudformation', region: 'us-east-1', principal,
  signal: new AbortController().signal,
});

/** A timer the test releases by hand. */
function manualTimer() {
  const waiting: { ms: number; resolve: () => void }[] = [];
  return {
    waiting,
    sleep: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ ms, resolve });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
    releaseAll() {
      for (const w of waiting.splice(0)) w.resolve();
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

t.test('an interrupted create resumes in a new service over the same store', async (t) => {
  const store = await createStore();
  const timer = manualTimer();
  const first = createCloudFormationService({ store, sleep: timer.sleep, delayMs: 5000 });
  const template = 'Resources:\n  A: { Type: AWS::S3::Bucket }\n  B: { Type: AWS::SNS::Topic, Properties: { DisplayName: !Ref A } }\n';
  const res = await first.handler(request({ Action: 'CreateStack', StackName: 's', TemplateBody: template }));
  t.equal(res.status, 200);
  await settle();
  t.same(timer.waiting.map((w) => w.ms), [5000], 'A provisions first (B depends on it), on the injected timer');
  await first.close();
  const stack = Object.values(cfnDoc(store, '111111111111', 'us-east-1').stacks)[0]!;
  t.equal(stack.status, 'CREATE_IN_PROGRESS');
  t.equal(stack.op?.kind, 'create', 'the intent stays recorded');

  const timer2 = manualTimer();
  const second = createCloudFormationService({ store, sleep: timer2.sleep, delayMs: 5000 });
  t.teardown(() => second.close());
  for (let i = 0; i < 10 && stack.status !== 'CREATE_COMPLETE'; i++) {
    await settle();
    timer2.releaseAll();
  }
  await second.idle();
  t.equal(stack.status, 'CREATE_COMPLETE');
  t.equal(stack.op, undefined);
  t.same(Object.values(stack.resources).map((r) => [r.logicalId, r.status]), [['A', 'CREATE_COMPLETE'], ['B', 'CREATE_COMPLETE']]);
  t.equal(stack.resources['B']!.properties['DisplayName'], stack.resources['A']!.physicalId, 'B saw A’s physical id');
  const answer = await second.handler(request({ Action: 'DescribeStacks', StackName: 's' }));
  t.match(String(answer.body), /<StackStatus>CREATE_COMPLETE<\/StackStatus>/);
  await t.rejects(second.handler(request({ Action: 'Bogus' })), { code: 'InvalidAction' });
});
