// Request limits of the whole sandbox (startSandbox) seen through the real AWS SDK clients: the
// per-operation token bucket with the SDK's retries absorbing it, each service's throttling error,
// reproducible injected throttling, and the Commands long poll left alone unless named.
import t from 'tap';
import { CodeDeployClient, ListApplicationsCommand, type CodeDeployServiceException } from '@aws-sdk/client-codedeploy';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { RegisterOnPremisesInstanceCommand } from '@aws-sdk/client-codedeploy';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { CommandsClientError, createCommandsClient } from '../../helpers/commands-client.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const cfg = (sb: Sandbox, maxAttempts: number, creds: { accessKeyId: string; secretAccessKey: string } = sb.root) => ({
  endpoint: sb.url,
  region: sb.region,
  maxAttempts,
  forcePathStyle: true,
  credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
});

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number; attempts?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as CodeDeployServiceException;
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode, attempts: err.$metadata?.attempts };
  }
  throw new Error('expected a failure');
}

t.test('5 TPS on one operation: 20 concurrent calls all complete through the SDK retries', async (t) => {
  const sb = await startSandbox({ limits: { operations: { 'codedeploy:ListApplications': { tps: 5 } } } });
  t.teardown(() => sb.close());
  const cd = new CodeDeployClient(cfg(sb, 12));
  const results = await Promise.all(Array.from({ length: 20 }, () => cd.send(new ListApplicationsCommand({}))));
  t.equal(results.length, 20);
  t.ok(results.every((r) => Array.isArray(r.applications)), 'every call answered');
  const stats = sb.limits.stats()['codedeploy:ListApplications'];
  t.equal(stats?.served, 20, 'each call served once');
  t.ok((stats?.throttled ?? 0) > 0, `throttled before the retries got through (${stats?.throttled})`);
  t.equal(stats?.injected, 0);
  t.ok(results.some((r) => (r.$metadata.attempts ?? 1) > 1), 'some calls needed retries');

  sb.limits.resetStats();
  await new STSClient(cfg(sb, 1)).send(new GetCallerIdentityCommand({}));
  t.same(sb.limits.stats(), { 'sts:GetCallerIdentity': { served: 1, throttled: 0, injected: 0, errors: 0 } }, 'other operations are not limited, but counted');
});

t.test('each service answers with its own throttling error', async (t) => {
  const sb = await startSandbox({ limits: { default: { throttleRate: 1 } } });
  t.teardown(() => sb.close());
  t.match(await failure(new CodeDeployClient(cfg(sb, 1)).send(new ListApplicationsCommand({}))), { name: 'ThrottlingException', message: 'Rate exceeded', status: 400 });
  t.match(await failure(new IAMClient(cfg(sb, 1)).send(new ListUsersCommand({}))), { name: 'Throttling', message: 'Rate exceeded', status: 400 });
  t.match(await failure(new STSClient(cfg(sb, 1)).send(new GetCallerIdentityCommand({}))), { name: 'Throttling', status: 400 });
  t.match(await failure(new S3Client(cfg(sb, 1)).send(new ListBucketsCommand({}))), { name: 'SlowDown', status: 503 });
  t.match(await failure(new CodeDeployClient(cfg(sb, 3)).send(new ListApplicationsCommand({}))), { name: 'ThrottlingException', attempts: 3 }, 'the SDK retries it');
  t.match(sb.limits.stats(), { 'codedeploy:ListApplications': { served: 0, throttled: 4, injected: 4 }, 's3:*': { throttled: 1 } });

  sb.limits.set({});
  t.ok((await new CodeDeployClient(cfg(sb, 1)).send(new ListApplicationsCommand({}))).applications, 'limits can be lifted at runtime');
  t.throws(() => sb.limits.set({ default: { throttleRate: 2 } }), /throttleRate: expected a probability/);
});

t.test("an error rate answers with each protocol's 5xx before the operation runs; the SDK retries it", async (t) => {
  const sb = await startSandbox({ limits: { default: { errorRate: 1 } } });
  t.teardown(() => sb.close());
  t.match(await failure(new CodeDeployClient(cfg(sb, 1)).send(new ListApplicationsCommand({}))), { name: 'InternalFailure', status: 500 });
  t.match(await failure(new STSClient(cfg(sb, 1)).send(new GetCallerIdentityCommand({}))), { name: 'InternalFailure', status: 500 });
  t.match(await failure(new S3Client(cfg(sb, 1)).send(new ListBucketsCommand({}))), { name: 'InternalError', status: 500 });
  const iam = new IAMClient(cfg(sb, 3));
  t.match(await failure(iam.send(new CreateUserCommand({ UserName: 'once' }))), { name: 'InternalFailure', status: 500, attempts: 3 }, 'retried');
  t.match(sb.limits.stats(), { 'iam:CreateUser': { served: 0, errors: 3 }, 's3:*': { errors: 1, throttled: 0 } });

  // Half the calls fail; each retry finds nothing done by the failed attempt, so every user is created once.
  sb.limits.set({ seed: 3, operations: { 'iam:CreateUser': { errorRate: 0.5 } } });
  const made = await Promise.all(Array.from({ length: 10 }, (_, i) => iam.send(new CreateUserCommand({ UserName: `u${i}` })).then(() => 'ok', (e: Error) => e.name)));
  const stats = sb.limits.stats()['iam:CreateUser']!;
  t.ok(stats.errors > 3, `injected errors were retried (${stats.errors - 3})`);
  t.equal(stats.served, made.filter((x) => x === 'ok').length, 'one served request per created user');
  t.notOk(made.includes('EntityAlreadyExists'), 'no retry found its user already created');
});

t.test('a seeded throttle rate of 0.3 throttles the same calls every run', async (t) => {
  const run = async (): Promise<boolean[]> => {
    const sb = await startSandbox({ limits: { seed: 7, operations: { ListApplications: { throttleRate: 0.3 } } } });
    try {
      const cd = new CodeDeployClient(cfg(sb, 1));
      const outcomes: boolean[] = [];
      for (let i = 0; i < 40; i++) outcomes.push(await cd.send(new ListApplicationsCommand({})).then(() => true, () => false));
      t.equal(sb.limits.stats()['codedeploy:ListApplications']?.injected, outcomes.filter((ok) => !ok).length);
      return outcomes;
    } finally {
      await sb.close();
    }
  };
  const first = await run();
  t.same(await run(), first, 'same seed, same sequence');
  const throttled = first.filter((ok) => !ok).length;
  t.ok(throttled > 0 && throttled < 40, `about 30% throttled (${throttled}/40)`);
});

t.test('defaults leave the CodeDeploy Commands API alone; naming an operation limits it', async (t) => {
  const sb = await startSandbox({ maxPollWaitMs: 100, limits: { default: { tps: 1, throttleRate: 1 } } });
  t.teardown(() => sb.close());
  sb.limits.set({});
  const iam = new IAMClient(cfg(sb, 1));
  const user = (await iam.send(new CreateUserCommand({ UserName: 'pi-poll' }))).User!;
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'pi-poll' }))).AccessKey!;
  await new CodeDeployClient(cfg(sb, 1)).send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-poll', iamUserArn: user.Arn! }));
  const host = createCommandsClient({ endpoint: sb.url, region: sb.region, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });

  sb.limits.set({ default: { tps: 1, throttleRate: 1 } });
  for (let i = 0; i < 3; i++) t.equal(await host.poll(user.Arn!), undefined, `poll ${i + 1}: no command, not throttled`);
  t.notOk(sb.limits.stats()['codedeploy-commands:PollHostCommand']?.throttled, 'never throttled by the defaults');

  sb.limits.set({ operations: { PollHostCommand: { throttleRate: 1 } } });
  const err = await host.poll(user.Arn!).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, CommandsClientError);
  t.match(err, { code: 'ThrottlingException', status: 400 });
});

t.test('fleetctl sandbox start: limits from flags over the config file; bad flags are refused', async (t) => {
  const dir = t.testdir({ 'sb.yaml': 'limits:\n  seed: 5\n  operations:\n    ListApplications: { tps: 100 }\n' });
  const child = spawnCli('fleetctl', ['sandbox', 'start', '--dir', join(dir, 'state'), '--config', join(dir, 'sb.yaml'), '--tps', 'ListApplications=3', '--throttle-rate', '1', '--latency-ms', '1']);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!out.includes('environment:')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sandbox did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  t.match(out, 'limits:       default: latencyMs 1, throttleRate 1; ListApplications: tps 3 (seed 5)');
  const env = Object.fromEntries([...readFileSync(join(dir, 'state', 'sandbox.env'), 'utf8').matchAll(/^export ([A-Z0-9_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
  const cd = new CodeDeployClient({ endpoint: env['AWS_ENDPOINT_URL_CODEDEPLOY'], region: env['AWS_REGION'], maxAttempts: 1, credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID']!, secretAccessKey: env['AWS_SECRET_ACCESS_KEY']! } });
  t.match(await failure(cd.send(new ListApplicationsCommand({}))), { name: 'ThrottlingException', status: 400 });
  const iam = new IAMClient({ endpoint: env['AWS_ENDPOINT_URL_IAM'], region: env['AWS_REGION'], maxAttempts: 1, credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID']!, secretAccessKey: env['AWS_SECRET_ACCESS_KEY']! } });
  t.match(await failure(iam.send(new ListUsersCommand({}))), { name: 'Throttling', status: 400 }, 'IAM is served (and throttled) at AWS_ENDPOINT_URL_IAM');
  const stopped = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  await stopped;

  const bad = await runCli('fleetctl', ['sandbox', 'start', '--dir', join(dir, 'bad'), '--throttle-rate', '30%']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--throttle-rate: expected a number, got "30%"/);
});
