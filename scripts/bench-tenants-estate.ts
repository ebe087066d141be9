// The estate of the tenant benchmarks (u) and (v): per tenant account a stack, web files and a
// CodeDeploy group of virtual-host servers, i.e. three targets, and the critical path of a wave of
// them. Generators and the schedule are pure; writeProject writes a project folder (fleet.yml, the
// stack template, the web files and the servers' revision).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSandboxConfigDocument, type SandboxConfig } from '../sandbox/sandbox-config.js';
import { generateTenantsConfig, tenantExternalId } from '../sandbox/tenants-config.js';
import { template } from './bench-rollout-fanout.js';

export type Kind = 'stack' | 'web' | 'servers';
export const KINDS: readonly Kind[] = ['stack', 'web', 'servers'];

export const BUCKET = 'pipeline-artifacts-111111111111';
/** The CodeDeploy application and group of every tenant's servers (created by the sandbox config). */
export const SERVERS_APP = 'bench-servers';
export const SERVERS_GROUP = 'servers';
const FIRST_TENANT = 300_000_000_000;
export const accountOf = (i: number): string => String(FIRST_TENANT + i);

export interface EstateOptions {
  /** Tenant accounts 0..tenants-1 get servers whose lifecycle events take `serverEventMs`. */
  readonly tenants: number;
  /** Accounts tenants..tenants+probes-1 get servers whose events take no time (the probes' steps). */
  readonly probes: number;
  readonly serverEventMs: number;
  readonly serversPerTenant: number;
  /** CodeDeploy applications of the pipeline account: each project's, where its push registers the revision. */
  readonly applications: readonly string[];
}

/** The sandbox config: generateTenantsConfig's accounts, each with its servers' group and virtual hosts. */
export function tenantsSandboxConfig(o: EstateOptions): SandboxConfig {
  const doc = generateTenantsConfig({ tenants: o.tenants + o.probes, deviceAccounts: 0 }) as { accounts: Record<string, unknown>[] };
  let i = 0;
  for (const account of doc.accounts) {
    if (account['kind'] === 'pipeline') account['codedeploy'] = { applications: o.applications.map((name) => ({ name })) };
    if (account['kind'] !== 'tenant') continue;
    const filter = [{ Key: 'role', Value: 'server', Type: 'KEY_AND_VALUE' }];
    const group = { name: SERVERS_GROUP, deploymentConfigName: 'CodeDeployDefault.AllAtOnce', onPremisesInstanceTagFilters: filter };
    account['codedeploy'] = { applications: [{ name: SERVERS_APP, deploymentGroups: [group] }] };
    const eventMs = i < o.tenants ? o.serverEventMs : 0;
    const namePrefix = `${String(account['name'])}-srv`;
    account['virtualHosts'] = [{ namePrefix, count: o.serversPerTenant, tags: { role: 'server' }, eventMs }];
    i++;
  }
  return parseSandboxConfigDocument(doc, 'bench-tenants');
}

export const targetName = (tenant: number, kind: Kind): string => `t${String(tenant).padStart(3, '0')}-${kind}`;

function targetYml(application: string, tenant: number, kind: Kind): string {
  const id = accountOf(tenant);
  const via = `role_arn: 'arn:aws:iam::${id}:role/PipelineAccessRole', external_id: ${tenantExternalId(id)}`;
  if (kind === 'stack') {
    const cfn = `cfn_role_arn: 'arn:aws:iam::${id}:role/CloudFormationDeployRole'`;
    return `{ kind: stack, ${via}, stack: ${application}, ${cfn}, release_parameters: { version: Version } }`;
  }
  if (kind === 'web') return `{ kind: web, ${via}, bucket: tenant-${id}-web, prefix: ${application}/ }`;
  return `{ kind: codedeploy, ${via}, application: ${SERVERS_APP}, deployment_group: ${SERVERS_GROUP} }`;
}

/** The wave's targets in order: tenant by tenant, each tenant's kinds in KINDS order. */
export function waveOrder(tenants: readonly number[], kinds: readonly Kind[]): { tenant: number; kind: Kind }[] {
  return tenants.flatMap((tenant) => KINDS.filter((k) => kinds.includes(k)).map((kind) => ({ tenant, kind })));
}

export interface ProjectOptions {
  readonly tenants: readonly number[];
  readonly kinds: readonly Kind[];
  readonly stackDelayMs: number;
  readonly concurrency: number;
}

/** A folder with the project of one application; returns its fleet.yml's path. */
export function writeProject(work: string, application: string, o: ProjectOptions): string {
  const dir = join(work, application);
  mkdirSync(join(dir, 'web'), { recursive: true });
  mkdirSync(join(dir, 'device', 'app'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), template(o.stackDelayMs));
  writeFileSync(join(dir, 'web', 'index.html'), `<h1>${application}</h1>\n`);
  writeFileSync(join(dir, 'web', 'style.css'), 'h1 { color: teal }\n');
  writeFileSync(join(dir, 'device', 'appspec.yml'), 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/bench\n');
  writeFileSync(join(dir, 'device', 'app', 'VERSION'), '1\n');
  const order = waveOrder(o.tenants, o.kinds);
  const names = order.map((t) => targetName(t.tenant, t.kind));
  const yml = `application: ${application}
region: us-east-1
release: { bucket: ${BUCKET}, prefix: releases/, parts: { stack: { template: template.yaml }, web: web, device: device } }
targets:
${order.map((t, n) => `  ${names[n]}: ${targetYml(application, t.tenant, t.kind)}`).join('\n')}
environments:
  - name: production
    match: 'v*'
    waves:
      - { name: tenants, targets: [${names.join(', ')}], concurrency: ${o.concurrency}, max_failed: 0 }
`;
  writeFileSync(join(dir, 'fleet.yml'), yml);
  return join(dir, 'fleet.yml');
}

/**
 * The makespan of the wave with no controller overhead: targets start in wave order whenever one of
 * `concurrency` slots is free, each taking its kind's duration. With one kind this is
 * ceil(N/C) × duration, the fan-out bench's (o) critical path.
 */
export function waveMakespanMs(kinds: readonly Kind[], durationMs: Readonly<Record<Kind, number>>, concurrency: number): number {
  const free = new Array<number>(Math.max(1, concurrency)).fill(0);
  let end = 0;
  for (const k of kinds) {
    let slot = 0;
    for (let i = 1; i < free.length; i++) if ((free[i] as number) < (free[slot] as number)) slot = i;
    const done = (free[slot] as number) + durationMs[k];
    free[slot] = done;
    end = Math.max(end, done);
  }
  return end;
}
