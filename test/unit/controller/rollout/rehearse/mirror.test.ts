// The plan mirrored into a sandbox estate, and the rehearsal's own fleet.yml.
import t from 'tap';
import { parseRolloutConfig } from '../../../../../controller/rollout/config-parse.js';
import { assignRings } from '../../../../../controller/rollout/rings.js';
import {
  BASELINE_ENVIRONMENT,
  baselineVersion,
  FAIL_PARAMETER,
  placeholderTemplate,
  rehearsalFleetYml,
  templateParameters,
} from '../../../../../controller/rollout/rehearse/fleet-file.js';
import {
  mirrorEstate,
  sandboxConfigDocument,
  SERVER_TAG,
  UNKNOWN_FLEET_DEVICES,
} from '../../../../../controller/rollout/rehearse/mirror.js';
import { parseSandboxConfigDocument } from '../../../../../sandbox/sandbox-config.js';
import { FACTS, FLEET_YML, loaded, T1, T2 } from './fixture.js';

t.test('the estate mirrors the plan: accounts, buckets, fleets with the same ring sizes, groups, alarms, baseline', async (t) => {
  const { config, plan } = loaded();
  const e = mirrorEstate(config, plan, FACTS);
  t.equal(e.pipelineAccount, '111111111111', 'the account the plan saw the role-less target in');
  t.same(e.accounts, ['111111111111', T1, T2]);
  t.same(e.buckets, [
    { account: '111111111111', name: 'rel-bucket', region: 'us-east-1' },
    { account: T1, name: 't1-web', region: 'us-east-1' },
  ]);
  t.equal(e.fleets.length, 1);
  const fleet = e.fleets[0];
  t.equal(fleet?.names.length, 8, "the ring's fleet size from the plan");
  t.same(fleet?.tags, { fleet: 'lab' });
  t.same(fleet?.targets, ['pis@ring1', 'pis@ring2']);
  const rings = assignRings(fleet?.names ?? [], { percents: [25, 100] });
  t.same([...rings.values()].filter((r) => r === 1).length, 2, 'ring 1 gets the 2 devices the plan counted');
  t.same(e.groups, [{ account: '111111111111', region: 'us-east-1', application: 'air-quality', group: 'pis', tags: { fleet: 'lab' } }]);
  t.same(e.alarms, [{ account: T1, region: 'us-east-1', name: 't-errors' }]);
  t.same(e.seeded, ['pis', 't1-stack', 't1-web'], 't2-stack has no stack yet: no baseline there');
  // the sandbox takes the document as it is
  const sb = parseSandboxConfigDocument(sandboxConfigDocument(e), 'test');
  t.equal(sb.accounts?.length, 3);
});

t.test('unknown device counts, codedeploy servers, a config account for the pipeline', async (t) => {
  const text = `application: app
region: eu-west-1
release: { bucket: rel, parts: { device: d } }
targets:
  pis: { kind: devices, account: '222222222222', deployment_group: pis, select: { fleet: lab, site: a } }
  gw: { kind: codedeploy, role_arn: 'arn:aws:iam::${T1}:role/Access', application: tenant-app, deployment_group: servers }
environments:
  - { name: prod, match: '*', waves: [ { targets: [pis, gw] } ] }
`;
  const parsed = parseRolloutConfig(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const { planRollout } = await import('../../../../../controller/rollout/plan.js');
  const r = planRollout(parsed.config, 'v1');
  if (!r.ok) throw new Error(r.reason);
  const e = mirrorEstate(parsed.config, r.plan, new Map([['pis', { devices: null }]]));
  t.equal(e.pipelineAccount, '222222222222');
  t.equal(e.fleets[0]?.names.length, UNKNOWN_FLEET_DEVICES);
  t.same(e.fleets[1]?.tags, { [SERVER_TAG]: 'gw' });
  t.same(e.groups[1], { account: T1, region: 'eu-west-1', application: 'tenant-app', group: 'servers', tags: { [SERVER_TAG]: 'gw' } });
  t.same(e.seeded, [], 'nothing known to run there: no baseline');
});

t.test(
  "the rehearsal's fleet.yml: placeholders, no KMS key, scaled times, command gates passed, failing stacks, baseline first",
  async (t) => {
    const { config } = loaded();
    const f = rehearsalFleetYml(FLEET_YML, config, {
      version: 'v2.0.0',
      timeScale: 0.001,
      seeded: ['pis', 't1-web'],
      failingStacks: ['t2-stack'],
    });
    const parsed = parseRolloutConfig(f.text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const c = parsed.config;
    t.equal(c.release.kmsKeyId, undefined);
    t.same(c.release.parts, {
      device: 'parts/device',
      stack: { template: 'parts/template.json', package: 'parts/package' },
      web: 'parts/web',
    });
    t.equal(c.environments[0]?.name, BASELINE_ENVIRONMENT);
    t.same(c.environments[0]?.match, [baselineVersion('v2.0.0')]);
    t.equal(c.environments[0]?.rollback, 'none');
    const prod = c.environments[1];
    t.equal(prod?.waves[0]?.bakeMs, 900, '15m × 0.001');
    t.equal(prod?.waves[0]?.gates.deviceHealth?.waitMs, 3000, 'a health wait keeps its floor');
    t.equal(prod?.waves[1]?.gates.command?.run, 'true');
    t.same(f.notRehearsed, [{ wave: 'rest', what: 'command gate not run (passes): ./smoke.sh' }]);
    const t2 = c.targets.find((x) => x.name === 't2-stack');
    t.same(t2?.kind === 'stack' ? t2.parameters : undefined, { [FAIL_PARAMETER]: 'injected by fleetctl rollout rehearse --fail' });
    t.same(
      c.targets.map((x) => x.name),
      config.targets.map((x) => x.name),
      'the same targets',
    );
  },
);

t.test('the placeholder template declares every parameter; only the failing variant uses SandboxFail', async (t) => {
  const { config } = loaded();
  const params = templateParameters(config);
  t.same(params, ['Domain', 'ReleaseVersion', 'ArtifactBucket', 'ArtifactKey', FAIL_PARAMETER]);
  const ok = JSON.parse(placeholderTemplate(params, false)) as {
    Parameters: Record<string, unknown>;
    Resources: { Release: { Metadata?: unknown } };
  };
  t.same(Object.keys(ok.Parameters), params);
  t.equal(ok.Resources.Release.Metadata, undefined);
  const bad = JSON.parse(placeholderTemplate(params, true)) as { Resources: { Release: { Metadata?: unknown } } };
  t.same(bad.Resources.Release.Metadata, { SandboxFail: { Ref: FAIL_PARAMETER } });
});
