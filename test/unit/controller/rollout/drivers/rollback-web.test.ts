// The rollback of a web target over the fake S3: the files of the release the prefix held before,
// from that release's manifest, copied as a deployment copies them (removed files deleted only with
// delete_removed), the marker naming that release again, found again by the marker after a crash;
// a release whose manifest is gone fails the rollback, saying which object is missing.
import t from 'tap';
import { isEdgeError } from '../../../../../shared/errors.js';
import { manifestKey, type ReleaseManifest } from '../../../../../controller/release/manifest.js';
import type { WebTarget } from '../../../../../controller/rollout/config-types.js';
import { manifestKeyOf } from '../../../../../controller/rollout/drivers/rollback-web.js';
import { MARKER, webDriver } from '../../../../../controller/rollout/drivers/web.js';
import { rollbackToken } from '../../../../../controller/rollout/rollback-plan.js';
import type { DeployContext } from '../../../../../controller/rollout/runner.js';
import { ROLLOUT, TENANT, estate, type Estate } from './setup.js';

const ctx: DeployContext = { rolloutId: ROLLOUT, wave: 'gold-tenants', attempt: 0, token: rollbackToken(ROLLOUT, 'unicorn-web') };
const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('utf8');

/** A release pushed as `release push` stores it: its objects, then its manifest. */
async function push(e: Estate, version: string, web: Record<string, string>): Promise<ReleaseManifest> {
  const m = await e.release(version, { web });
  await e.world.s3().putObject({ bucket: 'acme-releases', key: manifestKey(m.keyPrefix), body: JSON.stringify(m) });
  return m;
}

async function v1ThenV2(deleteRemoved: boolean, grant = true) {
  const e = await estate();
  if (grant) e.world.s3().grant('acme-releases', TENANT, 'read');
  const site = e.world.s3(TENANT).buckets.get('unicorn-site') as Map<string, { body: Uint8Array }>;
  const web: WebTarget = { ...(e.targets['unicorn-web'] as WebTarget), externalId: 'unicorn-7f3', prefix: 'app/', deleteRemoved };
  const driver = webDriver(e.deps);
  const v1 = await push(e, 'v1.0.0', { 'index.html': '<h1>v1</h1>', 'js/app.js': 'v1()' });
  await driver.deploy(web, e.ctx('unicorn-web'));
  const previous = await driver.recordBefore(web);
  await push(e, 'v2.0.0', { 'index.html': '<h1>v2</h1>', 'js/new.js': 'v2()' });
  await driver.deploy(web, e.ctx('unicorn-web', 2));
  return { e, site, web, driver, previous, v1 };
}

t.test('rollback copies the earlier release\'s files back and names it in the marker again', async (t) => {
  for (const deleteRemoved of [true, false]) {
    const { e, site, web, driver, previous, v1 } = await v1ThenV2(deleteRemoved);
    t.same(previous, { kind: 'web', release: 'v1.0.0' });
    t.equal(await driver.findRollback(web, previous, ctx), undefined, 'the marker names v2');
    const ref = await driver.rollback(web, previous, ctx);
    // without delete_removed v2 left js/app.js as v1 had it: only what differs is copied
    const copied = deleteRemoved ? 2 : 1;
    t.same(ref, { kind: 'copy', objects: copied });
    t.equal(text(site.get('app/index.html')?.body), '<h1>v1</h1>');
    t.equal(text(site.get('app/js/app.js')?.body), 'v1()');
    t.equal(site.has('app/js/new.js'), !deleteRemoved, `v2's own file, delete_removed: ${String(deleteRemoved)}`);
    t.match(JSON.parse(text(site.get(`app/${MARKER}`)?.body)), { version: 'v1.0.0', sha256: v1.parts.web?.sha256, files: 2 });
    t.same(await driver.follow(web, ref), { state: 'succeeded', progress: `${copied} files copied` });
    // killed before the fact was journaled: the marker says it is done
    const writes = (): number => e.world.calls.filter((c) => c.operation === 'PutObject' || c.operation === 'CopyObject').length;
    const before = writes();
    t.same(await driver.findRollback(web, previous, ctx), { kind: 'copy', objects: 2 });
    t.equal(writes(), before, 'nothing copied to find it');
    t.same(await driver.recordBefore(web), { kind: 'web', release: 'v1.0.0' });
  }
});

t.test('without read access to the release bucket the controller streams the old files, as a deployment does', async (t) => {
  const { site, web, driver, previous } = await v1ThenV2(false, false);
  await driver.rollback(web, previous, ctx);
  t.equal(text(site.get('app/index.html')?.body), '<h1>v1</h1>');
});

t.test('a release whose manifest is gone cannot be put back: the rollback fails and names the object', async (t) => {
  const { e, site, web, driver, previous } = await v1ThenV2(true);
  await e.world.s3().deleteObjects({ bucket: 'acme-releases', keys: ['air-quality/v1.0.0/release.json'] });
  const err = await driver.rollback(web, previous, ctx).catch((x: unknown) => x);
  t.ok(isEdgeError(err, 'TARGET_PREVIOUS_MISSING') && !err.retryable, String(err));
  const said = 'unicorn-web cannot be put back to release v1.0.0: s3://acme-releases/air-quality/v1.0.0/release.json is missing';
  t.ok(String(err).includes(said), String(err));
  t.equal(text(site.get('app/index.html')?.body), '<h1>v2</h1>', 'nothing touched');
  await t.rejects(driver.findRollback(web, previous, ctx), { code: 'TARGET_PREVIOUS_MISSING' });
  await e.world.s3().putObject({ bucket: 'acme-releases', key: 'air-quality/v1.0.0/release.json', body: '{"schema":"other"}' });
  const notManifest = { code: 'TARGET_PREVIOUS_MISSING', message: /is not the manifest of release v1\.0\.0/ };
  await t.rejects(driver.rollback(web, previous, ctx), notManifest);
  await t.rejects(driver.rollback(web, { kind: 'web' }, ctx), { code: 'ROLLOUT_JOURNAL_CORRUPT' });
});

t.test('another version\'s manifest lies beside the current one', async (t) => {
  const e = await estate();
  const m = { ...e.deps.manifest, keyPrefix: 'releases/air-quality/v1.0.0/' };
  t.equal(manifestKeyOf(m, 'v0.9.0'), 'releases/air-quality/v0.9.0/release.json');
  t.throws(() => manifestKeyOf({ ...m, keyPrefix: 'elsewhere/' }, 'v0.9.0'), { code: 'INTERNAL' });
});
