// `targets:` of the rollout config: one entry per unit of deployment, validated field by field.
import type { CodeDeployTarget, DeploymentConfig, DevicesTarget, StackTarget, Target, TargetKind, WebTarget } from './config-types.js';
import { TARGET_KINDS } from './config-types.js';
import { expandRings, parseRings } from './config-rings.js';
import {
  CAPABILITIES,
  accountOfRoleArn,
  accountRule,
  bucketRule,
  codedeployNameRule,
  externalIdRule,
  prefixRule,
  regionRule,
  roleArnRule,
  stackNameRule,
  tagRule,
  targetNameRule,
} from './config-rules.js';
import type { Cursor } from './yaml-cursor.js';

const COMMON = ['kind', 'account', 'region', 'role_arn', 'external_id', 'labels'];
const KEYS: Record<TargetKind, readonly string[]> = {
  devices: [...COMMON, 'application', 'deployment_group', 'select', 'deployment_config', 'auto_rollback', 'rings'],
  stack: [...COMMON, 'stack', 'cfn_role_arn', 'parameters', 'release_parameters', 'capabilities', 'tags'],
  web: [...COMMON, 'bucket', 'prefix', 'delete_removed'],
  codedeploy: [...COMMON, 'application', 'deployment_group', 'deployment_config', 'auto_rollback'],
};

export interface TargetDefaults {
  readonly application: string;
  readonly region: string | undefined;
}

export function parseTargets(node: Cursor, defaults: TargetDefaults): Target[] {
  if (!node.present) return node.problem('required: at least one target') ?? [];
  if (!node.isMap()) return node.problem('expected a map of target name to target') ?? [];
  const targets: Target[] = [];
  for (const name of node.keys()) {
    const at = node.get(name);
    if (targetNameRule(name)) {
      at.problem(targetNameRule(name) ?? '');
      continue;
    }
    const target = parseTarget(name, at, defaults);
    if (target) targets.push(...expandRings(target, at));
  }
  return targets;
}

function parseTarget(name: string, at: Cursor, defaults: TargetDefaults): Target | undefined {
  if (!at.isMap()) return at.problem('expected a map with at least kind:');
  const kind = at.get('kind').string({ required: true, test: (v) => (TARGET_KINDS.includes(v as TargetKind) ? undefined : `expected one of ${TARGET_KINDS.join(', ')}`) }) as TargetKind | undefined;
  if (!kind) return undefined;
  at.onlyKeys(KEYS[kind]);
  const roleArn = at.get('role_arn').string({ test: roleArnRule });
  let account = at.get('account').string({ test: accountRule });
  const roleAccount = roleArn ? accountOfRoleArn(roleArn) : undefined;
  if (account && roleAccount && account !== roleAccount) at.get('role_arn').problem(`the role is in account ${roleAccount}, the target in ${account}`);
  account ??= roleAccount;
  const region = at.get('region').string({ test: regionRule }) ?? defaults.region;
  if (!region) at.problem('no region: set region: here or at the top of the file');
  const externalId = at.get('external_id').string({ test: externalIdRule });
  if (externalId && !roleArn) at.get('external_id').problem('an external_id is only used with role_arn');
  const base = {
    name,
    region: region ?? '',
    labels: at.get('labels').stringMap(tagRule),
    line: at.line,
    ...(account ? { account } : {}),
    ...(roleArn ? { roleArn } : {}),
    ...(externalId ? { externalId } : {}),
  };
  switch (kind) {
    case 'devices':
      return devices(at, base, defaults);
    case 'codedeploy':
      return codedeploy(at, base, defaults);
    case 'stack':
      return stack(at, base);
    case 'web':
      return web(at, base);
  }
}

type Base = Omit<Target, 'kind'>;

function devices(at: Cursor, base: Base, defaults: TargetDefaults): DevicesTarget {
  const select = at.get('select').stringMap(tagRule);
  if (Object.keys(select).length === 0) at.get('select').problem('required: the on-premises tags that pick this fleet\'s devices, e.g. { fleet: air-quality }');
  if (Object.keys(select).length > 10) at.get('select').problem('at most 10 tags');
  const deploymentConfig = parseDeploymentConfig(at.get('deployment_config'));
  const rings = parseRings(at.get('rings'), select);
  return {
    ...base,
    kind: 'devices',
    application: at.get('application').string({ test: codedeployNameRule }) ?? defaults.application,
    deploymentGroup: at.get('deployment_group').string({ required: true, test: codedeployNameRule }) ?? '',
    select,
    ...(deploymentConfig ? { deploymentConfig } : {}),
    autoRollback: parseBool(at.get('auto_rollback')) ?? true,
    ...(rings ? { rings } : {}),
  };
}

function codedeploy(at: Cursor, base: Base, defaults: TargetDefaults): CodeDeployTarget {
  const deploymentConfig = parseDeploymentConfig(at.get('deployment_config'));
  return {
    ...base,
    kind: 'codedeploy',
    application: at.get('application').string({ test: codedeployNameRule }) ?? defaults.application,
    deploymentGroup: at.get('deployment_group').string({ required: true, test: codedeployNameRule }) ?? '',
    ...(deploymentConfig ? { deploymentConfig } : {}),
    autoRollback: parseBool(at.get('auto_rollback')) ?? true,
  };
}

/** `true` / `false`; undefined when absent (or wrong, with a problem recorded). */
export function parseBool(at: Cursor): boolean | undefined {
  const v = at.string({ test: (x) => (x === 'true' || x === 'false' ? undefined : 'expected true or false') });
  return v === undefined ? undefined : v === 'true';
}

function stack(at: Cursor, base: Base): StackTarget {
  const cfnRoleArn = at.get('cfn_role_arn').string({ test: roleArnRule });
  const cfnAccount = cfnRoleArn ? accountOfRoleArn(cfnRoleArn) : undefined;
  if (cfnAccount && base.account && cfnAccount !== base.account) {
    at.get('cfn_role_arn').problem(`CloudFormation's role must be in the stack's account ${base.account}, not ${cfnAccount}`);
  }
  const rp = at.get('release_parameters');
  rp.onlyKeys(['version', 'bucket', 'key']);
  const capabilities = at.get('capabilities').stringList();
  for (const c of capabilities) {
    if (!(CAPABILITIES as readonly string[]).includes(c)) at.get('capabilities').problem(`unknown capability ${c}; known: ${CAPABILITIES.join(', ')}`);
  }
  const paramName = (v: string): string | undefined => (/^[A-Za-z0-9]{1,255}$/.test(v) ? undefined : 'a template parameter name is letters and digits');
  return {
    ...base,
    kind: 'stack',
    stack: at.get('stack').string({ required: true, test: stackNameRule }) ?? '',
    ...(cfnRoleArn ? { cfnRoleArn } : {}),
    parameters: at.get('parameters').stringMap((k) => paramName(k)),
    releaseParameters: {
      version: rp.get('version').string({ test: paramName }) ?? 'ReleaseVersion',
      bucket: rp.get('bucket').string({ test: paramName }) ?? 'ArtifactBucket',
      key: rp.get('key').string({ test: paramName }) ?? 'ArtifactKey',
    },
    capabilities: capabilities.filter((c) => (CAPABILITIES as readonly string[]).includes(c)),
    tags: at.get('tags').stringMap(tagRule),
  };
}

function web(at: Cursor, base: Base): WebTarget {
  const rawPrefix = at.get('prefix').string({ test: prefixRule }) ?? '';
  const del = parseBool(at.get('delete_removed'));
  return {
    ...base,
    kind: 'web',
    bucket: at.get('bucket').string({ required: true, test: bucketRule }) ?? '',
    prefix: rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`,
    deleteRemoved: del === true,
  };
}

/** `CodeDeployDefault.HalfAtATime`, or `{ minimum_healthy_hosts: 75% }` / `{ minimum_healthy_hosts: 2 }`. */
function parseDeploymentConfig(at: Cursor): DeploymentConfig | undefined {
  if (!at.present) return undefined;
  if (!at.isMap()) {
    const name = at.string({ test: codedeployNameRule });
    return name ? { name } : undefined;
  }
  at.onlyKeys(['minimum_healthy_hosts']);
  const v = at.get('minimum_healthy_hosts').string({ required: true });
  if (v === undefined) return undefined;
  const m = /^(\d{1,5})(%?)$/.exec(v.trim());
  if (!m) return at.get('minimum_healthy_hosts').problem('expected a host count (e.g. 2) or a percentage (e.g. 75%)');
  const value = Number(m[1]);
  if (m[2] === '%' && value > 99) return at.get('minimum_healthy_hosts').problem('a fleet percentage is 0 to 99%');
  return { minimumHealthyHosts: { type: m[2] === '%' ? 'FLEET_PERCENT' : 'HOST_COUNT', value } };
}
