// The real fleetctl against the sandbox with generated tenant accounts: `rollout plan` makes no
// write call (call accounting), an unreachable tenant role blocks (exit 1), an unmapped release is
// refused with the environments (exit 2), a release that was not pushed is refused (exit 1), and
// a pushed release rolls out to web files and stacks in two tenant accounts, -rc to staging only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { generateTenantsConfig, tenantExternalId } from '../../../sandbox/tenants-config.js';
import { runCli } from '../../helpers/cli.js';
import { pushRelease } from '../../helpers/release-push.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T1 = '300000000000';
const T2 = '300000000001';
const BUCKET = 'pipeline-artifacts-111111111111';

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version: { Type: String }
  Size: { Type: String, Default: small }
Resources:
  Topic: { Type: AWS::SNS::Topic }
Outputs:
  Version: { Value: !Ref Version }
`;

function fleetYml(externalId2: string): string {
  const tenant = (id: string, ext: string) =>
    `role_arn: 'arn:aws:iam::${id}:role/PipelineAccessRole', external_id: ${ext}`;
  return `application: air-quality
region: us-east-1
release: { bucket: ${BUCKET}, prefix: releases/, parts: { stack: { template: cloud/template.yaml }, web: web } }
targets:
  t1-stack: { kind: stack, ${tenant(T1, tenantExternalId(T1))}, stack: air-quality, cfn_role_arn: 'arn:aws:iam::${T1}:role/CloudFormationDeployRole', release_parameters: { version: Version }, labels: { tier: gold } }
  t1-web: { kind: web, ${tenant(T1, tenantExternalId(T1))}, bucket: tenant-${T1}-web, labels: { tier: gold } }
  t2-web: { kind: web, ${tenant(T2, externalId2)}, bucket: tenant-${T2}-web, labels: { tier: silver } }
environments:
  - { name: staging, match: 'v*-rc*', waves: [ { targets: [t1-web] } ] }
  - name: production
    match: 'v*'
    waves:
      - { name: gold, targets: { labels: { tier: gold } } }
      - { name: silver, targets: [t2-web] }
`;
}

let sb: Sandbox;
let dir: string;
let env: NodeJS.ProcessEnv;

t.before(async () => {
  sb = await startSandbox({ config: parseSandboxConfigDocument(generateTenantsConfig({ tenants: 2 }), 'generated') });
  env = { ...process.env, ...sb.env() };
});
t.teardown(() => sb.close());

t.beforeEach((t) => {
  dir = tempDir(t, 'rollout-cli');
  mkdirSync(join(dir, 'cloud'));
  mkdirSync(join(dir, 'web'));
  writeFileSync(join(dir, 'cloud', 'template.yaml'), TEMPLATE);
  writeFileSync(join(dir, 'web', 'index.html'), '<h1>air quality</h1>\n');
  writeFileSync(join(dir, 'fleet.yml'), fleetYml(tenantExternalId(T2)));
});

const fleetctl = (args: string[], timeoutMs = 90_000) => runCli('fleetctl', args, env, timeoutMs, dir);

t.test('plan changes nothing and says what each target runs', async (t) => {
  const mark = sb.calls.mark();
  const r = await fleetctl(['rollout', 'plan', '--release', 'v1.0.0', '--json']);
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { schema: string; rolloutId: string; couldRun: boolean; waves: { targets: { target: string; role: { assumable: boolean }; current: string }[] }[] };
  t.equal(doc.schema, 'fleetctl.rollout.plan/v1');
  t.equal(doc.rolloutId, 'air-quality@v1.0.0@production');
  t.same(doc.waves.map((w) => w.targets.map((x) => x.target)), [['t1-stack', 't1-web'], ['t2-web']]);
  t.ok(doc.waves.flatMap((w) => w.targets).every((x) => x.role.assumable));
  t.match(doc.waves[0]?.targets[0]?.current, /no stack yet/);
  const report = sb.calls.since(mark);
  t.ok(report.total > 0);
  t.equal(report.writes, 0, JSON.stringify(report.calls.filter((c) => c.kind === 'write')));
});

t.test('an unassumable role blocks (exit 1, what to do), still without a write', async (t) => {
  writeFileSync(join(dir, 'fleet.yml'), fleetYml('wrong-id'));
  const mark = sb.calls.mark();
  const r = await fleetctl(['rollout', 'plan', '--release', 'v1.0.0']);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /t2-web \[web\] 300000000001\/us-east-1, role NOT assumable/);
  t.match(r.stdout, /BLOCKS t2-web: role arn:aws:iam::300000000001:role\/PipelineAccessRole cannot be assumed/);
  t.equal(sb.calls.since(mark).writes, 0);
});

t.test('an unmapped release is refused with the environments (exit 2); an unpushed one asks to push (exit 1)', async (t) => {
  const r = await fleetctl(['rollout', 'start', '--release', 'nightly-42']);
  t.equal(r.code, 2);
  t.match(r.stderr, /matches no environment[\s\S]*environments: staging \(v\*-rc\*\); production \(v\*\)/);
  const s = await fleetctl(['rollout', 'start', '--release', 'v9.9.9']);
  t.equal(s.code, 1);
  t.match(s.stderr, /push the release first: fleetctl release push --version v9.9.9/);
});

t.test('a pushed release rolls out to stacks and web files in two tenants; -rc reaches staging only', async (t) => {
  // the release as `fleetctl release push` stores it (in-process, with the sandbox's endpoint)
  for (const version of ['v1.0.0', 'v1.1.0-rc1']) await pushRelease(sb, join(dir, 'fleet.yml'), version);
  const rc = await fleetctl(['rollout', 'start', '--release', 'v1.1.0-rc1', '--json']);
  t.equal(rc.code, 0, rc.stderr);
  const rcDoc = JSON.parse(rc.stdout) as { rolloutId: string; waves: { targets: { name: string; status: string }[] }[] };
  t.equal(rcDoc.rolloutId, 'air-quality@v1.1.0-rc1@staging');
  t.same(rcDoc.waves.flatMap((w) => w.targets.map((x) => [x.name, x.status])), [['t1-web', 'succeeded']]);
  t.match(rc.stderr, /"type":"target","target":"t1-web","status":"succeeded"/, 'NDJSON progress on stderr');

  const r = await fleetctl(['rollout', 'start', '--release', 'v1.0.0']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /rollout air-quality@v1.0.0@production: SUCCEEDED/);
  t.match(r.stdout, /targets: 3 succeeded, 0 failed/);
  t.match(r.stderr, /wave gold: started[\s\S]*t1-stack: succeeded[\s\S]*wave silver: started/);
  const status = await fleetctl(['rollout', 'status', 'air-quality@v1.0.0@production', '--bucket', BUCKET, '--prefix', 'releases/', '--region', 'us-east-1', '--json']);
  t.equal(status.code, 0, status.stderr);
  t.match(JSON.parse(status.stdout), { schema: 'fleetctl.rollout.status/v1', state: 'succeeded', counts: { succeeded: 3 } });
  const ls = await fleetctl(['rollout', 'ls']);
  t.match(ls.stdout, /air-quality@v1.1.0-rc1@staging\s+succeeded[\s\S]*air-quality@v1.0.0@production\s+succeeded/);
  const again = await fleetctl(['rollout', 'start', '--release', 'v1.0.0']);
  t.equal(again.code, 0);
  t.match(again.stdout, /SUCCEEDED/);
});
