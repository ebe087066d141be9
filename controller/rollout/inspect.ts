// What `fleetctl rollout plan` learns about each target without changing anything: whether its
// role can be assumed, what it runs now (a device group's last successful revision, the stack's
// version parameter and status, the web prefix's current release), how many devices its selector
// matches, and whether it is busy. Only read calls (Get/List/Describe, AssumeRole).
import { isEdgeError, toEdgeError } from '../../shared/errors.js';
import type { AwsPorts, DeploymentStatus, Tag } from '../aws/ports.js';
import { allPages } from '../fleet/pool.js';
import type { ChangeSetPreview } from './change-set-preview.js';
import { MARKER } from './drivers/web.js';
import type { CodeDeployTarget, DevicesTarget, StackTarget, Target, WebTarget } from './config-types.js';
import { isRingTarget } from './drivers/rings.js';
import { inspectRing, type FleetListings, type RingInspection } from './inspect-rings.js';

/** CodeDeploy's limit of instances in one deployment. */
export const MAX_INSTANCES_PER_DEPLOYMENT = 1000;
const ACTIVE: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready'];

export interface Problem {
  readonly problem: string;
  readonly action: string;
  /** The rollout cannot run while this holds. */
  readonly blocking: boolean;
}

export interface TargetInspection {
  readonly target: string;
  readonly kind: Target['kind'];
  readonly account: string;
  readonly region: string;
  readonly role: { readonly arn?: string; readonly assumable: boolean; readonly identity?: string };
  /** What the target runs now, for people. */
  current?: string;
  devices?: { readonly matched: number; readonly overLimit: boolean };
  /** A ring target: its place, and its devices as the rollout would assign them. */
  ring?: RingInspection;
  stackStatus?: string;
  busy: boolean;
  busyReason?: string;
  /** Stack targets with `plan --change-sets`: what the release's change set would change. */
  changeSet?: ChangeSetPreview;
  readonly problems: Problem[];
}

type Ports = Pick<AwsPorts, 'sts' | 'codedeploy' | 'cloudformation' | 's3'>;

const message = (e: unknown): string => toEdgeError(e).message;

/** `fleets`: the fleets of ring targets, shared by all rings of a base so it is listed once. */
export async function inspectTarget(target: Target, ports: Ports, opts: { fleets?: FleetListings } = {}): Promise<TargetInspection> {
  const out: TargetInspection = {
    target: target.name,
    kind: target.kind,
    account: target.account ?? 'default',
    region: target.region,
    role: { ...(target.roleArn ? { arn: target.roleArn } : {}), assumable: false },
    busy: false,
    problems: [],
  };
  try {
    const me = await ports.sts.getCallerIdentity();
    Object.assign(out, { account: me.account, role: { ...out.role, assumable: true, identity: me.arn } });
    if (target.account && me.account !== target.account) {
      out.problems.push({
        problem: `the credentials are in account ${me.account}, the target in ${target.account}`,
        action: 'set role_arn (and external_id) on the target to a role in its account that the controller may assume',
        blocking: true,
      });
      return out;
    }
  } catch (e) {
    out.problems.push({
      problem: target.roleArn ? `role ${target.roleArn} cannot be assumed: ${message(e)}` : `the target cannot be reached: ${message(e)}`,
      action: target.roleArn
        ? "check the role's trust policy allows the controller's identity (with this external_id) and that the controller may call sts:AssumeRole"
        : 'check the controller credentials and region',
      blocking: true,
    });
    return out;
  }
  try {
    const fleets = opts.fleets ?? new Map();
    if (target.kind === 'devices' && isRingTarget(target)) out.ring = await inspectRing(target, ports, out, fleets);
    else if (target.kind === 'devices' || target.kind === 'codedeploy') await inspectGroup(target, ports, out);
    else if (target.kind === 'stack') await inspectStack(target, ports, out);
    else await inspectWeb(target, ports, out);
  } catch (e) {
    out.problems.push({ problem: `reading the target failed: ${message(e)}`, action: "check the role's read permissions (see docs/rollouts.md, IAM)", blocking: true });
  }
  if (out.busy) {
    out.problems.push({ problem: `busy: ${out.busyReason ?? ''}`, action: 'wait for it to finish (or stop it), then run the rollout', blocking: true });
  }
  return out;
}

/** The release version a content-addressed key names: `<prefix><app>/<version>/device-<sha>.<ext>`. */
export const versionOfKey = (key: string): string | undefined => /([^/]+)\/(?:device|template|package)-[0-9a-f]{16}\.[\w.]+$/.exec(key)?.[1];

async function inspectGroup(target: DevicesTarget | CodeDeployTarget, ports: Ports, out: TargetInspection): Promise<void> {
  const { codedeploy } = ports;
  let group;
  try {
    group = await codedeploy.getDeploymentGroup(target.application, target.deploymentGroup);
  } catch (e) {
    if (!isEdgeError(e, 'AWS_NOT_FOUND')) throw e;
    out.problems.push({
      problem: `deployment group ${target.application}/${target.deploymentGroup} does not exist in ${out.account} ${out.region}`,
      action: 'create the CodeDeploy application and deployment group (or fix application/deployment_group in fleet.yml)',
      blocking: true,
    });
    return;
  }
  const last = group.lastSuccessfulDeployment;
  if (last) {
    const d = await codedeploy.getDeployment(last.deploymentId);
    const r = d.revision;
    const version = r ? versionOfKey(r.key) : undefined;
    out.current = r ? `${version ? `release ${version}: ` : ''}s3://${r.bucket}/${r.key} (${last.deploymentId})` : last.deploymentId;
  } else out.current = 'nothing deployed yet';
  const active = await codedeploy.listDeployments({ applicationName: target.application, deploymentGroupName: target.deploymentGroup, includeOnlyStatuses: ACTIVE });
  if (active.items.length > 0) Object.assign(out, { busy: true, busyReason: `deployment ${active.items.join(', ')} is active` });
  if (target.kind === 'devices') {
    const matched = await countDevices(ports, target.select);
    out.devices = { matched, overLimit: matched > MAX_INSTANCES_PER_DEPLOYMENT };
    if (matched === 0) {
      out.problems.push({ problem: 'the selector matches no registered device', action: 'register devices with these tags (fleetctl register) or fix select:', blocking: false });
    }
    if (matched > MAX_INSTANCES_PER_DEPLOYMENT) {
      out.problems.push({
        problem: `the selector matches ${matched} devices; one CodeDeploy deployment takes at most ${MAX_INSTANCES_PER_DEPLOYMENT}`,
        action: 'split the fleet into several targets (deployment groups) with narrower selectors',
        blocking: true,
      });
    }
  }
}

/** Registered devices carrying every tag of the selector (ListOnPremisesInstances filters match any one tag). */
async function countDevices(ports: Ports, select: Readonly<Record<string, string>>): Promise<number> {
  const tags: Tag[] = Object.entries(select).map(([Key, Value]) => ({ Key, Value }));
  const names = await allPages((token) =>
    ports.codedeploy.listOnPremisesInstances({ registrationStatus: 'Registered', tagFilters: tags.slice(0, 1), ...(token ? { nextToken: token } : {}) }),
  );
  if (tags.length <= 1) return names.length;
  let n = 0;
  for (let i = 0; i < names.length; i += 100) {
    const found = await ports.codedeploy.batchGetOnPremisesInstances(names.slice(i, i + 100));
    n += found.filter((d) => tags.every((t) => d.tags.some((x) => x.Key === t.Key && x.Value === t.Value))).length;
  }
  return n;
}

async function inspectStack(target: StackTarget, ports: Ports, out: TargetInspection): Promise<void> {
  const stack = await ports.cloudformation.describeStack(target.stack);
  if (!stack || stack.status === 'DELETE_COMPLETE') {
    out.current = 'no stack yet (it will be created)';
    return;
  }
  out.stackStatus = stack.status;
  const param = target.releaseParameters.version;
  const version = param ? stack.parameters[param] : undefined;
  out.current = `${stack.stackName} ${stack.status}${version ? `, ${param}=${version}` : ''}`;
  if (stack.status.endsWith('_IN_PROGRESS')) Object.assign(out, { busy: true, busyReason: `stack ${stack.stackName} is ${stack.status}` });
  if (stack.status === 'ROLLBACK_COMPLETE' || stack.status.endsWith('_FAILED')) {
    out.problems.push({
      problem: `stack ${stack.stackName} is ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ''}`,
      action: stack.status === 'ROLLBACK_COMPLETE' ? 'delete the stack (a stack whose creation rolled back cannot be updated), then run again' : 'fix the stack (see its events), then run again',
      blocking: stack.status === 'ROLLBACK_COMPLETE' || stack.status === 'UPDATE_ROLLBACK_FAILED',
    });
  }
}

async function inspectWeb(target: WebTarget, ports: Ports, out: TargetInspection): Promise<void> {
  try {
    const marker = await ports.s3.getObject({ bucket: target.bucket, key: `${target.prefix}${MARKER}` });
    const doc = JSON.parse(Buffer.from(marker.body).toString('utf8')) as { version?: unknown };
    out.current = typeof doc.version === 'string' ? `release ${doc.version}` : 'an unknown release';
  } catch (e) {
    if (!isEdgeError(e, 'AWS_NOT_FOUND') && !(e instanceof SyntaxError)) throw e;
    out.current = e instanceof SyntaxError ? 'an unreadable release marker' : 'no release yet';
  }
}
