// Rings against the sandbox over the real SDK adapter: 25 registered devices (and 3 of another
// site) split into 4 rings; every ring prepared; each device's ring tag, each ring group's tag set
// (checked with the sandbox's own target selection), counts within one device of the
// percentages, a second run that changes nothing, a new seed that moves tags by replacing them, and
// a ring group edited by hand put back.
import t from 'tap';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
  UpdateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { silentLogger } from '../../../shared/log.js';
import { createAwsPool } from '../../../controller/aws/pool.js';
import { createSdkPortFactory } from '../../../controller/aws/sdk-adapter.js';
import { SERVICES, type Service } from '../../../controller/aws/ports.js';
import { parseRolloutConfig } from '../../../controller/rollout/config-parse.js';
import { assignRings, ringCounts } from '../../../controller/rollout/rings.js';
import { prepareRing, type RingTarget } from '../../../controller/rollout/drivers/rings.js';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { selectInstances } from '../../../sandbox/codedeploy/target-selection.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const APP = 'air-quality';
const ACCOUNT = '111111111111';
const PERCENTS = [4, 20, 60, 100];

function ringTargets(region: string, seed?: string): RingTarget[] {
  const rings = `{ percents: [${PERCENTS.join(', ')}]${seed ? `, seed: ${seed}` : ''} }`;
  const r = parseRolloutConfig(`application: ${APP}
region: ${region}
release: { bucket: releases, parts: { device: ./device } }
targets:
  pis: { kind: devices, deployment_group: pis, select: { fleet: lab, site: a }, rings: ${rings} }
environments: [ { name: production, match: 'v*', waves: [ { targets: [pis] } ] } ]
`);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config.targets as RingTarget[];
}

t.test('rings of 25 devices in the sandbox', async (t) => {
  const sb = await startSandbox();
  const root = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, sb.url])) as Record<Service, string>;
  const timers = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const pool = createAwsPool(
    { region: sb.region, credentials: async () => root, endpoints, retry: { maxAttempts: 3, baseMs: 10, capMs: 50 } },
    { factory: createSdkPortFactory({ forcePathStyle: true }), timers, clock: () => Date.now(), random: Math.random, log: silentLogger() },
  );
  const raw = new CodeDeployClient({ endpoint: sb.url, region: sb.region, credentials: root });
  t.teardown(async () => {
    raw.destroy();
    pool.destroy();
    await sb.close();
  });
  const cd = pool.session().codedeploy;
  await raw.send(new CreateApplicationCommand({ applicationName: APP }));
  await raw.send(
    new CreateDeploymentGroupCommand({
      applicationName: APP,
      deploymentGroupName: 'pis',
      serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/CodeDeployServiceRole`,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' }],
    }),
  );
  const names = Array.from({ length: 25 }, (_, i) => `pi-${String(i + 1).padStart(2, '0')}`);
  const others = ['pi-b1', 'pi-b2', 'pi-b3'];
  for (const name of [...names, ...others]) {
    await cd.registerOnPremisesInstance({ instanceName: name, iamUserArn: `arn:aws:iam::${ACCOUNT}:user/${name}` });
  }
  for (let i = 0; i < names.length; i += 10) {
    await cd.addTagsToOnPremisesInstances(names.slice(i, i + 10), [{ Key: 'fleet', Value: 'lab' }, { Key: 'site', Value: 'a' }]);
  }
  await cd.addTagsToOnPremisesInstances(others, [{ Key: 'fleet', Value: 'lab' }, { Key: 'site', Value: 'b' }]);

  const addTags = (): number => pool.stats.calls['codedeploy.AddTagsToOnPremisesInstances'] ?? 0;
  const groupWrites = (): number =>
    (pool.stats.calls['codedeploy.CreateDeploymentGroup'] ?? 0) + (pool.stats.calls['codedeploy.UpdateDeploymentGroup'] ?? 0);
  const instances = async () => cd.batchGetOnPremisesInstances([...names, ...others]);
  const ringOf = (i: { tags: readonly { Key: string; Value: string }[] }): string[] =>
    i.tags.filter((x) => x.Key === 'fleetctl-ring').map((x) => x.Value);

  async function checkRings(targets: RingTarget[], seed?: string): Promise<void> {
    const prepared = [];
    for (const ring of targets) prepared.push(await prepareRing(cd, ring));
    const assigned = assignRings(names, { percents: PERCENTS, ...(seed ? { seed } : {}) });
    const counts = ringCounts(25, PERCENTS);
    t.same(prepared.map((p) => p.devices), counts.map((c, i) => c - (counts[i - 1] ?? 0)), 'devices per ring');
    counts.forEach((c, i) => t.ok(Math.abs(c - ((PERCENTS[i] ?? 0) * 25) / 100) < 1, `ring ${i + 1} within one device of ${PERCENTS[i]}%`));
    const found = await instances();
    for (const i of found) {
      const want = others.includes(i.instanceName) ? [] : [`ring${assigned.get(i.instanceName)}`];
      t.same(ringOf(i), want, `${i.instanceName}: one ring tag, its own`);
    }
    const selectable = found.map((i) => ({ instanceName: i.instanceName, registered: i.deregisterTime === undefined, tags: i.tags }));
    for (const [k, ring] of targets.entries()) {
      const group = await cd.getDeploymentGroup(APP, ring.deploymentGroup);
      t.match(group, { serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/CodeDeployServiceRole` });
      t.equal(group.deploymentConfigName, 'CodeDeployDefault.AllAtOnce');
      t.equal(group.onPremisesTagSets.length, 3, 'fleet AND site AND ring');
      // what a deployment to the ring's group would reach, by the sandbox's own reading of the tag set
      const reached = selectInstances(selectable, { tagSet: group.onPremisesTagSets });
      t.same(reached, prepared[k]?.names, `${ring.deploymentGroup} reaches its ring's devices`);
    }
  }

  const region = sb.region;
  const before = addTags();
  await checkRings(ringTargets(region));
  t.equal(addTags() - before, 4, 'one AddTags per ring (each at most 10 names)');
  t.equal(groupWrites(), 4, 'four ring groups created');

  const again = addTags();
  for (const ring of ringTargets(region)) await prepareRing(cd, ring);
  t.equal(addTags() - again, 0, 'a second run tags nothing');
  t.equal(groupWrites(), 4, 'and writes no group');

  // a new seed moves devices between rings: their tag is replaced, never doubled
  await checkRings(ringTargets(region, 'q3'), 'q3');
  t.ok(addTags() - again > 0);

  // a ring group edited by hand (now the whole fleet) is put back by the next run
  const wholeFleet = { onPremisesTagSetList: [[{ Key: 'fleet', Value: 'lab', Type: 'KEY_AND_VALUE' as const }]] };
  const edit = { applicationName: APP, currentDeploymentGroupName: 'pis-ring1', onPremisesTagSet: wholeFleet };
  await raw.send(new UpdateDeploymentGroupCommand(edit));
  t.equal((await cd.getDeploymentGroup(APP, 'pis-ring1')).onPremisesTagSets.length, 1);
  await checkRings(ringTargets(region, 'q3'), 'q3');
  t.equal(pool.stats.calls['codedeploy.UpdateDeploymentGroup'], 1, 'updated once');
});
