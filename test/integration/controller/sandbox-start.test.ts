// fleetctl sandbox start as a user runs it: a real process, its env file used by an SDK client
// configured from the environment alone, and a clean stop on SIGTERM; state kept across restarts.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli, spawnCli, PROJECT_ROOT } from '../../helpers/cli.js';
import { trackGroup } from '../../helpers/process-groups.js';
import { tempDir } from '../../helpers/temp-dir.js';

t.setTimeout(600_000);

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
    // idempotent, so a teardown can call it again after the test did
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('close', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** Runs an SDK call in a separate node process whose only configuration is the env file. */
function sdkFromEnv(env: Record<string, string>, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const base = { PATH: process.env['PATH'], TMPDIR: process.env['TMPDIR'], AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, env: { ...base, ...env }, detached: true });
    trackGroup(child);
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
  t.teardown(() => first.stop());
  t.match(first.out(), /sandbox listening on http:\/\/127\.0\.0\.1:\d+ \(region us-east-1\)/);
  t.match(first.out(), `signing CA:   ${join(dir, 'ca.pem')}`);
  const envText = readFileSync(join(dir, 'sandbox.env'), 'utf8');
  t.equal(statSync(join(dir, 'sandbox.env')).mode & 0o777, 0o600, 'the env file holds secrets: 0600');
  const env = parseEnvFile(envText);
  t.same(Object.keys(env).sort(), [
    'AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL_CLOUDFORMATION', 'AWS_ENDPOINT_URL_CLOUDWATCH', 'AWS_ENDPOINT_URL_CODEDEPLOY', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_IOT', 'AWS_ENDPOINT_URL_IOT_DATA_PLANE', 'AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_STS',
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

t.test('one sandbox per --dir; sandbox.env appears only when it is up; --json envelope; the time on stderr', async (t) => {
  // (a folder of its own, not t.testdir(): that path is the same for every run of this file, and
  // a second run at the same time recreates it, lock and all, under the running sandbox)
  const dir = tempDir(t, 'sandbox-one');
  const child = spawnCli('fleetctl', ['sandbox', 'start', '--dir', dir, '--json']);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await closed;
  });
  // what a script does: wait for the env file, then use the sandbox at once
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(dir, 'sandbox.env'))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no sandbox.env:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const env = parseEnvFile(readFileSync(join(dir, 'sandbox.env'), 'utf8'));
  t.equal(await sdkFromEnv(env, "import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts'; console.log((await new STSClient({}).send(new GetCallerIdentityCommand({}))).Account);"), '111111111111', 'listening once the file exists');
  while (!stdout.endsWith('}\n')) await new Promise((r) => setTimeout(r, 20));
  const doc = JSON.parse(stdout) as { schema: string; url: string; envFile: string; startupMs: number };
  t.match(doc, { schema: 'fleetctl.sandbox.start/v1', url: /^http:\/\/127\.0\.0\.1:\d+$/, envFile: join(dir, 'sandbox.env') });
  t.match(stderr, /sandbox ready in \d+\.\d\d s/);
  t.equal(readFileSync(join(dir, 'sandbox.lock'), 'utf8').trim(), String(child.pid), 'the lock names the running sandbox');

  const second = await runCli('fleetctl', ['sandbox', 'start', '--dir', dir]);
  t.equal(second.code, 2, 'a second sandbox on the same folder is refused');
  t.match(second.stderr, new RegExp(`a sandbox \\(pid ${child.pid}\\) is already running on ${dir} \\[SANDBOX_RUNNING\\]`));
  t.ok(existsSync(join(dir, 'sandbox.env')), 'the refused start left the running one alone');

  child.kill('SIGTERM');
  t.equal(await closed, 0);
  t.notOk(existsSync(join(dir, 'sandbox.env')), 'the env file goes with the sandbox');
  t.notOk(existsSync(join(dir, 'sandbox.lock')), 'so does the lock');
});

t.test('a stale lock (its process is gone) and an old sandbox.env do not stop a start', async (t) => {
  const dir = t.testdir({ 'sandbox.lock': '999999999\n', 'sandbox.env': 'export OLD=1\n' });
  const sb = await startSandboxProcess(dir);
  t.teardown(() => sb.stop());
  t.notMatch(readFileSync(join(dir, 'sandbox.env'), 'utf8'), /OLD/, 'a fresh env file');
});

/** A `sandbox start` process, its output and how it ended. */
function startRacer(dir: string): { child: ReturnType<typeof spawnCli>; output: () => string; closed: Promise<number | null> } {
  const child = spawnCli('fleetctl', ['sandbox', 'start', '--dir', dir]);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, output: () => output, closed };
}

async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

t.test('two starts at once on one --dir, again and again: exactly one runs, and its lock stays until it stops', async (t) => {
  for (let round = 0; round < 4; round++) {
    const dir = tempDir(t, `sandbox-race-${round}`);
    const racers = [startRacer(dir), startRacer(dir)];
    t.teardown(async () => {
      for (const r of racers) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
      await Promise.all(racers.map((r) => r.closed));
    });
    const exited = (): typeof racers => racers.filter((r) => r.child.exitCode !== null);
    const report = (): string => racers.map((r) => `pid ${r.child.pid} exit ${r.child.exitCode}:\n${r.output()}`).join('\n');
    await until(() => exited().length > 0 && existsSync(join(dir, 'sandbox.env')), 90_000, () => `one refused and one up\n${report()}`);
    const [loser] = exited();
    const winner = racers.find((r) => r !== loser);
    t.equal(exited().length, 1, `round ${round}: exactly one exited\n${report()}`);
    t.equal(loser?.child.exitCode, 2, `round ${round}: the other start is refused (exit 2)`);
    t.match(loser?.output(), new RegExp(`a sandbox \\(pid ${winner?.child.pid}\\) is already running on ${dir} \\[SANDBOX_RUNNING\\]`));
    t.equal(readFileSync(join(dir, 'sandbox.lock'), 'utf8'), `${winner?.child.pid}\n`, `round ${round}: the lock names the one running`);
    t.ok(existsSync(join(dir, 'sandbox.env')), `round ${round}: the refused start left the running one's env file`);
    winner?.child.kill('SIGTERM');
    t.equal(await winner?.closed, 0, `round ${round}: the one running stops cleanly`);
    t.notOk(existsSync(join(dir, 'sandbox.lock')), `round ${round}: and takes its lock with it`);
  }
});
