// The target drivers' rollbacks against the real sandbox, through the real SDK pool and the tenant
// and device roles: release v1 then v2 deployed through the drivers (with what each target ran
// recorded before v2), then rolled back. A stack runs v1's template and parameters again (a NoEcho
// parameter kept), a web prefix holds v1's files and marker, a deployment group of virtual hosts
// gets v1's revision again. Each rollback is found again by its token: no second deployment, change
// set or copy.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../../shared/log.js';
import { loadRolloutConfig } from '../../../controller/commands/release.js';
import { createAwsPool, type AwsPool } from '../../../controller/aws/pool.js';
import { createSdkPortFactory } from '../../../controller/aws/sdk-adapter.js';
import { SERVICES, type Service } from '../../../controller/aws/ports.js';
import { realTimers } from '../../../controller/aws/timers.js';
import { manifestKey, releaseKeyPrefix, rolloutKeyPrefix, type ReleaseManifest } from '../../../controller/release/manifest.js';
import type { Target, TargetKind } from '../../../controller/rollout/config-types.js';
import { createDrivers } from '../../../controller/rollout/drivers/index.js';
import { sessionFor } from '../../../controller/rollout/drivers/session.js';
import { MARKER } from '../../../controller/rollout/drivers/web.js';
import type { Previous, TargetRef } from '../../../controller/rollout/journal-model.js';
import { rollbackToken } from '../../../controller/rollout/rollback-plan.js';
import type { FollowResult, TargetDriver } from '../../../controller/rollout/runner.js';
import { S3ObjectStore } from '../../../controller/rollout/s3-object-store.js';
import { waitFor } from '../../helpers/agent-fleet.js';
import { APP, BUCKET, callsPerAccount, DEVICE_ACCOUNTS, rolloutId, startEstate, TENANTS, type Estate } from './rollout-fixture.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
t.setTimeout(180_000);

/** v1's is over CloudFormation's inline limit (51,200 bytes, comments count): its rollback reads it from S3. */
const PADDING = Array.from({ length: 60 }, (_, i) => `# ${String(i).padStart(2, '0')} ${'-'.repeat(1000)}\n`).join('');
const template = (version: 'v1' | 'v2'): string => `${version === 'v1' ? PADDING : ''}AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version: { Type: String }
  Token: { Type: String, NoEcho: true, Default: hidden-${version} }
Resources:
  Topic: { Type: AWS::SNS::Topic, Properties: { DisplayName: !Sub 'air quality \${Version}' } }
${version === 'v2' ? '  Extra: { Type: AWS::SNS::Topic }\n' : ''}Outputs:
  Version: { Value: !Ref Version }
  Token: { Value: !Ref Token }
`;

function poolFor(e: Estate): AwsPool {
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, e.sb.url])) as Record<Service, string>;
  const root = { accessKeyId: e.sb.root.accessKeyId, secretAccessKey: e.sb.root.secretAccessKey };
  return createAwsPool(
    { region: e.sb.region, credentials: async () => root, endpoints, retry: { maxAttempts: 3, baseMs: 10, capMs: 50 } },
    {
      factory: createSdkPortFactory({ forcePathStyle: true }),
      timers: realTimers,
      clock: () => Date.now(),
      random: Math.random,
      log: silentLogger(),
    },
  );
}

interface Release {
  readonly manifest: ReleaseManifest;
  readonly rolloutId: string;
  readonly drivers: Readonly<Record<TargetKind, TargetDriver>>;
}

const NAMES = ['d1', 't1-stack', 't1-web'] as const;

t.test('rollback puts back what each kind of target ran before the rollout, once', async (t) => {
  const e = await startEstate(t);
  const pool = poolFor(e);
  t.teardown(() => pool.destroy());
  const session = pool.session({ region: e.sb.region });
  const store = new S3ObjectStore(session.s3, BUCKET);
  const config = loadRolloutConfig(join(e.dir, 'fleet.yml'));
  const target = (name: string): Target => {
    const x = config.targets.find((c) => c.name === name);
    if (!x) throw new Error(`no target ${name} in the fixture's fleet.yml`);
    return x;
  };

  /** Pushes `version` with the files as given, and the drivers of its rollout. */
  async function release(version: string, files: Record<string, string>): Promise<Release> {
    for (const [path, body] of Object.entries(files)) writeFileSync(join(e.dir, path), body);
    await e.push(version);
    const keyPrefix = releaseKeyPrefix('releases/', APP, version);
    const stored = await session.s3.getObject({ bucket: BUCKET, key: manifestKey(keyPrefix) });
    const manifest = JSON.parse(Buffer.from(stored.body).toString('utf8')) as ReleaseManifest;
    const id = rolloutId(version);
    const prefix = rolloutKeyPrefix(keyPrefix, 'production');
    const now = (): number => Date.now();
    const drivers = createDrivers({ pool, manifest, rolloutId: id, sleep: realTimers.sleep, now, store, prefix, changeSetPollMs: 20 });
    return { manifest, rolloutId: id, drivers };
  }

  /** Follows until the operation ends: stacks once CloudFormation is idle, devices as the virtual hosts go. */
  async function settle(r: Release, name: string, ref: TargetRef): Promise<FollowResult> {
    const x = target(name);
    if (x.kind === 'stack') await e.sb.cloudformation.idle();
    let last: FollowResult = { state: 'running' };
    await waitFor(async () => (last = await r.drivers[x.kind].follow(x, ref)).state !== 'running', 60_000, `${name} to finish`);
    return last;
  }

  async function deployAll(r: Release, attempt: number): Promise<void> {
    for (const name of NAMES) {
      const x = target(name);
      const ctx = { rolloutId: r.rolloutId, wave: 'w', attempt, token: `${r.rolloutId}#${name}#${attempt}` };
      const ref = await r.drivers[x.kind].deploy(x, ctx);
      t.match(await settle(r, name, ref), { state: 'succeeded' }, `${name}: ${r.manifest.version} deployed`);
    }
  }

  const v1 = await release('v1.0.0', { 'cloud/template.yaml': template('v1') });
  await deployAll(v1, 1);
  const v2 = await release('v2.0.0', {
    'cloud/template.yaml': template('v2'),
    'web/index.html': '<h1>air quality v2</h1>\n',
    'web/v2.html': 'new in v2\n',
    'device/app.txt': 'the app, v2\n',
  });
  const previous = new Map<string, Previous>();
  for (const name of NAMES) previous.set(name, await v2.drivers[target(name).kind].recordBefore(target(name)));
  t.match(previous.get('d1'), { kind: 'revision', revision: { key: v1.manifest.parts.device?.key } });
  t.match(previous.get('t1-stack'), { kind: 'stack', exists: true, parameters: { Version: 'v1.0.0', Token: '****' } });
  t.same(previous.get('t1-web'), { kind: 'web', release: 'v1.0.0' });
  await deployAll(v2, 1);

  const tenant = sessionFor(pool, target('t1-stack'), v2.rolloutId);
  const running = await tenant.cloudformation.describeStack('air-quality');
  t.match(running, { outputs: { Version: 'v2.0.0', Token: 'hidden-v1' } }, 'v2 kept the NoEcho value');

  const mark = e.sb.calls.mark();
  const refs = new Map<string, TargetRef>();
  for (const name of NAMES) {
    const x = target(name);
    const ctx = { rolloutId: v2.rolloutId, wave: 'w', attempt: 0, token: rollbackToken(v2.rolloutId, name) };
    const p = previous.get(name) as Previous;
    t.equal(await v2.drivers[x.kind].findRollback(x, p, ctx), undefined, `${name}: no rollback before the call`);
    const ref = await v2.drivers[x.kind].rollback(x, p, ctx);
    // the controller dies before journaling the rollback's fact; the next one finds it by its token
    t.same(await v2.drivers[x.kind].findRollback(x, p, ctx), ref, `${name}: found again`);
    refs.set(name, ref);
  }
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), { [DEVICE_ACCOUNTS[0]]: 1 }, 'one rollback deployment');
  t.same(callsPerAccount(e.sb, mark, 'CreateChangeSet'), { [TENANTS[0]]: 1 }, 'one rollback change set');
  t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), { [TENANTS[0]]: 1 });
  const uploaded = `${rolloutKeyPrefix(releaseKeyPrefix('releases/', APP, 'v2.0.0'), 'production')}rollback/t1-stack.template`;
  const head = await session.s3.headObject({ bucket: BUCKET, key: uploaded });
  t.equal(head.size, Buffer.byteLength(template('v1')), 'v1\'s template, read by URL');
  for (const name of NAMES) t.match(await settle(v2, name, refs.get(name) as TargetRef), { state: 'succeeded' }, `${name} rolled back`);

  // the stack: v1's template and parameters, the NoEcho value as it was
  t.equal(await tenant.cloudformation.getTemplate('air-quality'), template('v1'));
  const back = await tenant.cloudformation.describeStack('air-quality');
  t.match(back, { status: 'UPDATE_COMPLETE', outputs: { Version: 'v1.0.0', Token: 'hidden-v1' } });
  // the web prefix: v1's files and marker (v2's own file stays: the target does not delete removed files)
  const web = async (key: string): Promise<string> =>
    Buffer.from((await tenant.s3.getObject({ bucket: `tenant-${TENANTS[0]}-web`, key })).body).toString('utf8');
  t.equal(await web('index.html'), '<h1>air quality</h1>\n', 'v1\'s page (the fixture\'s)');
  t.match(JSON.parse(await web(MARKER)), { version: 'v1.0.0', sha256: v1.manifest.parts.web?.sha256 });
  t.equal(await web('v2.html'), 'new in v2\n');
  // the device group: v1's revision deployed again, without CodeDeploy's own rollback
  const devices = sessionFor(pool, target('d1'), v2.rolloutId).codedeploy;
  const ref = refs.get('d1');
  if (ref?.kind !== 'deployment') throw new Error('d1: not a deployment');
  const d = await devices.getDeployment(ref.deploymentId);
  const description = /^fleetctl rollback of d1, rollout air-quality@v2\.0\.0@production \[fc-/;
  t.match(d, { status: 'Succeeded', revision: { key: v1.manifest.parts.device?.key }, description });
  t.equal(d.overview?.Succeeded, 3, 'on every virtual host');
  const g = await devices.getDeploymentGroup(APP, 'pis');
  t.equal(g.lastSuccessfulDeployment?.deploymentId, ref.deploymentId);
});
