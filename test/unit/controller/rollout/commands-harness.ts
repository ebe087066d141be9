// The rollout commands over the fake AWS world: the real pool (fakePool), the real S3 object store
// over the fake S3, and fake target drivers that create real (fake) CodeDeploy deployments, so
// abort can stop them. The config is written to a temp folder like a user's fleet.yml.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { RolloutDeps } from '../../../../controller/commands/rollout-common.js';
import { rolloutStart } from '../../../../controller/commands/rollout-start.js';
import type { Target, TargetKind } from '../../../../controller/rollout/config-types.js';
import type { Previous, TargetRef } from '../../../../controller/rollout/journal-model.js';
import type { DeployContext, FollowResult, TargetDriver } from '../../../../controller/rollout/runner.js';
import { MANIFEST_SCHEMA, type ReleaseManifest } from '../../../../controller/release/manifest.js';
import { fakePool } from '../../../fakes/aws/pool.js';
import { BASE_ACCOUNT, type FakeAwsWorld } from '../../../fakes/aws/world.js';

export const REGION = 'eu-west-1';
export const BUCKET = 'acme-releases';
export const EU_ROLE = 'arn:aws:iam::333333333333:role/fleet-deployer';
export const WEB_ROLE = 'arn:aws:iam::222222222222:role/fleet-deployer';

export const CONFIG = `application: air-quality
region: ${REGION}
release: { bucket: ${BUCKET}, prefix: releases/, parts: { device: ./device, web: web/dist } }
targets:
  lab-pis: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality, site: lab } }
  eu-pis: { kind: devices, account: '333333333333', role_arn: '${EU_ROLE}', deployment_group: pi-eu, select: { fleet: air-quality } }
  unicorn-web: { kind: web, account: '222222222222', role_arn: '${WEB_ROLE}', external_id: unicorn-7f3, bucket: unicorn-site, labels: { tier: gold } }
environments:
  - { name: staging, match: 'v*-rc*', waves: [ { targets: [lab-pis] } ] }
  - name: production
    match: 'v*'
    waves:
      - { name: devices, targets: [lab-pis, eu-pis] }
      - { name: gold, targets: { labels: { tier: gold } } }
`;

export const manifestKeyOf = (version: string): string => `releases/air-quality/${version}/release.json`;

/** Deployments that go Created → InProgress → Succeeded (or Failed for `failing` targets) one step per follow. */
export class FakeDrivers implements TargetDriver {
  readonly deploys: string[] = [];
  readonly failing = new Set<string>();
  /** Targets whose deployments never finish on their own. */
  readonly stuck = new Set<string>();
  constructor(private readonly world: FakeAwsWorld) {}

  private cd(t: Target) {
    return this.world.codedeploy(t.account ?? BASE_ACCOUNT, t.region);
  }

  async recordBefore(t: Target) {
    return t.kind === 'web' ? ({ kind: 'web' } as const) : ({ kind: 'revision' } as const);
  }

  async deploy(t: Target, ctx: DeployContext): Promise<TargetRef> {
    this.deploys.push(t.name);
    return this.start(t, ctx);
  }

  /** Rollbacks started, by target: each is a deployment of its own, found again by its token as a deploy is. */
  readonly rollbacks: string[] = [];

  async rollback(t: Target, _previous: Previous, ctx: DeployContext): Promise<TargetRef> {
    this.rollbacks.push(t.name);
    return this.start(t, ctx);
  }

  findRollback(t: Target, _previous: Previous, ctx: DeployContext): Promise<TargetRef | undefined> {
    return this.find(t, ctx);
  }

  private async start(t: Target, ctx: DeployContext): Promise<TargetRef> {
    if (t.kind === 'web') return { kind: 'copy', objects: 3 };
    const g = t as Extract<Target, { kind: 'devices' }>;
    const r = await this.cd(t).createDeployment({
      applicationName: g.application,
      deploymentGroupName: g.deploymentGroup,
      revision: { bucket: BUCKET, key: 'releases/air-quality/v1/device-0123456789abcdef.tgz', bundleType: 'tgz' },
      description: ctx.token,
    });
    return { kind: 'deployment', deploymentId: r.deploymentId };
  }

  async find(t: Target, ctx: DeployContext): Promise<TargetRef | undefined> {
    if (t.kind === 'web') return undefined;
    const d = [...this.cd(t).deployments.values()].find((x) => x.info.description === ctx.token);
    return d ? { kind: 'deployment', deploymentId: d.info.deploymentId } : undefined;
  }

  async follow(t: Target, ref: TargetRef): Promise<FollowResult> {
    if (ref.kind !== 'deployment') return this.failing.has(t.name) ? { state: 'failed', reason: 'copy refused' } : { state: 'succeeded' };
    const cd = this.cd(t);
    const d = await cd.getDeployment(ref.deploymentId);
    if (d.status === 'Stopped') return { state: 'failed', reason: 'the deployment was stopped' };
    if (this.stuck.has(t.name)) return { state: 'running', progress: '0/1 devices' };
    if (d.status === 'Created') {
      cd.progress(ref.deploymentId, 'InProgress');
      return { state: 'running', progress: '0/1 devices' };
    }
    const failed = this.failing.has(t.name);
    cd.progress(ref.deploymentId, failed ? 'Failed' : 'Succeeded');
    return failed ? { state: 'failed', reason: 'ApplicationStart failed on pi-1' } : { state: 'succeeded', progress: '1/1 devices' };
  }
}

export interface Harness {
  readonly world: FakeAwsWorld;
  readonly drivers: FakeDrivers;
  readonly dir: string;
  readonly config: string;
  readonly progress: string[];
  deps(over?: Partial<RolloutDeps>): RolloutDeps;
  pushRelease(version: string): void;
}

export function harness(t: Test, opts: { isTTY?: boolean } = {}): Harness {
  const fp = fakePool();
  const { world } = fp;
  world.s3().createBucket(BUCKET);
  world.addRole(EU_ROLE);
  world.addRole(WEB_ROLE, { externalId: 'unicorn-7f3' });
  world.codedeploy(BASE_ACCOUNT, REGION).seedGroup({ applicationName: 'air-quality', deploymentGroupName: 'pi-lab' });
  world.codedeploy('333333333333', REGION).seedGroup({ applicationName: 'air-quality', deploymentGroupName: 'pi-eu' });
  const dir = t.testdir({});
  const config = join(dir, 'fleet.yml');
  writeFileSync(config, CONFIG);
  const drivers = new FakeDrivers(world);
  const progress: string[] = [];
  const all: Record<TargetKind, TargetDriver> = { devices: drivers, codedeploy: drivers, stack: drivers, web: drivers };
  return {
    world,
    drivers,
    dir,
    config,
    progress,
    deps: (over = {}) => ({
      pool: async () => fp.pool,
      now: () => new Date(world.now),
      sleep: (ms) => fp.timers.sleep(ms),
      host: 'ci-1',
      pid: 4242,
      isAlive: () => true,
      progress: { isTTY: opts.isTTY === true, write: (text) => void progress.push(text) },
      drivers: () => all,
      pollMs: 1000,
      ...over,
    }),
    pushRelease: (version) => {
      const m: Partial<ReleaseManifest> = { schema: MANIFEST_SCHEMA, application: 'air-quality', version, bucket: BUCKET, region: REGION, keyPrefix: `releases/air-quality/${version}/`, parts: {} };
      void world.s3().putObject({ bucket: BUCKET, key: manifestKeyOf(version), body: JSON.stringify(m) });
    },
  };
}

/**
 * Release `version` pushed and its rollout started by a controller that dies while eu-pis deploys
 * (its sleep throws once lab-pis is done, and its pid counts as gone): eu-pis is left in flight.
 */
export async function startedThenKilled(t: Test, h: Harness, version: string): Promise<void> {
  h.pushRelease(version);
  h.drivers.stuck.add('eu-pis');
  let rounds = 0;
  const dying = h.deps({
    sleep: async () => {
      if (++rounds > 3) throw new Error('killed');
    },
    isAlive: () => false,
  });
  await t.rejects(rolloutStart({ config: h.config, release: version }, dying), /killed/);
}
