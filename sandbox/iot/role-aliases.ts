// Role aliases (CreateRoleAlias, DescribeRoleAlias, UpdateRoleAlias, DeleteRoleAlias,
// ListRoleAliases) and DescribeEndpoint. The sandbox's endpoints are loopback listeners with their
// own ports, so DescribeEndpoint answers `host:port` where AWS answers a host name alone.
import { parseRoleArn } from './device-role.js';
import {
  alreadyExists,
  checkName,
  entry,
  epochSeconds,
  invalidRequest,
  iotArn,
  notFound,
  page,
  queryInt,
  setEntry,
  type IotCall,
  type IotRoute,
  type RoleAliasRecord,
} from './iot-state.js';

/** Where the sandbox's IoT listeners are, as host:port. */
export interface IotEndpointAddresses {
  /** The MQTT broker (mutual TLS): iot:Data-ATS and iot:Data. */
  readonly data: string;
  /** The credentials provider (mutual TLS HTTPS): iot:CredentialProvider. */
  readonly credentials: string;
}

const MIN_DURATION = 900;
const MAX_DURATION = 43200;
const DEFAULT_DURATION = 3600;

const aliasArn = (call: IotCall, alias: string): string => iotArn(call.region, call.accountId, `rolealias/${alias}`);

function checkRoleArn(roleArn: string): string {
  if (roleArn.length < 20 || !parseRoleArn(roleArn)) throw invalidRequest(`roleArn ${roleArn} is invalid: expected arn:aws:iam::<12-digit account>:role/<name>`);
  return roleArn;
}

function duration(call: IotCall): number | undefined {
  const d = call.input.num('credentialDurationSeconds');
  if (d !== undefined && !(Number.isInteger(d) && d >= MIN_DURATION && d <= MAX_DURATION)) {
    throw invalidRequest(`1 validation error detected: Value '${d}' at 'credentialDurationSeconds' failed to satisfy constraint: Member must have value between ${MIN_DURATION} and ${MAX_DURATION}`);
  }
  return d;
}

function requireAlias(call: IotCall, alias: string): RoleAliasRecord {
  const rec = entry(call.state.roleAliases, alias);
  if (!rec) throw notFound(`Role alias ${alias} does not exist`);
  return rec;
}

function createRoleAlias(call: IotCall): unknown {
  const alias = checkName('roleAlias', 'roleAlias', call.labels[0]!);
  const roleArn = checkRoleArn(call.input.requiredStr('roleArn'));
  const seconds = duration(call) ?? DEFAULT_DURATION;
  if (entry(call.state.roleAliases, alias)) throw alreadyExists(`Role alias ${alias} already exists`, alias, aliasArn(call, alias));
  setEntry(call.state.roleAliases, alias, { roleAlias: alias, roleArn, credentialDurationSeconds: seconds, creationDate: call.now, lastModifiedDate: call.now });
  return { roleAlias: alias, roleAliasArn: aliasArn(call, alias) };
}

function describeRoleAlias(call: IotCall): unknown {
  const rec = requireAlias(call, call.labels[0]!);
  return {
    roleAliasDescription: {
      roleAlias: rec.roleAlias,
      roleAliasArn: aliasArn(call, rec.roleAlias),
      roleArn: rec.roleArn,
      owner: call.accountId,
      credentialDurationSeconds: rec.credentialDurationSeconds,
      creationDate: epochSeconds(rec.creationDate),
      lastModifiedDate: epochSeconds(rec.lastModifiedDate),
    },
  };
}

function updateRoleAlias(call: IotCall): unknown {
  const rec = requireAlias(call, call.labels[0]!);
  const roleArn = call.input.str('roleArn');
  const seconds = duration(call);
  if (roleArn !== undefined) rec.roleArn = checkRoleArn(roleArn);
  if (seconds !== undefined) rec.credentialDurationSeconds = seconds;
  rec.lastModifiedDate = call.now;
  return { roleAlias: rec.roleAlias, roleAliasArn: aliasArn(call, rec.roleAlias) };
}

function deleteRoleAlias(call: IotCall): unknown {
  const rec = requireAlias(call, call.labels[0]!);
  delete call.state.roleAliases[rec.roleAlias];
  return {};
}

function listRoleAliases(call: IotCall): unknown {
  const names = Object.keys(call.state.roleAliases).sort();
  if (call.query.get('isAscendingOrder') === 'false') names.reverse();
  const p = page(names, (n) => n, call.query.get('marker'), queryInt(call.query, 'pageSize', 1, 250) ?? 25);
  return { roleAliases: p.items, nextMarker: p.next };
}

function describeEndpoint(endpoints: () => IotEndpointAddresses, call: IotCall): unknown {
  const type = call.query.get('endpointType') ?? 'iot:Data';
  switch (type) {
    case 'iot:Data':
    case 'iot:Data-ATS':
      return { endpointAddress: endpoints().data };
    case 'iot:CredentialProvider':
      return { endpointAddress: endpoints().credentials };
    case 'iot:Jobs':
      throw invalidRequest('The sandbox does not serve the IoT Jobs data plane (iot:Jobs); it serves iot:Data-ATS, iot:Data and iot:CredentialProvider');
    default:
      throw invalidRequest(`Endpoint type ${type} is invalid: use iot:Data-ATS, iot:Data, iot:CredentialProvider or iot:Jobs`);
  }
}

const ALIAS = /^\/role-aliases\/([^/]+)$/;

export function roleAliasRoutes(endpoints: () => IotEndpointAddresses): readonly IotRoute[] {
  return [
    { method: 'GET', path: /^\/role-aliases$/, operation: 'ListRoleAliases', run: listRoleAliases },
    { method: 'POST', path: ALIAS, operation: 'CreateRoleAlias', run: createRoleAlias, mutates: true },
    { method: 'GET', path: ALIAS, operation: 'DescribeRoleAlias', run: describeRoleAlias },
    { method: 'PUT', path: ALIAS, operation: 'UpdateRoleAlias', run: updateRoleAlias, mutates: true },
    { method: 'DELETE', path: ALIAS, operation: 'DeleteRoleAlias', run: deleteRoleAlias, mutates: true },
    { method: 'GET', path: /^\/endpoint$/, operation: 'DescribeEndpoint', run: (call) => describeEndpoint(endpoints, call) },
  ];
}
