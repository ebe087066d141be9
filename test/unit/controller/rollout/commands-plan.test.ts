// rollout plan over the fake AWS world: per target what it runs, devices matched, busy, roles, and
// not one write call.
import t from 'tap';
import { rolloutPlan } from '../../../../controller/commands/rollout-plan.js';
import { renderPlan } from '../../../../controller/rollout/render.js';
import { BASE_ACCOUNT } from '../../../fakes/aws/world.js';
import { BUCKET, harness, REGION, WEB_ROLE } from './commands-harness.js';

const READ = /^(Get|List|Describe|Head|BatchGet|AssumeRole$)/;

t.test('plan shows each target and makes only read calls', async (t) => {
  const h = harness(t);
  h.pushRelease('v1.2.0');
  const cd = h.world.codedeploy(BASE_ACCOUNT, REGION);
  for (const [name, tags] of [
    ['pi-1', { fleet: 'air-quality', site: 'lab' }],
    ['pi-2', { fleet: 'air-quality', site: 'lab' }],
    ['pi-3', { fleet: 'air-quality', site: 'field' }],
  ] as const) {
    await cd.registerOnPremisesInstance({ instanceName: name, iamUserArn: `arn:aws:iam::${BASE_ACCOUNT}:user/${name}` });
    await cd.addTagsToOnPremisesInstances([name], Object.entries(tags).map(([Key, Value]) => ({ Key, Value })));
  }
  const before = h.world.calls.length;
  const r = await rolloutPlan({ config: h.config, release: 'v1.2.0' }, h.deps());
  const writes = h.world.calls.slice(before).filter((c) => !READ.test(c.operation));
  t.same(writes, [], 'no write call');
  t.equal(r.exit, 0, JSON.stringify(r.data.problems));
  t.equal(r.data.rolloutId, 'air-quality@v1.2.0@production');
  t.equal(r.data.release.pushed, true);
  t.equal(r.data.journal.state, 'not-started');
  const lab = r.data.waves[0]?.targets.find((x) => x.target === 'lab-pis');
  t.match(lab, { account: BASE_ACCOUNT, region: REGION, role: { assumable: true }, devices: { matched: 2, overLimit: false }, busy: false, current: 'nothing deployed yet' });
  const web = r.data.waves[1]?.targets[0];
  t.match(web, { target: 'unicorn-web', account: '222222222222', role: { arn: WEB_ROLE, assumable: true }, current: 'no release yet' });
  t.match(renderPlan(r.data), /wave devices: 2 target\(s\)[\s\S]*lab-pis \[devices\] 111111111111\/eu-west-1, own credentials, 2 device\(s\)/);
});

t.test('an unassumable role, a busy group and an unpushed release are problems with what to do', async (t) => {
  const h = harness(t);
  h.world.addRole(WEB_ROLE, { externalId: 'someone-else' });
  const cd = h.world.codedeploy('333333333333', REGION);
  await cd.createDeployment({ applicationName: 'air-quality', deploymentGroupName: 'pi-eu', revision: { bucket: BUCKET, key: 'k.tgz', bundleType: 'tgz' } });
  const r = await rolloutPlan({ config: h.config, release: 'v1.2.0' }, h.deps());
  t.equal(r.exit, 1);
  t.equal(r.data.couldRun, false);
  const byTarget = (name: string) => r.data.problems.filter((p) => p.target === name);
  t.match(byTarget('unicorn-web'), [{ problem: /cannot be assumed/, action: /trust policy/, blocking: true }]);
  t.ok(byTarget('eu-pis').some((p) => /^busy: deployment d-\w+ is active/.test(p.problem) && p.blocking), 'eu-pis is busy');
  t.match(r.data.problems, [{ problem: 'release v1.2.0 is not pushed yet', action: /fleetctl release push --version v1.2.0/, blocking: false }]);
  const text = renderPlan(r.data);
  t.match(text, /role NOT assumable/);
  t.match(text, /cannot run until the problems marked BLOCKS are fixed/);
});

t.test('a config error is exit 2 before any AWS call', async (t) => {
  const h = harness(t);
  const e = await rolloutPlan({ config: `${h.dir}/missing.yml`, release: 'v1.2.0' }, h.deps()).catch((x: unknown) => x);
  t.match(e, { code: 'CONFIG_NOT_FOUND' });
  t.equal(h.world.calls.length, 0);
});
