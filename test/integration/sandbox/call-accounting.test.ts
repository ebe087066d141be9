// Call accounting: the sandbox counts the calls it served by account, service and operation, reads
// and writes, through `sb.calls` and over GET /_sandbox/calls — so a process can prove another
// process (here: a child running an SDK script) changed nothing.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startSandbox } from '../../../sandbox/sandbox.js';
import type { CallReport } from '../../../sandbox/call-log.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const run = promisify(execFile);

t.test('calls by account, service and operation; reads and writes; over HTTP', async (t) => {
  const sb = await startSandbox();
  t.teardown(() => sb.close());
  const creds = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  const cfg = { endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials: creds };
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'calls-bucket' }));
  await s3.send(new PutObjectCommand({ Bucket: 'calls-bucket', Key: 'k', Body: 'v' }));
  const mark = sb.calls.mark();
  await (await s3.send(new GetObjectCommand({ Bucket: 'calls-bucket', Key: 'k' }))).Body!.transformToString();
  const cfn = new CloudFormationClient(cfg);
  await cfn.send(new DescribeStacksCommand({})).catch(() => undefined);
  await new STSClient(cfg).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/Deploy', RoleSessionName: 'plan' }));
  const reads = sb.calls.since(mark);
  t.equal(reads.writes, 0, 'GetObject, DescribeStacks and AssumeRole change nothing');
  t.same(reads.calls.map((c) => [c.accountId, c.service, c.operation, c.kind, c.count]), [
    ['111111111111', 'cloudformation', 'DescribeStacks', 'read', 1],
    ['111111111111', 's3', 'GetObject', 'read', 1],
    ['111111111111', 'sts', 'AssumeRole', 'read', 1],
  ]);
  await cfn.send(new CreateStackCommand({ StackName: 's', TemplateBody: 'Resources:\n  B: { Type: AWS::S3::Bucket }\n' }));
  const after = sb.calls.since(mark);
  t.equal(after.writes, 1);
  t.match(after.calls.find((c) => c.operation === 'CreateStack'), { service: 'cloudformation', kind: 'write', count: 1, errors: 0 });
  t.match(sb.calls.snapshot().calls.find((c) => c.operation === 'PutObject'), { kind: 'write', count: 1 });

  // Another process: read-only SDK calls, checked over the HTTP endpoint.
  const before = (await (await fetch(`${sb.url}/_sandbox/calls`)).json()) as CallReport;
  t.equal(before.mark, sb.calls.mark());
  const script = `import { S3Client, ListObjectsV2Command } from '@aws-sdk/client-s3';
    await new S3Client({ forcePathStyle: true }).send(new ListObjectsV2Command({ Bucket: 'calls-bucket' }));`;
  await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...sb.env() }, timeout: 60_000 });
  const report = (await (await fetch(`${sb.url}/_sandbox/calls?since=${before.mark}`)).json()) as CallReport;
  t.same(report.calls.map((c) => [c.service, c.operation, c.kind]), [['s3', 'ListObjectsV2', 'read']]);
  t.equal(report.writes, 0, 'the other process changed nothing');
  t.equal((await fetch(`${sb.url}/_sandbox/calls?since=x`)).status, 400);
  t.equal((await fetch(`${sb.url}/_sandbox/nope`)).status, 404);
});
