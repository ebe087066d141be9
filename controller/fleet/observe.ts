// Reads what AWS holds for a set of devices, through the ports: registrations
// (BatchGetOnPremisesInstances, 100 names a call), and for IoT / created-IAM-user devices their thing,
// certificates, groups, user and keys. "Does not exist" is an answer here (AWS_NOT_FOUND), not a failure.
import { isEdgeError, type ErrorCode } from '../../shared/errors.js';
import type { IotPort, OnPremisesInstance } from '../aws/ports.js';
import { BATCH_GET_LIMIT, IAM_USER_POLICY_NAME, type DeviceSpec, type FleetPorts } from './model.js';
import { allPages, chunks } from './pool.js';

/** A registration as the planners see it. */
export interface ObservedInstance {
  readonly registered: boolean;
  readonly arn?: string;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
}

export interface ObservedThing {
  readonly exists: boolean;
  /** Certificate ARNs attached to the thing. */
  readonly principals: readonly string[];
  readonly groups: readonly string[];
}

export interface ObservedUser {
  readonly exists: boolean;
  readonly accessKeyIds: readonly string[];
  readonly policyPresent: boolean;
}

export const NO_THING: ObservedThing = { exists: false, principals: [], groups: [] };
export const NO_USER: ObservedUser = { exists: false, accessKeyIds: [], policyPresent: false };

export function toObservedInstance(info: OnPremisesInstance): ObservedInstance {
  const arn = info.iamUserArn ?? info.iamSessionArn;
  return { registered: info.deregisterTime === undefined, ...(arn ? { arn } : {}), tags: info.tags };
}

/** Runs `read`; AWS_NOT_FOUND becomes `missing`. */
export async function unlessMissing<T, M>(read: () => Promise<T>, missing: M): Promise<T | M> {
  try {
    return await read();
  } catch (e) {
    if (isEdgeError(e, 'AWS_NOT_FOUND')) return missing;
    throw e;
  }
}

/** Runs a change whose failure with `code` means it is already done ("already exists", "already gone"). */
export async function doneUnless(code: ErrorCode, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    if (!isEdgeError(e, code)) throw e;
  }
}

/** Instance info by name, for those that exist (registered or deregistered). */
export async function batchGetInstances(aws: Pick<FleetPorts, 'codedeploy'>, names: readonly string[]): Promise<Map<string, OnPremisesInstance>> {
  const out = new Map<string, OnPremisesInstance>();
  const batches = await Promise.all(chunks([...new Set(names)], BATCH_GET_LIMIT).map((batch) => aws.codedeploy.batchGetOnPremisesInstances(batch)));
  for (const i of batches.flat()) out.set(i.instanceName, i);
  return out;
}

export const thingPrincipals = (iot: IotPort, thingName: string): Promise<string[]> =>
  allPages((nextToken) => iot.listThingPrincipals({ thingName, ...(nextToken ? { nextToken } : {}) }));

export async function observeThing(aws: Pick<FleetPorts, 'iot'>, device: Pick<DeviceSpec, 'name' | 'thingGroup'>): Promise<ObservedThing> {
  const thing = await unlessMissing(() => aws.iot.describeThing(device.name), undefined);
  if (!thing) return NO_THING;
  const principals = await thingPrincipals(aws.iot, device.name);
  const groups = device.thingGroup
    ? await allPages((nextToken) => aws.iot.listThingGroupsForThing({ thingName: device.name, ...(nextToken ? { nextToken } : {}) }))
    : [];
  return { exists: true, principals, groups };
}

export async function observeUser(aws: Pick<FleetPorts, 'iam'>, userName: string): Promise<ObservedUser> {
  const user = await unlessMissing(() => aws.iam.getUser(userName), undefined);
  if (!user) return NO_USER;
  const keys = await aws.iam.listAccessKeys(userName);
  const policy = await unlessMissing(() => aws.iam.getUserPolicy(userName, IAM_USER_POLICY_NAME), undefined);
  return { exists: true, accessKeyIds: keys.map((k) => k.accessKeyId), policyPresent: policy !== undefined };
}
