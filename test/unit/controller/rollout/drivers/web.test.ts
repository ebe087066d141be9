// The web driver over the fake S3 of two accounts: cross-account CopyObject when the tenant role may
// read the release bucket, the controller streaming the files when it may not, the marker naming
// the release, removed files deleted only when asked, hostile file paths refused.
import t from 'tap';
import type { WebTarget } from '../../../../../controller/rollout/config-types.js';
import { MARKER, webDriver, webPathProblem } from '../../../../../controller/rollout/drivers/web.js';
import { TENANT, estate } from './setup.js';

const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('utf8');

async function setup(opts: { grant: boolean; prefix?: string; deleteRemoved?: boolean }) {
  const e = await estate();
  if (opts.grant) e.world.s3().grant('acme-releases', TENANT, 'read');
  const site = e.world.s3(TENANT).buckets.get('unicorn-site') as Map<string, { body: Uint8Array }>;
  const web: WebTarget = { ...(e.targets['unicorn-web'] as WebTarget), externalId: 'unicorn-7f3', prefix: opts.prefix ?? 'app/', deleteRemoved: opts.deleteRemoved ?? false };
  return { e, site, web, driver: webDriver(e.deps) };
}

t.test('the tenant role copies the files across accounts; the marker names the release', async (t) => {
  const { e, site, web, driver } = await setup({ grant: true });
  t.same(await driver.recordBefore(web), { kind: 'web' });
  t.equal(await driver.find(web, e.ctx('unicorn-web')), undefined);
  t.same(await driver.deploy(web, e.ctx('unicorn-web')), { kind: 'copy', objects: 2 });
  t.equal(text(site.get('app/index.html')?.body), '<h1>v1.0.0</h1>');
  t.equal(text(site.get('app/js/app.js')?.body), "console.log('v1.0.0')");
  t.match(JSON.parse(text(site.get(`app/${MARKER}`)?.body)), { version: 'v1.0.0', files: 2, sha256: e.deps.manifest.parts.web?.sha256 });
  const copies = e.world.calls.filter((c) => c.operation === 'CopyObject');
  t.equal(copies.length, 2);
  t.ok(copies.every((c) => c.account === TENANT), 'with the tenant role');
  t.same(await driver.follow(web, { kind: 'copy', objects: 2 }), { state: 'succeeded', progress: '2 files copied' });
  t.same(await driver.recordBefore(web), { kind: 'web', release: 'v1.0.0' });
  t.same(await driver.find(web, e.ctx('unicorn-web')), { kind: 'copy', objects: 2 }, 'a crashed attempt is adopted from the marker');
  t.same(await driver.deploy(web, e.ctx('unicorn-web', 2)), { kind: 'copy', objects: 0 }, 'files already there are not copied again');
});

t.test('without read access to the release bucket the controller streams the files', async (t) => {
  const { e, site, web } = await setup({ grant: false });
  const driver = webDriver({ ...e.deps, copyConcurrency: 1 });
  await driver.deploy(web, e.ctx('unicorn-web'));
  t.equal(text(site.get('app/index.html')?.body), '<h1>v1.0.0</h1>');
  t.equal(e.world.calls.filter((c) => c.operation === 'CopyObject').length, 1, 'one refused copy, then no more attempts');
  const gets = e.world.calls.filter((c) => c.operation === 'GetObject' && c.account === '111111111111');
  t.equal(gets.length, 2, 'read by the controller from its own bucket');
  const puts = e.world.calls.filter((c) => c.operation === 'PutObject' && c.account === TENANT);
  t.equal(puts.length, 3, 'two files and the marker written by the tenant role');
});

t.test('files the release no longer has are deleted only with delete_removed, and only under the prefix', async (t) => {
  for (const deleteRemoved of [false, true]) {
    const { e, site, web, driver } = await setup({ grant: true, deleteRemoved });
    await driver.deploy(web, e.ctx('unicorn-web'));
    await e.world.s3(TENANT).putObject({ bucket: 'unicorn-site', key: 'other/keep.txt', body: 'not ours' });
    await e.release('v2.0.0', { web: { 'index.html': '<h1>v2</h1>' } });
    await driver.deploy(web, e.ctx('unicorn-web', 2));
    t.equal(text(site.get('app/index.html')?.body), '<h1>v2</h1>');
    t.equal(site.has('app/js/app.js'), !deleteRemoved, `delete_removed: ${deleteRemoved}`);
    t.ok(site.has('other/keep.txt'), 'outside the prefix: untouched');
    t.match(JSON.parse(text(site.get(`app/${MARKER}`)?.body)), { version: 'v2.0.0', files: 1 });
  }
});

t.test('hostile web paths are refused before anything is copied', async (t) => {
  for (const bad of ['../escape.html', '/abs.html', 'a//b', 'a/./b', 'line\nbreak', MARKER, 'back\\slash', '']) t.ok(webPathProblem(bad), JSON.stringify(bad));
  t.equal(webPathProblem('assets/app.3f2a.js'), undefined);
  const { e, site, web, driver } = await setup({ grant: true, prefix: '' });
  await e.release('v3.0.0', { web: { 'ok.html': 'fine', '../evil.html': 'x' } });
  await t.rejects(driver.deploy(web, e.ctx('unicorn-web')), { code: 'RELEASE_PART_INVALID', message: /\.\.\/evil\.html/ });
  t.equal(site.size, 0, 'nothing written');
});
