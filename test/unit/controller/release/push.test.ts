import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateSummary } from '../../../../controller/aws/ports-cloud.js';
import { pushRelease, type PushDeps, type PushOptions } from '../../../../controller/release/push.js';
import type { ReleaseManifest } from '../../../../controller/release/manifest.js';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import type { RolloutConfig } from '../../../../controller/rollout/config-types.js';
import { fakePool } from '../../../fakes/aws/pool.js';

const KMS = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TEMPLATE = [
  'Parameters:',
  '  Version: { Type: String }',
  '  CodeBucket: { Type: String }',
  'Resources:',
  '  Fn:',
  '    Type: AWS::Lambda::Function',
  '    Properties:',
  '      Code: { S3Bucket: !Ref CodeBucket, S3Key: x }',
  '      Role: !GetAtt Role.Arn',
  '  Role:',
  '    Type: AWS::IAM::Role',
  '    Properties: { AssumeRolePolicyDocument: {} }',
  '',
].join('\n');

function configText(kms: boolean, parts = '{ device: ./device, stack: { template: cloud/template.yaml, package: cloud/dist }, web: web }'): string {
  return [
    'application: air-quality',
    'region: eu-west-1',
    'release:',
    '  bucket: releases',
    ...(kms ? [`  kms_key_id: ${KMS}`] : []),
    `  parts: ${parts}`,
    'targets:',
    '  lab: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality } }',
    'environments:',
    "  - { name: production, match: 'v*', waves: [ { targets: [lab] } ] }",
    '',
  ].join('\n');
}

function parse(text: string): RolloutConfig {
  const r = parseRolloutConfig(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

/** A release folder: a device revision, a stack (template + code folder) and web files. */
function releaseDir(t: Test): string {
  const dir = t.testdir({
    device: {
      'appspec.yml': 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/app\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n',
      app: { 'main.sh': 'echo main\n' },
      scripts: { 'start.sh': '#!/bin/sh\nexit 0\n' },
    },
    cloud: { 'template.yaml': TEMPLATE, dist: { 'index.js': 'exports.handler = async () => 1;\n' } },
    web: { 'index.html': '<h1>hi</h1>', css: { 'site.css': 'h1{}' }, 'app.js': 'x()', 'logo.png': 'PNG', LICENSE: 'MIT' },
  });
  chmodSync(join(dir, 'device', 'scripts', 'start.sh'), 0o755);
  return dir;
}

function harness(t: Test, opts: { kms?: boolean; remote?: (body: string) => Promise<TemplateSummary> } = {}) {
  const dir = releaseDir(t);
  const { pool, world } = fakePool();
  world.s3().createBucket('releases');
  world.codedeploy().applications.add('air-quality');
  const aws = pool.session();
  const deps: PushDeps = { s3: aws.s3, codedeploy: aws.codedeploy, clock: () => new Date(world.now), ...(opts.remote ? { validateTemplate: opts.remote } : {}) };
  const push = (o: Partial<PushOptions> = {}) => pushRelease({ config: parse(configText(opts.kms === true)), baseDir: dir, version: 'v1.0.0', ...o }, deps);
  const writes = () => world.calls.filter((c) => c.service === 's3' && ['UploadObject', 'PutObject', 'CopyObject'].includes(c.operation));
  return { dir, world, push, writes, deps };
}

t.test('a first push uploads every part, registers the device revision and writes the manifest', async (t) => {
  const { world, push, writes } = harness(t);
  const r = await push({ source: { commit: 'abc123', ref: 'main' } });
  t.equal(r.manifestOutcome, 'created');
  t.equal(r.manifestKey, 'air-quality/v1.0.0/release.json');
  const m = r.manifest;
  t.equal(m.schema, 'fleetctl.release/v1');
  t.match(m, { application: 'air-quality', version: 'v1.0.0', bucket: 'releases', region: 'eu-west-1', keyPrefix: 'air-quality/v1.0.0/', source: { commit: 'abc123', ref: 'main' } });
  const device = m.parts.device!;
  t.match(device.key, /^air-quality\/v1\.0\.0\/device-[0-9a-f]{16}\.tgz$/);
  t.equal(device.bundleType, 'tgz');
  t.match(m.parts.stack, { template: { key: /template-[0-9a-f]{16}\.yaml$/ }, package: { key: /package-[0-9a-f]{16}\.zip$/ }, parameters: ['Version', 'CodeBucket'], capabilities: ['CAPABILITY_IAM'] });
  t.equal(r.templateCheck, 'local');
  // every object's bytes are what the manifest says, with the sha256 metadata and an S3 SHA-256 checksum
  const s3 = world.s3();
  for (const part of [device, m.parts.stack!.template, m.parts.stack!.package!]) {
    const o = s3.buckets.get('releases')!.get(part.key)!;
    const sha = createHash('sha256').update(o.body).digest();
    t.equal(sha.toString('hex'), part.sha256, part.key);
    t.equal(o.metadata['sha256'], part.sha256);
    t.equal(o.checksumSha256, sha.toString('base64'));
    t.match(o.metadata, { application: 'air-quality', 'release-version': 'v1.0.0', 'source-commit': 'abc123' });
    t.equal(o.etag, part.etag);
    t.equal(o.kmsKeyId, undefined, 'no KMS key configured: the bucket default');
  }
  // the manifest in the bucket is the one returned
  const stored = JSON.parse(Buffer.from(s3.buckets.get('releases')!.get(r.manifestKey)!.body).toString()) as ReleaseManifest;
  t.same(stored, JSON.parse(JSON.stringify(m)));
  t.equal(writes().length, 3 + 5 + 1, 'three parts, five web files, the manifest');
  t.same(r.summary, { uploaded: 9, unchanged: 0, uploadedBytes: r.objects.reduce((n, o) => n + o.size, 0) });
  // RegisterApplicationRevision with the device part's location
  const revs = world.codedeploy().revisions.get('air-quality');
  t.same(revs, [{ bucket: 'releases', key: device.key, bundleType: 'tgz', eTag: device.etag.replace(/"/g, '') }]);
  t.match(r.registration, { application: 'air-quality', region: 'eu-west-1', outcome: 'registered' });
});

t.test('web files: each under web/<path> with a content type from its extension, listed in the manifest', async (t) => {
  const { world, push } = harness(t);
  const r = await push();
  const web = r.manifest.parts.web!;
  t.equal(web.prefix, 'air-quality/v1.0.0/web/');
  const types = Object.fromEntries(web.files.map((f) => [f.path, f.contentType]));
  t.same(types, {
    LICENSE: 'application/octet-stream',
    'app.js': 'text/javascript; charset=utf-8',
    'css/site.css': 'text/css; charset=utf-8',
    'index.html': 'text/html; charset=utf-8',
    'logo.png': 'image/png',
  });
  const bucket = world.s3().buckets.get('releases')!;
  for (const f of web.files) {
    t.equal(f.key, `air-quality/v1.0.0/web/${f.path}`);
    t.equal(bucket.get(f.key)?.contentType, f.contentType);
    t.equal(bucket.get(f.key)?.etag, f.etag);
  }
  const listing = web.files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
  t.equal(web.sha256, createHash('sha256').update(listing).digest('hex'), 'the web part hash covers the sorted file list');
});

t.test('the same release again uploads nothing and registers nothing', async (t) => {
  const { world, push, writes } = harness(t);
  const first = await push();
  const before = writes().length;
  const registers = () => world.calls.filter((c) => c.operation === 'RegisterApplicationRevision').length;
  const second = await push();
  t.equal(writes().length, before, 'no PutObject or upload');
  t.equal(registers(), 1);
  t.equal(second.manifestOutcome, 'unchanged');
  t.same(second.manifest, first.manifest);
  t.equal(second.summary.uploaded, 0);
  t.ok(second.objects.every((o) => o.outcome === 'unchanged'));
  t.match(second.registration, { outcome: 'unchanged' });
});

t.test('a part lost from the bucket is put back and the manifest repaired', async (t) => {
  const { world, push } = harness(t);
  const first = await push();
  world.s3().buckets.get('releases')!.delete(first.manifest.parts.web!.files[0]!.key);
  const again = await push();
  t.equal(again.manifestOutcome, 'repaired');
  t.equal(again.summary.uploaded, 2, 'the lost file and the manifest');
  t.equal(again.manifest.createdAt, first.manifest.createdAt);
});

t.test('other content under an existing version is refused, and replaced with force', async (t) => {
  const { world, dir, push, writes } = harness(t);
  const first = await push();
  writeFileSync(join(dir, 'web', 'index.html'), '<h1>changed</h1>');
  writeFileSync(join(dir, 'device', 'app', 'main.sh'), 'echo changed\n');
  const before = writes().length;
  const err = await push().catch((e: unknown) => e);
  t.match(err, { code: 'RELEASE_VERSION_EXISTS', details: { differences: [/^device: stored/, /^web: stored/] } });
  t.equal(writes().length, before, 'nothing uploaded');
  const forced = await push({ force: true });
  t.equal(forced.manifestOutcome, 'replaced');
  t.not(forced.manifest.parts.device!.sha256, first.manifest.parts.device!.sha256);
  t.equal(forced.objects.filter((o) => o.outcome === 'uploaded').map((o) => o.part).sort().join(','), 'device,manifest,web');
  const put = world.calls.filter((c) => c.operation === 'PutObject').at(-1)!.args[0] as { ifMatch?: string };
  t.ok(put.ifMatch, 'the manifest is replaced with If-Match');
  t.equal(world.codedeploy().revisions.get('air-quality')!.length, 2, 'the new device revision is registered');
});

t.test('a manifest written by a concurrent push of other content wins: the push is refused', async (t) => {
  const { world, push } = harness(t);
  const s3 = world.s3();
  const real = s3.putObject.bind(s3);
  s3.putObject = async (input) => {
    if (input.key.endsWith('release.json') && input.ifNoneMatch) {
      const other = { schema: 'fleetctl.release/v1', parts: { device: { sha256: 'f'.repeat(64) } } };
      await real({ bucket: input.bucket, key: input.key, body: JSON.stringify(other) });
    }
    return real(input);
  };
  await t.rejects(push(), { code: 'RELEASE_VERSION_EXISTS' });
});

t.test('SSE-KMS with the configured key on every object, the manifest too', async (t) => {
  const { world, push } = harness(t, { kms: true });
  const r = await push();
  t.equal(r.manifest.kmsKeyId, KMS);
  const bucket = world.s3().buckets.get('releases')!;
  for (const o of r.objects) t.equal(bucket.get(o.key)?.kmsKeyId, KMS, o.key);
  const uploads = world.calls.filter((c) => c.operation === 'UploadObject' || c.operation === 'PutObject');
  t.ok(uploads.every((c) => (c.args[0] as { kmsKeyId?: string; checksumAlgorithm?: string }).kmsKeyId === KMS));
  t.ok(uploads.every((c) => (c.args[0] as { checksumAlgorithm?: string }).checksumAlgorithm === 'SHA256'));
});

t.test('an invalid release lists every problem and uploads nothing', async (t) => {
  const { dir, world, deps } = harness(t);
  writeFileSync(join(dir, 'device', 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: scripts/nope.sh\n');
  writeFileSync(join(dir, 'cloud', 'template.yaml'), 'Parameters: {}\nResources: {}\n');
  mkdirSync(join(dir, 'web2'));
  const text = configText(false, '{ device: ./device, stack: { template: cloud/template.yaml, package: cloud/missing }, web: web2 }');
  const err = await pushRelease({ config: parse(text), baseDir: dir, version: 'v1.0.0' }, deps).catch((e: unknown) => e);
  t.match(err, { code: 'RELEASE_PART_INVALID' });
  const problems = (err as { details: { problems: string[] } }).details.problems;
  t.match(problems, [/^device: HOOK_SCRIPT_MISSING at hooks\.ApplicationStart\[0\]\.location/, /^stack\.package: .*missing does not exist/, /^stack\.template: Resources must be a map/, /^web: .*holds no files/]);
  t.equal(problems.length, 4);
  t.match((err as Error).message, /4 problems/);
  t.equal(world.calls.filter((c) => c.service === 's3' || c.service === 'codedeploy').length, 0, 'no AWS call at all');
});

t.test('the template is checked by CloudFormation when it can be, and its verdict counts', async (t) => {
  const seen: string[] = [];
  const remote = async (body: string): Promise<TemplateSummary> => {
    seen.push(body);
    return { parameters: [{ key: 'Version', noEcho: false }, { key: 'CodeBucket', noEcho: false }], capabilities: ['CAPABILITY_NAMED_IAM'] };
  };
  const { push } = harness(t, { remote });
  const r = await push();
  t.equal(seen[0], TEMPLATE);
  t.equal(r.templateCheck, 'remote');
  t.same(r.manifest.parts.stack!.capabilities, ['CAPABILITY_NAMED_IAM']);

  const { EdgeError } = await import('../../../../shared/errors.js');
  const refusing = harness(t, { remote: async () => Promise.reject(new EdgeError('AWS_REQUEST_INVALID', 'Template format error: Unresolved resource dependencies [X]')) });
  await t.rejects(refusing.push(), { code: 'RELEASE_PART_INVALID', details: { problems: [/^stack\.template: CloudFormation ValidateTemplate: Template format error/] } });
  t.equal(refusing.writes().length, 0);
});

t.test('an archive device part is uploaded as it is, its bundle type from its extension', async (t) => {
  const { dir, world, deps } = harness(t);
  const { packZip } = await import('../../../../controller/release/pack.js');
  const zip = await packZip(join(dir, 'device'));
  writeFileSync(join(dir, 'bundle.zip'), zip.bytes);
  const r = await pushRelease({ config: parse(configText(false, '{ device: bundle.zip }')), baseDir: dir, version: 'v2' }, deps);
  t.equal(r.manifest.parts.device!.bundleType, 'zip');
  t.equal(r.manifest.parts.device!.sha256, zip.sha256);
  t.match(r.manifest.parts.device!.key, /\.zip$/);
  t.match(world.codedeploy().revisions.get('air-quality')!.at(-1), { bundleType: 'zip' });
  writeFileSync(join(dir, 'bundle.rar'), 'x');
  await t.rejects(pushRelease({ config: parse(configText(false, '{ device: bundle.rar }')), baseDir: dir, version: 'v3' }, deps), {
    code: 'RELEASE_PART_INVALID',
    details: { problems: [/not a revision folder nor a \.tgz, \.tar or \.zip bundle/] },
  });
});

t.test('a version that cannot be a key is a usage error', async (t) => {
  const { push } = harness(t);
  await t.rejects(push({ version: '../x' }), { code: 'CLI_USAGE' });
});
