// fleetctl release push against the sandbox with the real SDK adapter: the example revision, a small
// stack (template checked by the sandbox's CloudFormation ValidateTemplate, code package zipped)
// and web files go to a versioned, KMS-encrypted release bucket; objects, checksums, metadata, the
// manifest and the registered revision are read back; a second push writes nothing.
import t from 'tap';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CodeDeployClient, CreateApplicationCommand, GetApplicationRevisionCommand, ListApplicationRevisionsCommand } from '@aws-sdk/client-codedeploy';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '../../../shared/log.js';
import { createAwsPool } from '../../../controller/aws/pool.js';
import { createSdkPortFactory } from '../../../controller/aws/sdk-adapter.js';
import { SERVICES, type Service } from '../../../controller/aws/ports.js';
import { releasePush, renderReleasePush } from '../../../controller/commands/release.js';
import type { ReleaseManifest } from '../../../controller/release/manifest.js';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { tempDir } from '../../helpers/temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const EXAMPLE = resolve(import.meta.dirname, '../../../appspec/examples/air-quality');
const realTimers = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  ReleaseVersion: { Type: String }
  CodeBucket: { Type: String }
  CodeKey: { Type: String }
Resources:
  Readings:
    Type: AWS::S3::Bucket
    Properties:
      Tags: [ { Key: release, Value: !Ref ReleaseVersion } ]
Outputs:
  BucketName: { Value: !Ref Readings }
`;

t.test('release push to the sandbox', async (t) => {
  const sb = await startSandbox();
  t.teardown(() => sb.close());
  const creds = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  const raw = { endpoint: sb.url, region: sb.region, credentials: creds, forcePathStyle: true, maxAttempts: 1 };
  const s3 = new S3Client(raw);
  const cd = new CodeDeployClient(raw);
  const kms = new KMSClient(raw);
  t.teardown(() => [s3, cd, kms].forEach((c) => c.destroy()));
  await s3.send(new CreateBucketCommand({ Bucket: 'acme-releases' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'acme-releases', VersioningConfiguration: { Status: 'Enabled' } }));
  await cd.send(new CreateApplicationCommand({ applicationName: 'air-quality', computePlatform: 'Server' }));
  const key = (await kms.send(new CreateKeyCommand({ Description: 'releases' }))).KeyMetadata!.Arn!;

  const dir = tempDir(t, 'release-push');
  cpSync(EXAMPLE, join(dir, 'device'), { recursive: true });
  mkdirSync(join(dir, 'cloud', 'dist'), { recursive: true });
  writeFileSync(join(dir, 'cloud', 'template.yaml'), TEMPLATE);
  writeFileSync(join(dir, 'cloud', 'dist', 'index.js'), 'exports.handler = async () => ({ ok: true });\n');
  mkdirSync(join(dir, 'web', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>Air quality</title>');
  writeFileSync(join(dir, 'web', 'assets', 'app.js'), 'console.log("readings")');
  const config = join(dir, 'fleet.yml');
  writeFileSync(
    config,
    [
      'application: air-quality',
      `region: ${sb.region}`,
      'release:',
      '  bucket: acme-releases',
      '  prefix: releases/',
      `  kms_key_id: ${key}`,
      '  parts: { device: ./device, stack: { template: cloud/template.yaml, package: cloud/dist }, web: web }',
      'targets:',
      '  lab: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality } }',
      'environments:',
      "  - { name: production, match: 'v*', waves: [ { targets: [lab] } ] }",
      '',
    ].join('\n'),
  );

  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, sb.url])) as Record<Service, string>;
  const pool = async (o: { region: string }) =>
    createAwsPool(
      { region: o.region, credentials: async () => creds, endpoints },
      { factory: createSdkPortFactory({ forcePathStyle: true }), timers: realTimers, clock: () => Date.now(), random: Math.random, log: silentLogger() },
    );
  const flags = { version: 'v1.2.0', config };
  const deps = { pool, source: { commit: '0123456789abcdef0123456789abcdef01234567', ref: 'v1.2.0' } };

  const first = await releasePush(flags, deps);
  t.equal(first.exit, 0);
  const r = first.data;
  t.equal(r.manifestOutcome, 'created');
  t.equal(r.templateCheck, 'remote', 'the sandbox CloudFormation validated the template');
  t.same(r.manifest.parts.stack?.parameters, ['ReleaseVersion', 'CodeBucket', 'CodeKey']);
  t.match(renderReleasePush(r), /manifest created at s3:\/\/acme-releases\/releases\/air-quality\/v1\.2\.0\/release\.json/);

  // every part in the bucket: bytes, SHA-256 checksum, metadata, SSE-KMS, version ids
  const m = r.manifest;
  const parts = [m.parts.device!, m.parts.stack!.template, m.parts.stack!.package!];
  for (const p of parts) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'acme-releases', Key: p.key, ChecksumMode: 'ENABLED' }));
    const sha = createHash('sha256');
    const body = await (await s3.send(new GetObjectCommand({ Bucket: 'acme-releases', Key: p.key }))).Body!.transformToByteArray();
    sha.update(body);
    t.equal(sha.digest('hex'), p.sha256, `${p.key}: the bytes`);
    t.equal(head.ChecksumSHA256, Buffer.from(p.sha256, 'hex').toString('base64'), `${p.key}: S3's SHA-256 checksum`);
    t.match(head.Metadata, { sha256: p.sha256, 'release-version': 'v1.2.0', 'source-commit': deps.source.commit, application: 'air-quality' });
    t.equal(head.ServerSideEncryption, 'aws:kms');
    t.equal(head.SSEKMSKeyId, key);
    t.equal(head.ETag, p.etag);
    t.ok(p.versionId, 'the bucket is versioned: the manifest records the version');
    t.equal(head.VersionId, p.versionId);
  }
  t.match(m.parts.device!.key, /^releases\/air-quality\/v1\.2\.0\/device-[0-9a-f]{16}\.tgz$/);
  const html = m.parts.web!.files.find((f) => f.path === 'index.html')!;
  const htmlHead = await s3.send(new HeadObjectCommand({ Bucket: 'acme-releases', Key: html.key }));
  t.equal(htmlHead.ContentType, 'text/html; charset=utf-8');
  t.equal(html.key, 'releases/air-quality/v1.2.0/web/index.html');

  // the manifest next to the parts is what the command returned
  const stored = await (await s3.send(new GetObjectCommand({ Bucket: 'acme-releases', Key: r.manifestKey }))).Body!.transformToString();
  t.same(JSON.parse(stored) as ReleaseManifest, JSON.parse(JSON.stringify(m)));

  // the device revision is registered with CodeDeploy
  const revision = { revisionType: 'S3' as const, s3Location: { bucket: 'acme-releases', key: m.parts.device!.key, bundleType: 'tgz' as const, eTag: m.parts.device!.etag.replace(/"/g, ''), version: m.parts.device!.versionId! } };
  const got = await cd.send(new GetApplicationRevisionCommand({ applicationName: 'air-quality', revision }));
  t.match(got.revisionInfo, { description: /^release v1\.2\.0/ });
  const listed = await cd.send(new ListApplicationRevisionsCommand({ applicationName: 'air-quality' }));
  t.equal(listed.revisions?.length, 1);
  t.equal(listed.revisions?.[0]?.s3Location?.key, m.parts.device!.key);

  // the same release again: no write call at all
  const mark = sb.calls.mark();
  const again = await releasePush(flags, deps);
  t.equal(again.data.manifestOutcome, 'unchanged');
  t.equal(again.data.summary.uploaded, 0);
  const report = sb.calls.since(mark);
  t.equal(report.writes, 0, `no writes: ${JSON.stringify(report.calls.filter((c) => c.kind === 'write'))}`);
  t.ok(report.total > 0, 'it did look');

  // changed content under the same version: refused (exit 1) and nothing written
  writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>changed</title>');
  const mark2 = sb.calls.mark();
  await t.rejects(releasePush(flags, deps), { code: 'RELEASE_VERSION_EXISTS' });
  t.equal(sb.calls.since(mark2).writes, 0);
});
