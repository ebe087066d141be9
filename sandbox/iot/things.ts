// IoT things: CreateThing (idempotent for identical input, as AWS), DescribeThing, UpdateThing
// (attribute merge), DeleteThing (idempotent; refused while principals are attached), ListThings
// (attribute and type filters, pagination).
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  checkName,
  entry,
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
  type JsonInput,
  type ThingRecord,
} from './iot-state.js';

const MAX_ATTRIBUTES = 50;
const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.,@/:#=[\]-]+$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]*$/;

export const thingArn = (call: Pick<IotCall, 'region' | 'accountId'>, name: string): string => iotArn(call.region, call.accountId, `thing/${name}`);

/** attributePayload.attributes, checked as AWS checks them. */
export function attributesOf(payload: JsonInput | undefined): Record<string, string> | undefined {
  const attributes = payload?.stringMap('attributes');
  if (!attributes) return undefined;
  const names = Object.keys(attributes);
  if (names.length > MAX_ATTRIBUTES) throw invalidRequest(`A thing can have at most ${MAX_ATTRIBUTES} attributes; ${names.length} were given`);
  for (const name of names) {
    if (name.length > 128 || !ATTRIBUTE_NAME.test(name)) throw invalidRequest(`Attribute name '${name}' is invalid: 1-128 characters of [a-zA-Z0-9_.,@/:#=[]-]`);
    const value = attributes[name]!;
    if (value.length > 800 || !ATTRIBUTE_VALUE.test(value)) throw invalidRequest(`Attribute value '${value}' of '${name}' is invalid: up to 800 characters of [a-zA-Z0-9_.,@/:#=[]-]`);
  }
  return attributes;
}

function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

function refuseThingType(typeName: string | undefined): void {
  // CreateThingType is not served, so no thing type exists in the sandbox.
  if (typeName !== undefined) throw notFound(`Thing type ${typeName} does not exist (the sandbox does not serve thing types: omit thingTypeName)`);
}

function createThing(call: IotCall): unknown {
  const name = checkName('thing', 'thingName', call.labels[0]!);
  const attributes = attributesOf(call.input.obj('attributePayload')) ?? {};
  const thingTypeName = call.input.str('thingTypeName');
  const billingGroupName = call.input.str('billingGroupName');
  const existing = entry(call.state.things, name);
  if (existing) {
    if (sameAttributes(existing.attributes, attributes) && existing.thingTypeName === thingTypeName && existing.billingGroupName === billingGroupName) {
      return { thingName: name, thingArn: thingArn(call, name), thingId: existing.thingId };
    }
    throw alreadyExists(`Thing ${name} already exists in account with different attributes`, existing.thingId, thingArn(call, name));
  }
  refuseThingType(thingTypeName);
  if (billingGroupName !== undefined) throw notFound(`Billing group ${billingGroupName} does not exist (the sandbox does not serve billing groups)`);
  const thing: ThingRecord = { thingName: name, thingId: randomUUID(), attributes, version: 1, creationDate: call.now, principals: [] };
  setEntry(call.state.things, name, thing);
  return { thingName: name, thingArn: thingArn(call, name), thingId: thing.thingId };
}

function describeThing(call: IotCall): unknown {
  const thing = requireThing(call, call.labels[0]!);
  return {
    defaultClientId: thing.thingName,
    thingName: thing.thingName,
    thingId: thing.thingId,
    thingArn: thingArn(call, thing.thingName),
    thingTypeName: thing.thingTypeName,
    attributes: thing.attributes,
    version: thing.version,
    billingGroupName: thing.billingGroupName,
  };
}

function checkExpectedVersion(thing: ThingRecord, expected: number | undefined): void {
  if (expected !== undefined && expected !== thing.version) {
    throw versionConflict(`The version for thing ${thing.thingName} does not match the expected version (expected ${expected}, current ${thing.version}).`);
  }
}

function updateThing(call: IotCall): unknown {
  const thing = requireThing(call, call.labels[0]!);
  checkExpectedVersion(thing, call.input.num('expectedVersion'));
  const payload = call.input.obj('attributePayload');
  const attributes = attributesOf(payload);
  refuseThingType(call.input.str('thingTypeName'));
  if (call.input.bool('removeThingType')) delete thing.thingTypeName;
  if (attributes) {
    if (payload?.bool('merge')) {
      // merge: add/replace the given attributes; an empty value removes one.
      for (const [k, v] of Object.entries(attributes)) {
        if (v === '') delete thing.attributes[k];
        else setEntry(thing.attributes, k, v);
      }
    } else {
      thing.attributes = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== ''));
    }
  }
  thing.version += 1;
  return {};
}

function deleteThing(call: IotCall): unknown {
  const name = call.labels[0]!;
  const thing = entry(call.state.things, name);
  if (!thing) return {}; // AWS: deleting a thing that does not exist succeeds.
  checkExpectedVersion(thing, queryInt(call.query, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER));
  if (thing.principals.length > 0) {
    throw invalidRequest(`Cannot delete. Thing ${name} is still attached to one or more principals: detach them first (DetachThingPrincipal)`);
  }
  for (const group of Object.values(call.state.thingGroups)) group.things = group.things.filter((t) => t !== name);
  delete call.state.things[name];
  return {};
}

function listThings(call: IotCall): unknown {
  const size = queryInt(call.query, 'maxResults', 1, 250) ?? 50;
  const attributeName = call.query.get('attributeName');
  const attributeValue = call.query.get('attributeValue');
  const prefix = queryBool(call.query, 'usePrefixAttributeValue');
  const typeName = call.query.get('thingTypeName');
  if (prefix && (attributeName === null || attributeValue === null)) {
    throw invalidRequest('usePrefixAttributeValue needs attributeName and attributeValue');
  }
  const matches = (t: ThingRecord): boolean => {
    if (typeName !== null && t.thingTypeName !== typeName) return false;
    if (attributeName === null) return true;
    const value = entry(t.attributes, attributeName);
    if (value === undefined) return false;
    return attributeValue === null || (prefix ? value.startsWith(attributeValue) : value === attributeValue);
  };
  const things = Object.values(call.state.things)
    .filter(matches)
    .sort((a, b) => (a.thingName < b.thingName ? -1 : a.thingName > b.thingName ? 1 : 0));
  const p = page(things, (t) => t.thingName, call.query.get('nextToken'), size);
  return {
    things: p.items.map((t) => ({ thingName: t.thingName, thingTypeName: t.thingTypeName, thingArn: thingArn(call, t.thingName), attributes: t.attributes, version: t.version })),
    nextToken: p.next,
  };
}

const THING = /^\/things\/([^/]+)$/;

export const thingRoutes: readonly IotRoute[] = [
  { method: 'GET', path: /^\/things$/, operation: 'ListThings', run: listThings },
  { method: 'POST', path: THING, operation: 'CreateThing', run: createThing, mutates: true },
  { method: 'GET', path: THING, operation: 'DescribeThing', run: describeThing },
  { method: 'PATCH', path: THING, operation: 'UpdateThing', run: updateThing, mutates: true },
  { method: 'DELETE', path: THING, operation: 'DeleteThing', run: deleteThing, mutates: true },
];
