// Static thing groups: CreateThingGroup (idempotent for identical input), DescribeThingGroup,
// DeleteThingGroup, AddThingToThingGroup / RemoveThingFromThingGroup (by name or ARN),
// ListThingsInThingGroup (recursive), ListThingGroupsForThing, ListThingGroups.
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  checkName,
  entry,
  epochSeconds,
  invalidRequest,
  iotArn,
  notFound,
  page,
  queryBool,
  queryInt,
  requireThing,
  setEntry,
  versionConflict,
  type IotCall,
  type IotRoute,
  type ThingGroupRecord,
} from './iot-state.js';
import { attributesOf } from './things.js';

/** A thing may be in at most this many groups (AWS's limit). */
const MAX_GROUPS_PER_THING = 10;

const groupArn = (call: IotCall, name: string): string => iotArn(call.region, call.accountId, `thinggroup/${name}`);
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function requireGroup(call: IotCall, name: string): ThingGroupRecord {
  const group = entry(call.state.thingGroups, name);
  if (!group) throw notFound(`Thing Group ${name} does not exist`);
  return group;
}

/** The group's ancestors, root first. */
function ancestors(call: IotCall, group: ThingGroupRecord): ThingGroupRecord[] {
  const out: ThingGroupRecord[] = [];
  for (let g = group; g.parentGroupName !== undefined; ) {
    const parent = entry(call.state.thingGroups, g.parentGroupName);
    if (!parent || out.includes(parent)) break;
    out.unshift(parent);
    g = parent;
  }
  return out;
}

function createThingGroup(call: IotCall): unknown {
  const name = checkName('thing', 'thingGroupName', call.labels[0]!);
  const props = call.input.obj('thingGroupProperties');
  const description = props?.str('thingGroupDescription');
  const attributes = attributesOf(props?.obj('attributePayload')) ?? {};
  const parentGroupName = call.input.str('parentGroupName');
  const existing = entry(call.state.thingGroups, name);
  if (existing) {
    const same =
      existing.parentGroupName === parentGroupName &&
      existing.description === description &&
      JSON.stringify(Object.entries(existing.attributes).sort()) === JSON.stringify(Object.entries(attributes).sort());
    if (same) return { thingGroupName: name, thingGroupArn: groupArn(call, name), thingGroupId: existing.thingGroupId };
    throw alreadyExists(`Thing Group ${name} already exists with different tags or properties`, existing.thingGroupId, groupArn(call, name));
  }
  if (parentGroupName !== undefined) requireGroup(call, parentGroupName);
  const group: ThingGroupRecord = {
    thingGroupName: name,
    thingGroupId: randomUUID(),
    ...(description !== undefined ? { description } : {}),
    attributes,
    ...(parentGroupName !== undefined ? { parentGroupName } : {}),
    version: 1,
    creationDate: call.now,
    things: [],
  };
  setEntry(call.state.thingGroups, name, group);
  return { thingGroupName: name, thingGroupArn: groupArn(call, name), thingGroupId: group.thingGroupId };
}

function describeThingGroup(call: IotCall): unknown {
  const group = requireGroup(call, call.labels[0]!);
  return {
    thingGroupName: group.thingGroupName,
    thingGroupId: group.thingGroupId,
    thingGroupArn: groupArn(call, group.thingGroupName),
    version: group.version,
    thingGroupProperties: { thingGroupDescription: group.description, attributePayload: { attributes: group.attributes } },
    thingGroupMetadata: {
      parentGroupName: group.parentGroupName,
      rootToParentThingGroups: ancestors(call, group).map((g) => ({ groupName: g.thingGroupName, groupArn: groupArn(call, g.thingGroupName) })),
      creationDate: epochSeconds(group.creationDate),
    },
  };
}

function deleteThingGroup(call: IotCall): unknown {
  const name = call.labels[0]!;
  const group = entry(call.state.thingGroups, name);
  if (!group) return {};
  const expected = queryInt(call.query, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER);
  if (expected !== undefined && expected !== group.version) throw versionConflict(`The version for thing group ${name} does not match the expected version.`);
  if (Object.values(call.state.thingGroups).some((g) => g.parentGroupName === name)) {
    throw invalidRequest(`Cannot delete thing group ${name}: it has child groups; delete them first`);
  }
  delete call.state.thingGroups[name];
  return {};
}

/** The group and thing a membership call names (by name, or by ARN of this account and region). */
function membershipTarget(call: IotCall): { group: ThingGroupRecord; thingName: string } {
  const nameFromArn = (arn: string | undefined, kind: string): string | undefined => {
    if (arn === undefined) return undefined;
    const prefix = iotArn(call.region, call.accountId, `${kind}/`);
    if (!arn.startsWith(prefix)) throw invalidRequest(`${arn} is not a ${kind} ARN of account ${call.accountId} in ${call.region}`);
    return arn.slice(prefix.length);
  };
  const groupName = call.input.str('thingGroupName') ?? nameFromArn(call.input.str('thingGroupArn'), 'thinggroup');
  const thingName = call.input.str('thingName') ?? nameFromArn(call.input.str('thingArn'), 'thing');
  if (groupName === undefined || thingName === undefined) throw invalidRequest('Give the thing group (thingGroupName or thingGroupArn) and the thing (thingName or thingArn)');
  return { group: requireGroup(call, groupName), thingName: requireThing(call, thingName).thingName };
}

function addThingToThingGroup(call: IotCall): unknown {
  const { group, thingName } = membershipTarget(call);
  if (group.things.includes(thingName)) return {};
  const memberships = Object.values(call.state.thingGroups).filter((g) => g.things.includes(thingName)).length;
  if (memberships >= MAX_GROUPS_PER_THING) {
    throw invalidRequest(`Thing ${thingName} is already in ${MAX_GROUPS_PER_THING} thing groups, the most a thing can belong to: remove it from one first`);
  }
  group.things.push(thingName);
  return {};
}

function removeThingFromThingGroup(call: IotCall): unknown {
  const { group, thingName } = membershipTarget(call);
  group.things = group.things.filter((t) => t !== thingName);
  return {};
}

function listThingsInThingGroup(call: IotCall): unknown {
  const group = requireGroup(call, call.labels[0]!);
  const names = new Set(group.things);
  if (queryBool(call.query, 'recursive')) {
    for (const g of Object.values(call.state.thingGroups)) {
      if (g !== group && ancestors(call, g).includes(group)) for (const t of g.things) names.add(t);
    }
  }
  const p = page([...names].sort(byName), (t) => t, call.query.get('nextToken'), queryInt(call.query, 'maxResults', 1, 250) ?? 25);
  return { things: p.items, nextToken: p.next };
}

function listThingGroupsForThing(call: IotCall): unknown {
  const thing = requireThing(call, call.labels[0]!);
  const groups = Object.values(call.state.thingGroups)
    .filter((g) => g.things.includes(thing.thingName))
    .map((g) => g.thingGroupName)
    .sort(byName);
  const p = page(groups, (g) => g, call.query.get('nextToken'), queryInt(call.query, 'maxResults', 1, 250) ?? 25);
  return { thingGroups: p.items.map((g) => ({ groupName: g, groupArn: groupArn(call, g) })), nextToken: p.next };
}

function listThingGroups(call: IotCall): unknown {
  const parent = call.query.get('parentGroup');
  const prefix = call.query.get('namePrefixFilter') ?? '';
  const recursive = queryBool(call.query, 'recursive');
  const parentGroup = parent === null ? undefined : requireGroup(call, parent);
  const groups = Object.values(call.state.thingGroups)
    .filter((g) => g.thingGroupName.startsWith(prefix))
    .filter((g) => !parentGroup || (recursive ? ancestors(call, g).includes(parentGroup) : g.parentGroupName === parentGroup.thingGroupName))
    .map((g) => g.thingGroupName)
    .sort(byName);
  const p = page(groups, (g) => g, call.query.get('nextToken'), queryInt(call.query, 'maxResults', 1, 250) ?? 25);
  return { thingGroups: p.items.map((g) => ({ groupName: g, groupArn: groupArn(call, g) })), nextToken: p.next };
}

const GROUP = /^\/thing-groups\/([^/]+)$/;

export const thingGroupRoutes: readonly IotRoute[] = [
  // The fixed paths first: they would otherwise match the {thingGroupName} routes.
  { method: 'PUT', path: /^\/thing-groups\/addThingToThingGroup$/, operation: 'AddThingToThingGroup', run: addThingToThingGroup, mutates: true },
  { method: 'PUT', path: /^\/thing-groups\/removeThingFromThingGroup$/, operation: 'RemoveThingFromThingGroup', run: removeThingFromThingGroup, mutates: true },
  { method: 'GET', path: /^\/thing-groups$/, operation: 'ListThingGroups', run: listThingGroups },
  { method: 'POST', path: GROUP, operation: 'CreateThingGroup', run: createThingGroup, mutates: true },
  { method: 'GET', path: GROUP, operation: 'DescribeThingGroup', run: describeThingGroup },
  { method: 'DELETE', path: GROUP, operation: 'DeleteThingGroup', run: deleteThingGroup, mutates: true },
  { method: 'GET', path: /^\/thing-groups\/([^/]+)\/things$/, operation: 'ListThingsInThingGroup', run: listThingsInThingGroup },
  { method: 'GET', path: /^\/things\/([^/]+)\/thing-groups$/, operation: 'ListThingGroupsForThing', run: listThingGroupsForThing },
];
