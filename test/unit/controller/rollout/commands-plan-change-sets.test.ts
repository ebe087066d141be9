// `rollout plan --change-sets` over the fake AWS world: the stack target's resource changes under
// the target (text and JSON), the only writes CreateChangeSet/DeleteChangeSet (and DeleteStack for a
// new stack); a failing change set, an unpushed release and an interrupt are problems (exit 1);
// without the flag no change set is made.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { RolloutDeps } from '../../../../controller/commands/rollout-common.js';
import { rolloutPlan } from '../../../../controller/commands/rollout-plan.js';
import { MANIFEST_SCHEMA, type ReleaseManifest } from '../../../../controller/release/manifest.js';
import { renderPlan } from '../../../../controller/rollout/render.js';
import { fakePool } from '../../../fakes/aws/pool.js';
import { FakeAwsWorld } from '../../../fakes/aws/world.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { BUCKET, TENANT } from './drivers/setup.js';

const ROLE = `arn:aws:iam::${TENANT}:role/fleet-deployer`;
const CONFIG = `application: air-quality
region: us-east-1
release: { bucket: ${BUCKET}, parts: { device: ./device, stack: { template: cloud/template.json } } }
targets:
  lab-pis: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality } }
  unicorn:
    kind: stack
    account: '${TENANT}'
    role_arn: '${ROLE}'
    external_id: unicorn-7f3
    stack: air-quality
    cfn_role_arn: 'arn:aws:iam::${TENANT}:role/cfn-deployer'
    parameters: { Size: small }
environments:
  - name: production
    match: 'v*'
    waves: [ { name: devices, targets: [lab-pis] }, { name: tenants, targets: [unicorn] } ]
`;
const TEMPLATE = JSON.stringify({
  Parameters: { Size: {}, ReleaseVersion: {} },
  Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Env: { Version: { Ref: 'ReleaseVersion' }, Size: { Ref: 'Size' } } } } },
});
const WRITES = /^(Create|Delete|Execute|Put|Update|Cancel|Stop)/;

function setup(t: Test) {
  const world = new FakeAwsWorld();
  const fp = fakePool({ world, region: 'us-east-1' });
  world.addRole(ROLE, { externalId: 'unicorn-7f3' });
  world.s3().createBucket(BUCKET).grant(BUCKET, TENANT, 'read');
  world.codedeploy(world.base.account, 'us-east-1').seedGroup({ applicationName: 'air-quality', deploymentGroupName: 'pi-lab' });
  const dir = tempDir(t, 'plan-change-sets');
  const config = join(dir, 'fleet.yml');
  writeFileSync(config, CONFIG);
  const deps = (over: Partial<RolloutDeps> = {}): RolloutDeps => ({
    pool: async () => fp.pool,
    now: () => new Date(world.now),
    sleep: (ms) => fp.timers.sleep(ms),
    host: 'ci-1',
    pid: 4242,
    isAlive: () => true,
    progress: { isTTY: false, write: () => undefined },
    ...over,
  });
  const push = async (version: string, body = TEMPLATE): Promise<void> => {
    const keyPrefix = `air-quality/${version}/`;
    const stored = await world.s3().putObject({ bucket: BUCKET, key: `${keyPrefix}template-0123456789abcdef.json`, body });
    const m: ReleaseManifest = {
      schema: MANIFEST_SCHEMA,
      application: 'air-quality',
      version,
      bucket: BUCKET,
      region: 'us-east-1',
      keyPrefix,
      createdAt: new Date(world.now).toISOString(),
      parts: {
        stack: {
          template: { key: `${keyPrefix}template-0123456789abcdef.json`, sha256: '0'.repeat(64), size: body.length, etag: stored.etag },
          parameters: ['Size', 'ReleaseVersion'],
          capabilities: [],
        },
      },
    };
    await world.s3().putObject({ bucket: BUCKET, key: `${keyPrefix}release.json`, body: JSON.stringify(m) });
  };
  const writes = (from: number) =>
    world.calls
      .slice(from)
      .filter((c) => WRITES.test(c.operation))
      .map((c) => `${c.service}.${c.operation}`);
  return { world, config, deps, push, writes, cfn: world.cloudformation(TENANT, 'us-east-1') };
}

t.test('the stack target lists its resource changes; only change set writes, all undone', async (t) => {
  const s = setup(t);
  await s.push('v1.0.0');
  const before = s.world.calls.length;
  const plain = await rolloutPlan({ config: s.config, release: 'v1.0.0' }, s.deps());
  t.equal(plain.exit, 0);
  t.same(s.writes(before), [], 'without --change-sets not one write');
  t.notOk(plain.data.waves[1]?.targets[0]?.changeSet);

  const r = await rolloutPlan({ config: s.config, release: 'v1.0.0', changeSets: true }, s.deps());
  t.equal(r.exit, 0, JSON.stringify(r.data.problems));
  t.same(s.writes(before), ['cloudformation.CreateChangeSet', 'cloudformation.DeleteChangeSet', 'cloudformation.DeleteStack']);
  const unicorn = r.data.waves[1]?.targets[0];
  t.match(unicorn?.changeSet, {
    outcome: 'changes',
    type: 'CREATE',
    changeSet: /^fleetctl-preview-[0-9a-f]{16}$/,
    changes: [{ action: 'Add', logicalResourceId: 'Fn', resourceType: 'AWS::Lambda::Function' }],
  });
  t.notOk(r.data.waves[0]?.targets[0]?.changeSet, 'devices have no change set');
  t.same(s.cfn.changeSets, []);
  t.equal(await s.cfn.describeStack('air-quality'), undefined, 'the tenant account is as before');
  const text = renderPlan(r.data);
  t.match(text, /unicorn \[stack\].*\n {6}now: no stack yet.*\n {6}change set \(CREATE\): 1 resource change\(s\)\n/);
  t.match(text, /\n {6}change set .*\n {8}Add {4}Fn \(AWS::Lambda::Function\)\n/, 'one line per resource change');
});

t.test('a change set CloudFormation refuses is a problem of the target (exit 1); nothing is left', async (t) => {
  const s = setup(t);
  // the target passes Size, which this template does not declare
  await s.push('v2.0.0', JSON.stringify({ Parameters: { ReleaseVersion: {} }, Resources: { Fn: { Type: 'AWS::Lambda::Function' } } }));
  const r = await rolloutPlan({ config: s.config, release: 'v2.0.0', changeSets: true }, s.deps());
  t.equal(r.exit, 1);
  t.equal(r.data.couldRun, false);
  const problem = /change set preview: CloudFormation refused the change set: .*Size/;
  const ofUnicorn = r.data.problems.filter((p) => p.target === 'unicorn');
  t.match(ofUnicorn, [{ target: 'unicorn', problem, action: /push a new release/, blocking: true }]);
  t.match(renderPlan(r.data), /change set \(CREATE\): FAILED: .*Size[\s\S]*BLOCKS unicorn: change set preview/);
  t.same(s.cfn.stacks, []);
});

t.test('an unpushed release or an interrupt previews nothing and is exit 1, without a write', async (t) => {
  const s = setup(t);
  const before = s.world.calls.length;
  const r = await rolloutPlan({ config: s.config, release: 'v3.0.0', changeSets: true }, s.deps());
  t.equal(r.exit, 1);
  t.match(r.data.problems, [
    { problem: 'release v3.0.0 is not pushed yet', blocking: false },
    { problem: /--change-sets: release v3.0.0 is not pushed/, blocking: true },
  ]);
  t.match(r.data.waves[1]?.targets[0]?.changeSet, { outcome: 'not-previewed', reason: 'the release is not pushed yet' });

  await s.push('v3.0.0');
  const stop = new AbortController();
  stop.abort(new Error('interrupted (SIGINT)'));
  const i = await rolloutPlan({ config: s.config, release: 'v3.0.0', changeSets: true }, s.deps({ interrupts: () => stop.signal }));
  t.equal(i.exit, 1);
  t.match(i.data.waves[1]?.targets[0]?.changeSet, { outcome: 'not-previewed', reason: 'interrupted' });
  t.match(i.data.problems, [{ problem: /^interrupted/, action: 'plan again', blocking: true }]);
  t.same(s.writes(before), [], 'nothing created (the release push is not a call)');
});
