// Ring targets made real against the fake AWS world: the fleet (all select tags, registered only)
// tagged in batches of at most 10 names, ring groups created from the base group and repaired when
// edited, nothing changed on a second run, late devices placed, one listing per base per rollout.
import t from 'tap';
import { parseRolloutConfig } from '../../../../../controller/rollout/config-parse.js';
import { assignRings, ringCounts } from '../../../../../controller/rollout/rings.js';
import { prepareRing, ringPreparer, type RingTarget } from '../../../../../controller/rollout/drivers/rings.js';
import { fakePool } from '../../../../fakes/aws/pool.js';
import { BASE_ACCOUNT, FakeAwsWorld } from '../../../../fakes/aws/world.js';

const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${BASE_ACCOUNT}:role/CodeDeployServiceRole`;

function ringTargets(rings = '[10, 50, 100]'): RingTarget[] {
  const r = parseRolloutConfig(`application: air-quality
region: ${REGION}
release: { bucket: acme-releases, parts: { device: ./device } }
targets:
  lab-pis: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality, site: lab }, rings: ${rings} }
environments: [ { name: production, match: 'v*', waves: [ { targets: [lab-pis] } ] } ]
`);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config.targets as RingTarget[];
}

async function fleet(n: number) {
  const world = new FakeAwsWorld();
  const { pool } = fakePool({ world, region: REGION });
  const fake = world.codedeploy(BASE_ACCOUNT, REGION).seedGroup({
    applicationName: 'air-quality',
    deploymentGroupName: 'pi-lab',
    deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
    onPremisesTagSets: [[{ Key: 'fleet', Value: 'air-quality' }]],
  });
  const register = async (name: string, tags: Record<string, string>): Promise<void> => {
    await fake.registerOnPremisesInstance({ instanceName: name, iamUserArn: `arn:aws:iam::${BASE_ACCOUNT}:user/${name}` });
    await fake.addTagsToOnPremisesInstances([name], Object.entries(tags).map(([Key, Value]) => ({ Key, Value })));
  };
  const names = Array.from({ length: n }, (_, i) => `pi-${String(i + 1).padStart(2, '0')}`);
  for (const name of names) await register(name, { fleet: 'air-quality', site: 'lab' });
  // not the fleet: another site, and a device gone
  for (const name of ['field-1', 'field-2', 'field-3']) await register(name, { fleet: 'air-quality', site: 'field' });
  await register('old-pi', { fleet: 'air-quality', site: 'lab' });
  await fake.deregisterOnPremisesInstance('old-pi');
  const cd = pool.session({ region: REGION }).codedeploy;
  const calls = (op: string, since = 0) => world.calls.slice(since).filter((c) => c.service === 'codedeploy' && c.operation === op);
  const ringTag = (name: string): string | undefined => fake.instances.get(name)?.tags.find((x) => x.Key === 'fleetctl-ring')?.Value;
  return { world, fake, cd, names, register, calls, ringTag };
}

t.test('prepareRing tags the whole fleet in batches of at most 10 names and creates each ring group from the base group', async (t) => {
  const f = await fleet(25);
  const targets = ringTargets();
  const got = [];
  for (const ring of targets) got.push(await prepareRing(f.cd, ring));
  t.same(got.map((g) => g.devices), [3, 10, 12], 'cumulative 10/50/100% of 25: 3, 13, 25');
  t.same(ringCounts(25, [10, 50, 100]), [3, 13, 25]);
  t.ok(got.every((g) => g.fleet === 25));
  const adds = f.calls('AddTagsToOnPremisesInstances');
  t.ok(adds.length > 0 && adds.every((c) => (c.args[0] as string[]).length <= 10), 'at most 10 names a call');
  t.same(adds.map((c) => (c.args[1] as unknown[]).length), adds.map(() => 1), 'one tag a call: the ring');
  t.equal(adds.length, 1 + 1 + 2, 'one call per ring value per 10 names: 3, 10, 12 devices');
  const assigned = assignRings(f.names, targets[0]!.ring.rings);
  for (const name of f.names) t.equal(f.ringTag(name), `ring${assigned.get(name)}`, name);
  t.same(['field-1', 'field-2', 'field-3', 'old-pi'].map(f.ringTag), new Array(4).fill(undefined), 'other devices untouched');
  for (const [i, g] of got.entries()) t.same(g.names, f.names.filter((n) => assigned.get(n) === i + 1), `ring ${i + 1}'s names`);

  const group = await f.fake.getDeploymentGroup('air-quality', 'pi-lab-ring2');
  const sets = [[{ Key: 'fleet', Value: 'air-quality' }], [{ Key: 'site', Value: 'lab' }], [{ Key: 'fleetctl-ring', Value: 'ring2' }]];
  t.same(group.onPremisesTagSets, sets);
  t.match(group, { serviceRoleArn: ROLE, deploymentConfigName: 'CodeDeployDefault.HalfAtATime' }, 'the base group\'s role and config');
  // a deployment to the ring's group reaches exactly the ring's devices
  const revision = { bucket: 'b', key: 'k.tgz', bundleType: 'tgz' } as const;
  const { deploymentId } = await f.fake.createDeployment({ applicationName: 'air-quality', deploymentGroupName: 'pi-lab-ring2', revision });
  t.same([...(f.fake.deployments.get(deploymentId)?.targets.keys() ?? [])].sort(), got[1]?.names);
});

t.test('a second run changes nothing; a device registered since gets its ring on the next run', async (t) => {
  const f = await fleet(25);
  const targets = ringTargets();
  for (const ring of targets) await prepareRing(f.cd, ring);
  const mark = f.world.calls.length;
  for (const ring of targets) await prepareRing(f.cd, ring);
  t.same(f.calls('AddTagsToOnPremisesInstances', mark), [], 'no tag call');
  t.same([...f.calls('CreateDeploymentGroup', mark), ...f.calls('UpdateDeploymentGroup', mark)], [], 'no group call');

  await f.register('pi-26', { fleet: 'air-quality', site: 'lab' });
  const late = f.world.calls.length;
  const got = [];
  for (const ring of targets) got.push(await prepareRing(f.cd, ring));
  const all = [...f.names, 'pi-26'];
  const assigned = assignRings(all, targets[0]!.ring.rings);
  for (const name of all) t.equal(f.ringTag(name), `ring${assigned.get(name)}`, name);
  const tagged = f.calls('AddTagsToOnPremisesInstances', late).flatMap((c) => c.args[0] as string[]);
  t.ok(tagged.includes('pi-26') && tagged.length <= 3, `the new device, and at most one per ring boundary (${tagged.join(', ')})`);
  t.equal(got.reduce((n, g) => n + g.devices, 0), 26);
});

t.test('a ring group edited by hand is put back; a missing base group is a clear error, retried on the next call', async (t) => {
  const f = await fleet(5);
  const [ring1] = ringTargets();
  await prepareRing(f.cd, ring1!);
  const edit = { applicationName: 'air-quality', currentDeploymentGroupName: 'pi-lab-ring1' };
  await f.fake.updateDeploymentGroup({ ...edit, onPremisesTagSet: [[{ Key: 'fleet', Value: 'air-quality' }]] });
  const mark = f.world.calls.length;
  await prepareRing(f.cd, ring1!);
  t.equal(f.calls('UpdateDeploymentGroup', mark).length, 1);
  t.equal((await f.fake.getDeploymentGroup('air-quality', 'pi-lab-ring1')).onPremisesTagSets.length, 3);

  const ring = { ...ring1!.ring, baseGroup: 'nope', base: 'x' };
  const orphan: RingTarget = { ...ring1!, name: 'x@ring1', deploymentGroup: 'nope-ring1', ring };
  const prepare = ringPreparer();
  const message = /deployment group air-quality\/nope does not exist: the ring groups of x copy its service role/;
  await t.rejects(prepare(f.cd, orphan), { code: 'AWS_NOT_FOUND', message });
  f.fake.seedGroup({ applicationName: 'air-quality', deploymentGroupName: 'nope' });
  t.match(await prepare(f.cd, orphan), { devices: 1, fleet: 5 }, 'the failure was not remembered');
});

t.test('one preparer lists and tags a base fleet once for all its rings', async (t) => {
  const f = await fleet(12);
  const prepare = ringPreparer();
  const targets = ringTargets();
  const got = await Promise.all(targets.map((r) => prepare(f.cd, r)));
  t.same(got.map((g) => g.devices), [1, 5, 6]);
  t.equal(f.calls('ListOnPremisesInstances').length, 1, 'listed once');
  await prepare(f.cd, targets[1]!);
  t.equal(f.calls('GetDeploymentGroup').length, 2 * targets.length, 'each ring\'s group checked once (its own and the base)');
});

t.test('a later ring reads the tags: a device registered mid-rollout moves nobody and waits for the next ring 1', async (t) => {
  const f = await fleet(20);
  const [ring1, ring2, ring3] = ringTargets();
  if (!ring1 || !ring2 || !ring3) return t.fail('three rings');
  const first = await ringPreparer()(f.cd, ring1);
  const before = new Map(f.names.map((n) => [n, f.ringTag(n)]));
  // the controller restarts (a new preparer) and devices join before ring 2 is prepared
  for (let i = 0; i < 5; i++) await f.register(`late-${i}`, { fleet: 'air-quality', site: 'lab' });
  const since = f.world.calls.length;
  const later = ringPreparer();
  const two = await later(f.cd, ring2);
  const three = await later(f.cd, ring3);
  t.same(f.calls('AddTagsToOnPremisesInstances', since), [], 'no device is tagged again mid-rollout');
  t.same(new Map(f.names.map((n) => [n, f.ringTag(n)])), before, 'every ring stays as ring 1 assigned it');
  t.equal(first.devices + two.devices + three.devices, 20, 'the late devices are in no ring yet');
  t.equal(f.ringTag('late-0'), undefined);
  // the next rollout's ring 1 places them
  await ringPreparer()(f.cd, ring1);
  t.ok(f.ringTag('late-0'), 'placed by the next rollout');
});

t.test('a rollout that starts past ring 1 on an untagged fleet assigns it', async (t) => {
  const f = await fleet(10);
  const [, ring2] = ringTargets();
  if (!ring2) return t.fail('ring 2');
  const got = await ringPreparer()(f.cd, ring2);
  t.equal(got.fleet, 10);
  t.ok(f.names.every((n) => f.ringTag(n) !== undefined));
});
