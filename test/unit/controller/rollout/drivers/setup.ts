// A fake AWS estate for the driver tests: the pipeline account's release bucket holding a release
// (device bundle, stack template and package, web files), the fleet.yml targets of the rollout
// fixture, their roles (the gold tenant's with an ExternalId), device groups with registered devices.
import { createHash } from 'node:crypto';
import { parseRolloutConfig } from '../../../../../controller/rollout/config-parse.js';
import type { Target } from '../../../../../controller/rollout/config-types.js';
import { MemoryObjectStore } from '../../../../../controller/rollout/object-store.js';
import type { ReleaseManifest, WebFile } from '../../../../../controller/release/manifest.js';
import type { DriversDeps } from '../../../../../controller/rollout/drivers/index.js';
import type { DeployContext } from '../../../../../controller/rollout/runner.js';
import { attemptToken } from '../../../../../controller/rollout/next-steps.js';
import { FakeAwsWorld } from '../../../../fakes/aws/world.js';
import { fakePool } from '../../../../fakes/aws/pool.js';
import { FLEET_YML } from '../fixtures.js';

export const PIPELINE = '111111111111';
export const TENANT = '222222222222';
export const DEVICES = '333333333333';
export const BUCKET = 'acme-releases';
export const ROLLOUT = 'air-quality@v1.0.0@production';

export const template = (opts: { fail?: string; extra?: boolean } = {}): string =>
  JSON.stringify({
    Parameters: { Size: {}, ReleaseVersion: {}, ArtifactBucket: {}, ArtifactKey: {} },
    Resources: {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Code: { S3Bucket: { Ref: 'ArtifactBucket' }, S3Key: { Ref: 'ArtifactKey' } }, Env: { Version: { Ref: 'ReleaseVersion' }, Size: { Ref: 'Size' } } },
        ...(opts.fail ? { Metadata: { SandboxFail: opts.fail } } : {}),
      },
      ...(opts.extra ? { Extra: { Type: 'AWS::SQS::Queue' } } : {}),
    },
    Outputs: { Version: { Value: { Ref: 'ReleaseVersion' } }, Function: { Value: { Ref: 'Fn' } } },
  });

const sha = (b: string): string => createHash('sha256').update(b).digest('hex');

export function targets(): Record<string, Target> {
  const c = parseRolloutConfig(FLEET_YML);
  if (!c.ok) throw new Error('fixture config');
  return Object.fromEntries(c.config.targets.map((t) => [t.name, t]));
}

export interface Estate {
  readonly world: FakeAwsWorld;
  readonly deps: DriversDeps;
  readonly store: MemoryObjectStore;
  readonly targets: Record<string, Target>;
  /** Pushes a release (new objects, new manifest) and makes the drivers deploy it. */
  release(version: string, opts?: { template?: string; web?: Record<string, string> }): Promise<ReleaseManifest>;
  ctx(target: string, attempt?: number, wave?: string): DeployContext;
}

export async function estate(): Promise<Estate> {
  const world = new FakeAwsWorld();
  const { pool, timers } = fakePool({ world, region: 'us-east-1' });
  world.addRole(`arn:aws:iam::${TENANT}:role/fleet-deployer`, { externalId: 'unicorn-7f3' });
  world.addRole(`arn:aws:iam::${DEVICES}:role/fleet-deployer`);
  world.s3().createBucket(BUCKET);
  world.s3(TENANT).createBucket('unicorn-site');
  const seed = (account: string, region: string, group: string, names: string[]): void => {
    const cd = world.codedeploy(account, region).seedGroup({ applicationName: 'air-quality', deploymentGroupName: group, onPremisesTagSets: [[{ Key: 'fleet', Value: 'air-quality' }]] });
    for (const n of names) {
      void cd.registerOnPremisesInstance({ instanceName: n, iamUserArn: `arn:aws:iam::${account}:user/${n}` });
      void cd.addTagsToOnPremisesInstances([n], [{ Key: 'fleet', Value: 'air-quality' }]);
    }
  };
  seed(PIPELINE, 'us-east-1', 'pi-lab', ['pi-1', 'pi-2']);
  seed(DEVICES, 'eu-west-1', 'pi-eu', ['pi-eu-1']);
  const store = new MemoryObjectStore();
  const deps = { pool, manifest: undefined as unknown as ReleaseManifest, rolloutId: ROLLOUT, sleep: timers.sleep, now: () => world.now, store, prefix: 'r/', changeSetPollMs: 200 };
  const put = async (key: string, body: string, contentType?: string) => ({ key, sha256: sha(body), size: body.length, ...(await world.s3().putObject({ bucket: BUCKET, key, body, ...(contentType ? { contentType } : {}) })) });

  async function release(version: string, opts: { template?: string; web?: Record<string, string> } = {}): Promise<ReleaseManifest> {
    const keyPrefix = `air-quality/${version}/`;
    const web = opts.web ?? { 'index.html': `<h1>${version}</h1>`, 'js/app.js': `console.log('${version}')` };
    const files: WebFile[] = [];
    for (const [path, body] of Object.entries(web)) {
      const p = await put(`${keyPrefix}web/${path}`, body, path.endsWith('.html') ? 'text/html' : 'text/javascript');
      files.push({ path, key: p.key, sha256: p.sha256, size: p.size, contentType: path.endsWith('.html') ? 'text/html' : 'text/javascript', etag: p.etag });
    }
    const m: ReleaseManifest = {
      schema: 'fleetctl.release/v1',
      application: 'air-quality',
      version,
      bucket: BUCKET,
      region: 'us-east-1',
      keyPrefix,
      createdAt: new Date(world.now).toISOString(),
      parts: {
        device: { ...(await put(`${keyPrefix}device-${version}.tgz`, `bundle ${version}`)), bundleType: 'tgz' },
        stack: {
          template: await put(`${keyPrefix}template-${version}.json`, opts.template ?? template()),
          package: await put(`${keyPrefix}package-${version}.zip`, `zip ${version}`),
          parameters: ['Size', 'ReleaseVersion', 'ArtifactBucket', 'ArtifactKey'],
          capabilities: [],
        },
        web: { prefix: `${keyPrefix}web/`, files, sha256: sha(files.map((f) => `${f.path}\0${f.sha256}`).join('\n')) },
      },
    };
    Object.assign(deps, { manifest: m });
    return m;
  }
  await release('v1.0.0');
  const ctx = (target: string, attempt = 1, wave = 'devices'): DeployContext => ({ rolloutId: ROLLOUT, wave, attempt, token: attemptToken(ROLLOUT, target, attempt) });
  return { world, deps, store, targets: targets(), release, ctx };
}
