// The @aws-sdk/client-cloudformation scenario the moto cross-check runs (cloudformation-moto-crosscheck
// .test.ts) against the sandbox and moto_server, what it keeps of the answers, and how two runs are
// compared: create, outputs, the no-op update, an update with a changed parameter, the stack events'
// order, a change set without changes and the errors.
import type { Test } from 'tap';
import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { failure } from './cloudformation-harness.js';
import { asRecorded } from './moto-server.js';

export const CFN_RECORDING = new URL('./fixtures/moto-cloudformation.json', import.meta.url);

const TEMPLATE = `
Parameters:
  Env: { Type: String, Default: dev }
Resources:
  Topic: { Type: AWS::SNS::Topic, Properties: { TopicName: !Sub 'alerts-\${Env}' } }
Outputs:
  TopicArn: { Value: !Ref Topic }
  Env: { Value: !Ref Env, Description: the environment }
`;

/** What one run of the scenario answered (JSON: recordable). */
export type CfnAnswers = Record<string, unknown>;

/** The scenario against one endpoint; `settle` waits for stack operations to finish. */
export async function cfnScenario(cfn: CloudFormationClient, settle: () => Promise<void>): Promise<CfnAnswers> {
  const out: CfnAnswers = {};
  const describe = async () => (await cfn.send(new DescribeStacksCommand({ StackName: 'xcheck' }))).Stacks![0]!;
  const stackEvents = async () =>
    ((await cfn.send(new DescribeStackEventsCommand({ StackName: 'xcheck' }))).StackEvents ?? [])
      .filter((e) => e.LogicalResourceId === 'xcheck')
      .map((e) => e.ResourceStatus)
      .reverse();
  const params = (env: string) => [{ ParameterKey: 'Env', ParameterValue: env }];
  const created = await cfn.send(new CreateStackCommand({ StackName: 'xcheck', TemplateBody: TEMPLATE, Parameters: params('dev') }));
  out['stackIdShape'] = /^arn:aws:cloudformation:us-east-1:\d{12}:stack\/xcheck\/[0-9a-f-]{36}$/.test(created.StackId ?? '');
  await settle();
  const s = await describe();
  const outputs = s.Outputs?.map((o) => [o.OutputKey, o.OutputKey === 'TopicArn' ? o.OutputValue!.split(':').pop() : o.OutputValue, o.Description]);
  out['afterCreate'] = { status: s.StackStatus, params: s.Parameters, outputs: outputs?.sort() };
  // (moto words it "Stack xcheck already exists"; AWS and the sandbox "Stack [xcheck] already exists")
  const exists = await failure(cfn.send(new CreateStackCommand({ StackName: 'xcheck', TemplateBody: TEMPLATE })));
  out['error:AlreadyExists'] = { name: exists.name, status: exists.status };
  out['error:NoOpUpdate'] = await failure(cfn.send(new UpdateStackCommand({ StackName: 'xcheck', TemplateBody: TEMPLATE, Parameters: params('dev') })));
  out['error:Missing'] = await failure(cfn.send(new DescribeStacksCommand({ StackName: 'ghost' })));
  // A change set without changes: moto 5.2 answers CREATE_COMPLETE / AVAILABLE here (its template
  // comparison does not match), so only the call's acceptance is compared; the FAILED status with
  // AWS's reason is asserted in cloudformation.test.ts.
  const none = await cfn.send(new CreateChangeSetCommand({ StackName: 'xcheck', ChangeSetName: 'same', TemplateBody: TEMPLATE }));
  await settle();
  const cs = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: none.Id }));
  const changeSetId = /^arn:aws:cloudformation:us-east-1:\d{12}:changeSet\/same\//;
  out['changeSet'] = { name: cs.ChangeSetName, stackName: cs.StackName, idShape: changeSetId.test(none.Id ?? '') };
  await cfn.send(new UpdateStackCommand({ StackName: 'xcheck', TemplateBody: TEMPLATE, Parameters: params('prod') }));
  await settle();
  const u = await describe();
  // (moto keeps the old topic's ARN in TopicArn although TopicName changed; CloudFormation replaces the topic)
  out['afterUpdate'] = { status: u.StackStatus, params: u.Parameters, env: u.Outputs?.find((o) => o.OutputKey === 'Env')?.OutputValue };
  out['stackEvents'] = await stackEvents();
  return asRecorded(out);
}

/** Is `sub` a subsequence of `all` (same order, gaps allowed)? */
export const subsequence = (sub: readonly unknown[], all: readonly unknown[]): boolean => {
  let i = 0;
  for (const x of all) if (i < sub.length && x === sub[i]) i++;
  return i === sub.length;
};

/**
 * The sandbox's answers agree with moto's (`label` says which moto: live or recorded): every answer
 * equal, except the stack events, where moto's (fewer) must appear in the same order in the sandbox's.
 */
export function compareWithMoto(t: Test, fromSandbox: CfnAnswers, fromMoto: CfnAnswers, label: string): void {
  t.same(Object.keys(fromSandbox).sort(), Object.keys(fromMoto).sort(), `${label}: the same answers`);
  for (const key of Object.keys(fromMoto)) {
    if (key === 'stackEvents') continue;
    t.same(fromSandbox[key], fromMoto[key], `${label}: ${key}`);
  }
  const motoEvents = fromMoto['stackEvents'] as string[];
  const ours = fromSandbox['stackEvents'] as string[];
  t.ok(motoEvents.length >= 2, `${label}: moto reports stack events: ${motoEvents.join(', ')}`);
  t.ok(subsequence(motoEvents, ours), `${label}: moto's stack events (${motoEvents.join(', ')}) come in the same order in the sandbox's (${ours.join(', ')})`);
}
