// Reads what AWS holds for a set of devices: registrations (BatchGetOnPremisesInstances, 100 names
// a call), and for IoT / created-IAM-user devices their thing, certificates, groups, user and keys.
import { BatchGetOnPremisesInstancesCommand, type InstanceInfo } from '@aws-sdk/client-codedeploy';
import { GetUserCommand, GetUserPolicyCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { DescribeThingCommand, ListThingGroupsForThingCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { isAwsError, type FleetAws } from './aws.js';
import { BATCH_GET_LIMIT, IAM_USER_POLICY_NAME, type DeviceSpec } from './model.js';
import type { ObservedInstance, ObservedThing, ObservedUser } from './plan.js';
import { chunks } from './pool.js';

export function toObservedInstance(info: InstanceInfo): ObservedInstance {
  const arn = info.iamUserArn ?? info.iamSessionArn;
  return {
    registered: info.deregisterTime === undefined,
    ...(arn ? { arn } : {}),
    tags: (info.tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' })),
  };
}

/** Instance info by name, for those that exist (registered or deregistered). */
export async function batchGetInstances(aws: FleetAws, names: readonly string[]): Promise<Map<string, InstanceInfo>> {
  const out = new Map<string, InstanceInfo>();
  await Promise.all(
    chunks(names, BATCH_GET_LIMIT).map(async (batch) => {
      const r = await aws.send('codedeploy', new BatchGetOnPremisesInstancesCommand({ instanceNames: batch }));
      for (const i of r.instanceInfos ?? []) if (i.instanceName) out.set(i.instanceName, i);
    }),
  );
  return out;
}

async function pages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    token = page.next;
  } while (token);
  return all;
}

export async function thingPrincipals(aws: FleetAws, thingName: string): Promise<string[]> {
  return pages(async (nextToken) => {
    const r = await aws.send('iot', new ListThingPrincipalsCommand({ thingName, ...(nextToken ? { nextToken } : {}) }));
    return { items: r.principals ?? [], next: r.nextToken };
  });
}

export async function observeThing(aws: FleetAws, device: DeviceSpec): Promise<ObservedThing> {
  try {
    await aws.send('iot', new DescribeThingCommand({ thingName: device.name }));
  } catch (e) {
    if (isAwsError(e, 'ResourceNotFoundException')) return { exists: false, principals: [], groups: [] };
    throw e;
  }
  const principals = await thingPrincipals(aws, device.name);
  const groups = device.thingGroup
    ? await pages(async (nextToken) => {
        const r = await aws.send('iot', new ListThingGroupsForThingCommand({ thingName: device.name, ...(nextToken ? { nextToken } : {}) }));
        return { items: (r.thingGroups ?? []).map((g) => g.groupName ?? ''), next: r.nextToken };
      })
    : [];
  return { exists: true, principals, groups };
}

export async function observeUser(aws: FleetAws, userName: string): Promise<ObservedUser> {
  try {
    await aws.send('iam', new GetUserCommand({ UserName: userName }));
  } catch (e) {
    if (isAwsError(e, 'NoSuchEntityException', 'NoSuchEntity')) return { exists: false, accessKeyIds: [], policyPresent: false };
    throw e;
  }
  const keys = await aws.send('iam', new ListAccessKeysCommand({ UserName: userName }));
  let policyPresent = true;
  try {
    await aws.send('iam', new GetUserPolicyCommand({ UserName: userName, PolicyName: IAM_USER_POLICY_NAME }));
  } catch (e) {
    if (!isAwsError(e, 'NoSuchEntityException', 'NoSuchEntity')) throw e;
    policyPresent = false;
  }
  return { exists: true, accessKeyIds: (keys.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? ''), policyPresent };
}
