import t from 'tap';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { loadRolloutConfig, releasePush, renderReleasePush, sourceFromEnv } from '../../../../controller/commands/release.js';
import { fakePool } from '../../../fakes/aws/pool.js';

const CONFIG = [
  'application: air-quality',
  'release:',
  '  bucket: releases',
  '  parts: { device: rev, web: site }',
  'targets:',
  '  lab: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality } }',
  'environments:',
  "  - { name: production, match: 'v*', waves: [ { targets: [lab] } ] }",
  '',
].join('\n');

t.test('the source commit and ref from the CI environment', async (t) => {
  t.same(sourceFromEnv({ GITHUB_SHA: 'abc', GITHUB_REF_NAME: 'v1.0.0' }), { commit: 'abc', ref: 'v1.0.0' });
  t.same(sourceFromEnv({ CODEBUILD_RESOLVED_SOURCE_VERSION: 'def' }), { commit: 'def' });
  t.same(sourceFromEnv({ GITHUB_SHA: 'bad\nvalue', CI_COMMIT_REF_NAME: 'main' }), { ref: 'main' }, 'control characters are not metadata');
  t.equal(sourceFromEnv({}), undefined);
});

t.test('the config is validated whole before any AWS call (exit 2)', async (t) => {
  const dir = t.testdir({ 'bad.yml': 'application: air-quality\nrelease:\n  bucket: Not_A_Bucket\n  parts: {}\n' });
  t.throws(() => loadRolloutConfig(join(dir, 'missing.yml')), { code: 'CONFIG_NOT_FOUND' });
  const err = (() => {
    try {
      loadRolloutConfig(join(dir, 'bad.yml'), 'eu-west-1');
    } catch (e) {
      return e as Error & { code: string; details: { problems: string[] } };
    }
  })();
  t.equal(err?.code, 'ROLLOUT_CONFIG_INVALID');
  t.ok(err!.details.problems.length >= 3, 'every problem');
  t.match(err!.details.problems[0], /bad\.yml:\d+: /);
});

t.test('release push through the command: data, exit code and the human summary', async (t) => {
  const dir = t.testdir({
    'fleet.yml': CONFIG,
    rev: { 'appspec.yml': 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: go.sh\n', 'go.sh': '#!/bin/sh\n' },
    site: { 'index.html': '<p>x</p>', 'a.css': 'p{}' },
  });
  chmodSync(join(dir, 'rev', 'go.sh'), 0o755);
  const { pool, world } = fakePool();
  world.s3().createBucket('releases');
  world.codedeploy(undefined, 'eu-central-1').applications.add('air-quality');
  const regions: string[] = [];
  const deps = {
    defaultRegion: 'eu-central-1',
    source: { commit: 'c0ffee' },
    clock: () => new Date('2030-01-01T00:00:00Z'),
    pool: async (o: { region: string }) => (regions.push(o.region), pool),
  };
  const out = await releasePush({ version: 'v1.0.0', config: join(dir, 'fleet.yml'), offline: true }, deps);
  t.equal(out.exit, 0);
  t.same(regions, ['eu-central-1'], 'the release region (AWS_REGION when the config names none)');
  t.equal(out.data.manifest.createdAt, '2030-01-01T00:00:00.000Z');
  const text = renderReleasePush(out.data);
  t.match(text, /^release air-quality v1\.0\.0: manifest created at s3:\/\/releases\/air-quality\/v1\.0\.0\/release\.json\n/);
  t.match(text, /device\s+uploaded\s+\S+ \S+\s+sha256 [0-9a-f]{12}\s+air-quality\/v1\.0\.0\/device-[0-9a-f]{16}\.tgz/);
  t.match(text, /web\s+2\/2 uploaded/);
  t.match(text, /device revision registered with CodeDeploy application air-quality \(eu-central-1\)/);
  t.match(text, /source commit c0ffee/);
  const again = renderReleasePush((await releasePush({ version: 'v1.0.0', config: join(dir, 'fleet.yml'), offline: true }, deps)).data);
  t.match(again, /manifest unchanged/);
  t.match(again, /0 object\(s\) uploaded \(0 B\), 3 unchanged/);
  await t.rejects(releasePush({ version: 'v1', config: join(dir, 'fleet.yml'), partSize: 2 }, deps), { code: 'CLI_USAGE' });
});
