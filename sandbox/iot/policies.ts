// IoT policies (one version each): CreatePolicy, GetPolicy, DeletePolicy (refused while attached),
// ListPolicies, AttachPolicy / DetachPolicy (targets: certificate ARNs, thing group ARNs, Cognito
// identities), ListAttachedPolicies (recursive through parent thing groups), ListTargetsForPolicy.
// The documents are checked for shape and stored; the sandbox does not evaluate them.
import { randomBytes } from 'node:crypto';
import { AwsError } from '../types.js';
import { certificateArn } from './certificates.js';
import {
  alreadyExists,
  checkName,
  deleteConflict,
  entry,
  epochSeconds,
  iotArn,
  notFound,
  page,
  queryBool,
  queryInt,
  setEntry,
  type IotCall,
  type IotRoute,
  type PolicyRecord,
} from './iot-state.js';

const policyArn = (call: IotCall, name: string): string => iotArn(call.region, call.accountId, `policy/${name}`);
const malformed = (why: string): AwsError => new AwsError('MalformedPolicyException', `Policy document is malformed: ${why}`, 400);

/** The document must be a JSON policy: Statement(s) with Effect Allow|Deny, Action and Resource. */
export function checkPolicyDocument(text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('it is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed('it must be a JSON object');
  const raw = (doc as Record<string, unknown>)['Statement'];
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (statements.length === 0) throw malformed('it has no Statement');
  for (const [i, s] of statements.entries()) {
    const st = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') throw malformed(`Statement ${i}: Effect must be Allow or Deny`);
    if (st['Action'] === undefined && st['NotAction'] === undefined) throw malformed(`Statement ${i}: Action is missing`);
    if (st['Resource'] === undefined && st['NotResource'] === undefined) throw malformed(`Statement ${i}: Resource is missing`);
  }
}

function requirePolicy(call: IotCall, name: string): PolicyRecord {
  const policy = entry(call.state.policies, name);
  if (!policy) throw notFound(`Policy ${name} does not exist`);
  return policy;
}

function createPolicy(call: IotCall): unknown {
  const name = checkName('policy', 'policyName', call.labels[0]!);
  const document = call.input.requiredStr('policyDocument');
  const existing = entry(call.state.policies, name);
  if (existing) throw alreadyExists(`Policy ${name} already exists`, name, policyArn(call, name));
  checkPolicyDocument(document);
  const policy: PolicyRecord = {
    policyName: name,
    policyDocument: document,
    creationDate: call.now,
    lastModifiedDate: call.now,
    generationId: randomBytes(32).toString('hex'),
    targets: [],
  };
  setEntry(call.state.policies, name, policy);
  return { policyName: name, policyArn: policyArn(call, name), policyDocument: document, policyVersionId: '1' };
}

function getPolicy(call: IotCall): unknown {
  const p = requirePolicy(call, call.labels[0]!);
  return {
    policyName: p.policyName,
    policyArn: policyArn(call, p.policyName),
    policyDocument: p.policyDocument,
    defaultVersionId: '1',
    creationDate: epochSeconds(p.creationDate),
    lastModifiedDate: epochSeconds(p.lastModifiedDate),
    generationId: p.generationId,
  };
}

function deletePolicy(call: IotCall): unknown {
  const p = requirePolicy(call, call.labels[0]!);
  if (p.targets.length > 0) throw deleteConflict(`The policy cannot be deleted as the policy is attached to one or more principals (name=${p.policyName})`);
  delete call.state.policies[p.policyName];
  return undefined;
}

function listPolicies(call: IotCall): unknown {
  const names = Object.keys(call.state.policies).sort();
  if (call.query.get('isAscendingOrder') === 'false') names.reverse();
  const p = page(names, (n) => n, call.query.get('marker'), queryInt(call.query, 'pageSize', 1, 250) ?? 25);
  return { policies: p.items.map((n) => ({ policyName: n, policyArn: policyArn(call, n) })), nextMarker: p.next };
}

/** A target of this account and region (certificate, thing group) must exist. */
function checkTarget(call: IotCall, target: string): void {
  const cert = certificateArn(call, '');
  if (target.startsWith(cert) && !entry(call.state.certificates, target.slice(cert.length))) throw notFound(`The certificate ${target} does not exist`);
  const group = iotArn(call.region, call.accountId, 'thinggroup/');
  if (target.startsWith(group) && !entry(call.state.thingGroups, target.slice(group.length))) throw notFound(`Thing Group ${target.slice(group.length)} does not exist`);
}

function attachPolicy(call: IotCall): unknown {
  const p = requirePolicy(call, call.labels[0]!);
  const target = call.input.requiredStr('target');
  checkTarget(call, target);
  if (!p.targets.includes(target)) p.targets.push(target);
  return undefined;
}

function detachPolicy(call: IotCall): unknown {
  const p = requirePolicy(call, call.labels[0]!);
  const target = call.input.requiredStr('target');
  p.targets = p.targets.filter((t) => t !== target);
  return undefined;
}

function listAttachedPolicies(call: IotCall): unknown {
  const target = call.labels[0]!;
  checkTarget(call, target);
  const targets = new Set([target]);
  const groupPrefix = iotArn(call.region, call.accountId, 'thinggroup/');
  if (queryBool(call.query, 'recursive') && target.startsWith(groupPrefix)) {
    // A thing group's policies include those of its ancestors.
    for (let g = entry(call.state.thingGroups, target.slice(groupPrefix.length)); g?.parentGroupName !== undefined; ) {
      const parent: string = g.parentGroupName;
      if (targets.has(groupPrefix + parent)) break;
      targets.add(groupPrefix + parent);
      g = entry(call.state.thingGroups, parent);
    }
  }
  const names = Object.values(call.state.policies)
    .filter((p) => p.targets.some((t) => targets.has(t)))
    .map((p) => p.policyName)
    .sort();
  const p = page(names, (n) => n, call.query.get('marker'), queryInt(call.query, 'pageSize', 1, 250) ?? 25);
  return { policies: p.items.map((n) => ({ policyName: n, policyArn: policyArn(call, n) })), nextMarker: p.next };
}

function listTargetsForPolicy(call: IotCall): unknown {
  const policy = requirePolicy(call, call.labels[0]!);
  const p = page(policy.targets, (t) => t, call.query.get('marker'), queryInt(call.query, 'pageSize', 1, 250) ?? 25);
  return { targets: p.items, nextMarker: p.next };
}

const POLICY = /^\/policies\/([^/]+)$/;
const TARGET_POLICY = /^\/target-policies\/([^/]+)$/;

export const policyRoutes: readonly IotRoute[] = [
  { method: 'GET', path: /^\/policies$/, operation: 'ListPolicies', run: listPolicies },
  { method: 'POST', path: POLICY, operation: 'CreatePolicy', run: createPolicy, mutates: true },
  { method: 'GET', path: POLICY, operation: 'GetPolicy', run: getPolicy },
  { method: 'DELETE', path: POLICY, operation: 'DeletePolicy', run: deletePolicy, mutates: true },
  { method: 'PUT', path: TARGET_POLICY, operation: 'AttachPolicy', run: attachPolicy, mutates: true },
  { method: 'POST', path: TARGET_POLICY, operation: 'DetachPolicy', run: detachPolicy, mutates: true },
  { method: 'POST', path: /^\/attached-policies\/([^/]+)$/, operation: 'ListAttachedPolicies', run: listAttachedPolicies },
  { method: 'POST', path: /^\/policy-targets\/([^/]+)$/, operation: 'ListTargetsForPolicy', run: listTargetsForPolicy },
];
