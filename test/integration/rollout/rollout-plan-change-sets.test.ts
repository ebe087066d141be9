// The real `fleetctl rollout plan --change-sets` against the sandbox, two tenant accounts: one stack
// deployed with v1.0.0, the other not there yet. The plan of v1.1.0 (whose template adds an SNS
// topic) lists per stack what CloudFormation would change (UPDATE: the new topic; CREATE: every
// resource); its only writes are CreateChangeSet/DeleteChangeSet and the DeleteStack of the empty
// stack a CREATE change set leaves; afterwards no stack has a change set and the new stack is gone.
// The release a stack runs already previews as "no changes".
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import t from 'tap';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { generateTenantsConfig, tenantExternalId } from '../../../sandbox/tenants-config.js';
import { runCli } from '../../helpers/cli.js';
import { pushRelease } from '../../helpers/release-push.js';
import { tempDir } from '../../helpers/temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
t.setTimeout(180_000);

const T1 = '300000000000';
const T2 = '300000000001';
const BUCKET = 'pipeline-artifacts-111111111111';

const template = (alerts: boolean): string => `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version: { Type: String }
Resources:
  Topic: { Type: AWS::SNS::Topic }
${alerts ? '  Alerts: { Type: AWS::SNS::Topic }\n' : ''}Outputs:
  Version: { Value: !Ref Version }
`;

const stack = (id: string) =>
  `{ kind: stack, role_arn: 'arn:aws:iam::${id}:role/PipelineAccessRole', external_id: ${tenantExternalId(id)}, stack: air-quality, ` +
  `cfn_role_arn: 'arn:aws:iam::${id}:role/CloudFormationDeployRole', release_parameters: { version: Version } }`;

const FLEET_YML = `application: air-quality
region: us-east-1
release: { bucket: ${BUCKET}, prefix: releases/, parts: { stack: { template: cloud/template.yaml } } }
targets:
  t1-stack: ${stack(T1)}
  t2-stack: ${stack(T2)}
environments:
  - { name: first, match: 'v1.0.*', waves: [ { targets: [t1-stack] } ] }
  - { name: production, match: 'v*', waves: [ { name: tenants, targets: [t1-stack, t2-stack] } ] }
`;

interface PlanDoc {
  schema: string;
  couldRun: boolean;
  problems: unknown[];
  waves: { targets: { target: string; changeSet?: { outcome: string; type: string; changeSet: string; changes: unknown[] } }[] }[];
}

let sb: Sandbox;
let dir: string;
let env: NodeJS.ProcessEnv;

const fleetctl = (args: string[]) => runCli('fleetctl', args, env, 90_000, dir);
const cfnOf = (account: string): CloudFormationClient => {
  const p = sb.rootOf(account);
  const credentials = { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
  return new CloudFormationClient({ endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials });
};

/** `fleetctl release push --version V` with the template as given (in-process, against the sandbox). */
async function push(version: string, body: string): Promise<void> {
  writeFileSync(join(dir, 'cloud', 'template.yaml'), body);
  await pushRelease(sb, join(dir, 'fleet.yml'), version);
}

/** The lines under a target in the plan's text (indented deeper than the target's line). */
function under(text: string, target: string): string[] {
  const lines = text.split('\n');
  const rest = lines.slice(lines.findIndex((l) => l.startsWith(`    ${target} [`)) + 1);
  return rest.slice(0, rest.findIndex((l) => !l.startsWith('      ')));
}

/** Write calls since `mark`, as `account operation: count`. */
const writesSince = (mark: number): string[] =>
  sb.calls
    .since(mark)
    .calls.filter((c) => c.kind === 'write')
    .map((c) => `${c.accountId} ${c.operation}: ${c.count - c.errors}${c.errors ? ` (+${c.errors} failed)` : ''}`);

t.before(async () => {
  sb = await startSandbox({ config: parseSandboxConfigDocument(generateTenantsConfig({ tenants: 2 }), 'generated') });
  env = { ...process.env, ...sb.env() };
  dir = tempDir(t, 'plan-change-sets');
  mkdirSync(join(dir, 'cloud'));
  writeFileSync(join(dir, 'fleet.yml'), FLEET_YML);
  await push('v1.0.0', template(false));
  await push('v1.1.0', template(true));
  const r = await fleetctl(['rollout', 'start', '--release', 'v1.0.0']);
  if (r.code !== 0) throw new Error(`rollout of v1.0.0 failed: ${r.stderr}`);
});
t.teardown(() => sb?.close());

t.test('each stack lists its resource changes; only change sets (and the empty new stack) are written, all deleted again', async (t) => {
  const mark = sb.calls.mark();
  const r = await fleetctl(['rollout', 'plan', '--release', 'v1.1.0', '--change-sets', '--json']);
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as PlanDoc;
  t.equal(doc.schema, 'fleetctl.rollout.plan/v1', 'an added optional field: the same schema version');
  t.same(doc.problems, []);
  const [t1, t2] = doc.waves[0]?.targets ?? [];
  t.match(t1, { target: 't1-stack', changeSet: { outcome: 'changes', type: 'UPDATE', changeSet: /^fleetctl-preview-[0-9a-f]{16}$/ } });
  t.same(t1?.changeSet?.changes, [{ action: 'Add', logicalResourceId: 'Alerts', resourceType: 'AWS::SNS::Topic' }]);
  t.match(t2, { target: 't2-stack', changeSet: { outcome: 'changes', type: 'CREATE' } });
  t.same(t2?.changeSet?.changes, [
    { action: 'Add', logicalResourceId: 'Topic', resourceType: 'AWS::SNS::Topic' },
    { action: 'Add', logicalResourceId: 'Alerts', resourceType: 'AWS::SNS::Topic' },
  ]);
  t.same(writesSince(mark), [
    `${T1} CreateChangeSet: 1`,
    `${T1} DeleteChangeSet: 1`,
    `${T2} CreateChangeSet: 1`,
    `${T2} DeleteChangeSet: 1`,
    `${T2} DeleteStack: 1`,
  ]);
  const c1 = cfnOf(T1);
  t.same((await c1.send(new ListChangeSetsCommand({ StackName: 'air-quality' }))).Summaries, [], 'no change set left on the stack');
  const s1 = (await c1.send(new DescribeStacksCommand({ StackName: 'air-quality' }))).Stacks?.[0];
  const v1 = [{ ParameterKey: 'Version', ParameterValue: 'v1.0.0' }];
  t.match(s1, { StackStatus: 'CREATE_COMPLETE', Parameters: v1 }, 'the stack itself untouched');
  const gone = cfnOf(T2).send(new DescribeStacksCommand({ StackName: 'air-quality' }));
  await t.rejects(gone, { message: /does not exist/ }, 'the new stack is gone again');

  const text = await fleetctl(['rollout', 'plan', '--release', 'v1.1.0', '--change-sets']);
  t.equal(text.code, 0, text.stderr);
  t.same(under(text.stdout, 't1-stack'), [
    '      now: air-quality CREATE_COMPLETE, Version=v1.0.0',
    '      change set (UPDATE): 1 resource change(s)',
    '        Add    Alerts (AWS::SNS::Topic)',
  ]);
  t.same(under(text.stdout, 't2-stack'), [
    '      now: no stack yet (it will be created)',
    '      change set (CREATE): 2 resource change(s)',
    '        Add    Topic (AWS::SNS::Topic)',
    '        Add    Alerts (AWS::SNS::Topic)',
  ]);
});

t.test('the release a stack runs already: no changes, and nothing left', async (t) => {
  const mark = sb.calls.mark();
  const r = await fleetctl(['rollout', 'plan', '--release', 'v1.0.0', '--change-sets']);
  t.equal(r.code, 0, r.stderr);
  t.same(under(r.stdout, 't1-stack'), ['      now: air-quality CREATE_COMPLETE, Version=v1.0.0', '      change set (UPDATE): no changes']);
  t.same(writesSince(mark), [`${T1} CreateChangeSet: 1`, `${T1} DeleteChangeSet: 1`]);
  t.same((await cfnOf(T1).send(new ListChangeSetsCommand({ StackName: 'air-quality' }))).Summaries, []);
});

t.test('without --change-sets the plan still writes nothing', async (t) => {
  const mark = sb.calls.mark();
  const r = await fleetctl(['rollout', 'plan', '--release', 'v1.1.0', '--json']);
  t.equal(r.code, 0, r.stderr);
  t.notOk((JSON.parse(r.stdout) as PlanDoc).waves[0]?.targets.some((x) => x.changeSet));
  t.equal(sb.calls.since(mark).writes, 0);
});
