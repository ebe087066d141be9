// fleetctl sandbox start as a user runs it: a real process, its env file used by an SDK client
// configured from the environment alone, and a clean stop on SIGTERM; state kept across restarts.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli, spawnCli, PROJECT_ROOT } from '../../helpers/cli.js';

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/gm)) env[m[1] as string] = (m[2] as string).replaceAll("'\\''", "'");
  return env;
}

async function startSandboxProcess(dir: string, extra: string[] = []): Promise<{ stop: () => Promise<number | null>; out: () => string }> {
  const child = spawnCli('fleetctl', ['sandbox', 'start', '--dir', dir, ...extra]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('environment:')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sandbox did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    out: () => out,
    stop: () =>
      new Promise((resolve) => {
        child.once('close', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** Runs an SDK call in a separate node process whose only configuration is the env file. */
function sdkFromEnv(env: Record<string, string>, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, env: { PATH: process.env['PATH'], AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err))));
  });
}

t.test('start, use from the environment, stop, restart with the same state', async (t) => {
  const dir = t.testdir();
  const first = await startSandboxProcess(dir);
  t.match(first.out(), /sandbox listening on http:\/\/127\.0\.0\.1:\d+ \(region us-east-1\)/);
  t.match(first.out(), `signing CA:   ${join(dir, 'ca.pem')}`);
  const envText = readFileSync(join(dir, 'sandbox.env'), 'utf8');
  t.equal(statSync(join(dir, 'sandbox.env')).mode & 0o777, 0o600, 'the env file holds secrets: 0600');
  const env = parseEnvFile(envText);
  t.same(Object.keys(env).sort(), [
    'AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL_CODEDEPLOY', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_IOT', 'AWS_ENDPOINT_URL_IOT_DATA_PLANE', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_STS',
    'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'EDGE_COMMANDS_ENDPOINT', 'EDGE_IOT_CA', 'EDGE_SANDBOX_CA',
  ]);
  t.match(first.out(), `IoT CA:       ${join(dir, 'iot-ca.pem')}`);
  t.match(first.out(), /IoT MQTT: {5}127\.0\.0\.1:\d+ \(mutual TLS/);
  t.match(first.out(), /IoT creds: {4}https:\/\/127\.0\.0\.1:\d+\/role-aliases\/<alias>\/credentials/);
  const who = await sdkFromEnv(env, "import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts'; const r = await new STSClient({}).send(new GetCallerIdentityCommand({})); console.log(r.Arn);");
  t.equal(who, 'arn:aws:iam::111111111111:root');
  await sdkFromEnv(env, "import { CodeDeployClient, CreateApplicationCommand } from '@aws-sdk/client-codedeploy'; await new CodeDeployClient({}).send(new CreateApplicationCommand({ applicationName: 'kept' }));");
  await sdkFromEnv(env, "import { S3Client, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3'; const s3 = new S3Client({}); await s3.send(new CreateBucketCommand({ Bucket: 'kept' })); await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k', Body: 'v' }));");
  await sdkFromEnv(env, "import { IoTClient, CreateThingCommand } from '@aws-sdk/client-iot'; await new IoTClient({}).send(new CreateThingCommand({ thingName: 'kept' }));");
  t.equal(await first.stop(), 0, 'SIGTERM stops it cleanly');

  const second = await startSandboxProcess(dir);
  t.teardown(() => second.stop());
  const env2 = parseEnvFile(readFileSync(join(dir, 'sandbox.env'), 'utf8'));
  t.equal(env2['AWS_ACCESS_KEY_ID'], env['AWS_ACCESS_KEY_ID'], 'the same credentials after a restart');
  const apps = await sdkFromEnv(env2, "import { CodeDeployClient, ListApplicationsCommand } from '@aws-sdk/client-codedeploy'; const r = await new CodeDeployClient({}).send(new ListApplicationsCommand({})); console.log(r.applications.join(','));");
  t.equal(apps, 'kept');
  const body = await sdkFromEnv(env2, "import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3'; const r = await new S3Client({}).send(new GetObjectCommand({ Bucket: 'kept', Key: 'k' })); console.log(await r.Body.transformToString());");
  t.equal(body, 'v');
  const things = await sdkFromEnv(env2, "import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot'; const r = await new IoTClient({}).send(new ListThingsCommand({})); console.log(r.things.map((x) => x.thingName).join(','));");
  t.equal(things, 'kept', 'AWS_ENDPOINT_URL_IOT points the IoT client at the sandbox');
});

t.test('--port-base and a --config that names the tenant accounts and roles', async (t) => {
  const dir = t.testdir({ 'sandbox.yaml': "region: eu-west-1\ntenants:\n  - accountId: '222222222222'\n    name: tenant-a\n    roles: [Deploy]\n" });
  const free = createServer();
  await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
  const port = (free.address() as AddressInfo).port;
  await new Promise((r) => free.close(r));
  const sb = await startSandboxProcess(join(dir, 'state'), ['--port-base', String(port), '--config', join(dir, 'sandbox.yaml')]);
  t.teardown(() => sb.stop());
  t.match(sb.out(), `sandbox listening on http://127.0.0.1:${port} (region eu-west-1)`);
  t.match(sb.out(), `IoT MQTT:     127.0.0.1:${port + 1} `, 'the MQTT broker on --port-base + 1');
  t.match(sb.out(), `https://127.0.0.1:${port + 2}/role-aliases/`, 'the credentials provider on --port-base + 2');
  const env = parseEnvFile(readFileSync(join(dir, 'state', 'sandbox.env'), 'utf8'));
  const assume = (acct: string, role: string): string =>
    `import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts'; try { const r = await new STSClient({}).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::${acct}:role/${role}', RoleSessionName: 'ci' })); console.log(r.AssumedRoleUser.Arn); } catch (e) { console.log(e.name); }`;
  t.equal(await sdkFromEnv(env, assume('222222222222', 'Deploy')), 'arn:aws:sts::222222222222:assumed-role/Deploy/ci');
  t.equal(await sdkFromEnv(env, assume('222222222222', 'Admin')), 'AccessDenied');
  t.equal(await sdkFromEnv(env, assume('333333333333', 'Deploy')), 'AccessDenied');
});

t.test('a bad --config is refused with the key that is wrong', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'tenants:\n  - accountId: 12\n' });
  const res = await runCli('fleetctl', ['sandbox', 'start', '--dir', join(dir, 's'), '--config', join(dir, 'bad.yaml')]);
  t.equal(res.code, 2);
  t.match(res.stderr, /tenants\[0\]\.accountId: expected 12 digits .*\[CONFIG_INVALID\] Fix the key named in the message/);
});
