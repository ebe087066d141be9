// The example release (appspec/examples/air-quality-release, what `npm run demo` rolls out): its
// fleet.yml parses, routes versions to its environments, and its release pushes offline (the
// template checked locally, as `fleetctl release push --offline` does) with every part; the
// device part is the example revision next to it, valid as `fleetctl validate` checks it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateBundle } from '../../../../controller/commands/validate.js';
import { pushRelease } from '../../../../controller/release/push.js';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import type { RolloutConfig, StackTarget } from '../../../../controller/rollout/config-types.js';
import { assignRings } from '../../../../controller/rollout/rings.js';
import { routeRelease } from '../../../../controller/rollout/routing.js';
import { fakePool } from '../../../fakes/aws/pool.js';

const EXAMPLE = resolve(import.meta.dirname, '../../../../appspec/examples/air-quality-release');

function config(): RolloutConfig {
  const r = parseRolloutConfig(readFileSync(join(EXAMPLE, 'fleet.yml'), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

t.test('the example fleet.yml parses: the stations in two rings, three tenants with a stack, web files and servers each', async (t) => {
  const c = config();
  t.equal(c.application, 'air-quality');
  t.match(c.release, { bucket: 'pipeline-artifacts-111111111111', prefix: 'releases/', parts: { device: '../air-quality', web: 'web' } });
  const kinds = Object.fromEntries(c.targets.map((x) => [x.name, x.kind]));
  t.match(kinds, { 'stations@ring1': 'devices', 'stations@ring2': 'devices', 't1-stack': 'stack', 't1-web': 'web', 't1-servers': 'codedeploy' });
  t.equal(c.targets.length, 11);
  const rings = { percents: [20, 100], seed: 'canary-2027' };
  t.match(c.targets.find((x) => x.name === 'stations@ring1'), { deploymentGroup: 'all-stations-ring1', ring: { index: 1, rings } });
  t.match(c.targets.find((x) => x.name === 'stations@ring2'), { deploymentConfig: { name: 'CodeDeployDefault.AllAtOnce' }, ring: { index: 2 } });
  const route = (v: string): string | undefined => {
    const r = routeRelease(c, v);
    return r.ok ? r.environment.name : undefined;
  };
  t.equal(route('v1.1.0'), 'production');
  t.equal(route('v1.2.0-rc1'), 'staging');
  const production = c.environments.find((e) => e.name === 'production');
  t.same(production?.waves.map((w) => w.name), ['canaries', 'devices', 'tenants']);
  t.match(production, { rollback: 'all' });
  t.match(production?.waves[0], { bakeMs: 20_000, gates: { deviceHealth: { maxUnhealthy: { count: 0 }, unknown: 'fail', waitMs: 120_000 } } });
  t.match(production?.waves[1], { gates: { deploymentOutcome: { maxFailed: { percent: 50 }, minFinished: 2 } } });
  t.match(production?.waves[2], { concurrency: 3 });
});

t.test("the seed makes pi-01, a healthy station of the demo's five, the canary ring alone", async (t) => {
  const ring = config().targets.find((x) => x.name === 'stations@ring1');
  const rings = ring?.kind === 'devices' ? ring.ring?.rings : undefined;
  t.ok(rings, 'stations@ring1 is a ring target');
  const assigned = assignRings(['pi-01', 'pi-02', 'pi-03', 'pi-04', 'pi-05'], rings ?? { percents: [] });
  t.same([...assigned].filter(([, r]) => r === 1).map(([name]) => name), ['pi-01']);
});

t.test('the example release pushes offline with every part, and its stack takes what the rollout passes', async (t) => {
  const c = config();
  const { pool, world } = fakePool();
  world.s3().createBucket(c.release.bucket);
  world.codedeploy().applications.add(c.application);
  const aws = pool.session();
  // no validateTemplate: the template is checked locally, as `release push --offline` does
  const deps = { s3: aws.s3, codedeploy: aws.codedeploy, clock: () => new Date(world.now) };
  const r = await pushRelease({ config: c, baseDir: EXAMPLE, version: 'v1.1.0' }, deps);
  t.equal(r.manifestOutcome, 'created');
  t.equal(r.templateCheck, 'local');
  const { device, stack, web } = r.manifest.parts;
  t.match(device, { bundleType: 'tgz', key: /^releases\/air-quality\/v1\.1\.0\/device-/ });
  t.match(stack, { package: { key: /package-[0-9a-f]{16}\.zip$/ }, capabilities: ['CAPABILITY_IAM'] });
  t.same(web?.files.map((f) => f.path).sort(), ['index.html', 'style.css']);
  // every stack target's release parameters are declared by the template
  for (const target of c.targets.filter((x): x is StackTarget => x.kind === 'stack')) {
    const rp = target.releaseParameters;
    for (const name of [rp.version, rp.bucket, rp.key, ...Object.keys(target.parameters)]) {
      t.ok(stack?.parameters.includes(name ?? ''), `${target.name}: ${name}`);
    }
  }
});

t.test('the device part is the example revision, valid as fleetctl validate checks it', async (t) => {
  const report = validateBundle(resolve(EXAMPLE, '../air-quality'), 'appspec.yml');
  t.ok(report.valid, JSON.stringify(report.findings));
  t.same(report.findings.filter((f) => f.severity === 'error'), []);
});
