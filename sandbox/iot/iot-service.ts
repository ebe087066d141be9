// The IoT control plane (REST-JSON, SigV4 service `iot`): routes each request by method and path to
// its operation, runs it against the caller's account/region document in the sandbox store, and
// answers JSON. Also the read-only IotDirectory the MQTT broker and the credentials provider use.
import type { Clock, SandboxStore, ServiceHandler } from '../types.js';
import { AwsError } from '../types.js';
import { certificateRoutes } from './certificates.js';
import { entry, iotArn, iotState, IOT_STORE_SERVICE, JsonInput, type IotRoute, type IotState } from './iot-state.js';
import { policyRoutes } from './policies.js';
import { roleAliasRoutes, type IotEndpointAddresses } from './role-aliases.js';
import { thingGroupRoutes } from './thing-groups.js';
import { thingRoutes } from './things.js';
import type { IotCa, IotDirectory } from './types.js';

export type { IotEndpointAddresses } from './role-aliases.js';

export interface IotServiceDeps {
  readonly store: SandboxStore;
  readonly ca: IotCa;
  readonly clock?: Clock;
  /** Where the broker and the credentials provider listen (read per DescribeEndpoint call: they may start after this service). */
  readonly endpoints: () => IotEndpointAddresses;
}

export type IotServiceHandler = ServiceHandler & { readonly directory: IotDirectory };

function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AwsError('InvalidRequestException', `The path segment ${raw} is not valid percent-encoding`, 400);
  }
}

/** Lookups into every account's and region's IoT state, without creating documents. */
export function createIotDirectory(store: SandboxStore): IotDirectory {
  const stateOf = (accountId: string, region: string): IotState | undefined =>
    store.docs<IotState>(IOT_STORE_SERVICE).find((d) => d.accountId === accountId && d.region === region)?.doc;
  return {
    certificate(certificateId) {
      const id = certificateId.toLowerCase();
      for (const { accountId, region, doc } of store.docs<IotState>(IOT_STORE_SERVICE)) {
        const c = entry(doc.certificates, id);
        if (c) return { accountId, region, certificateId: id, certificateArn: iotArn(region, accountId, `cert/${id}`), status: c.status, certificatePem: c.certificatePem };
      }
      return undefined;
    },
    thingsForPrincipal(accountId, region, principalArn) {
      const state = stateOf(accountId, region);
      if (!state) return [];
      return Object.values(state.things)
        .filter((t) => t.principals.some((p) => p.arn === principalArn))
        .map((t) => t.thingName);
    },
    roleAlias(accountId, region, alias) {
      const state = stateOf(accountId, region);
      const rec = state && entry(state.roleAliases, alias);
      return rec ? { roleArn: rec.roleArn, credentialDurationSeconds: rec.credentialDurationSeconds } : undefined;
    },
    thingExists(accountId, region, thingName) {
      const state = stateOf(accountId, region);
      return state !== undefined && entry(state.things, thingName) !== undefined;
    },
  };
}

export function createIotService(deps: IotServiceDeps): IotServiceHandler {
  const routes: readonly IotRoute[] = [...thingGroupRoutes, ...thingRoutes, ...certificateRoutes(deps.ca), ...policyRoutes, ...roleAliasRoutes(deps.endpoints)];
  const served = [...new Set(routes.map((r) => r.operation))].sort().join(', ');
  const now = (): number => (deps.clock?.now() ?? new Date()).getTime();

  const handler: ServiceHandler = async (req) => {
    let found: { route: IotRoute; labels: string[] } | undefined;
    for (const route of routes) {
      if (route.method !== req.method) continue;
      const m = route.path.exec(req.rawPath);
      if (m) {
        found = { route, labels: m.slice(1).map(decodeLabel) };
        break;
      }
    }
    if (!found) {
      throw new AwsError('UnknownOperationException', `${req.method} ${req.rawPath} is not an IoT operation the sandbox serves (it serves: ${served})`, 404);
    }
    const { route, labels } = found;
    const accountId = req.principal.accountId;
    const out = await route.run({
      accountId,
      region: req.region,
      state: iotState(deps.store, accountId, req.region),
      now: now(),
      input: JsonInput.parse(req.body),
      query: req.query,
      headers: req.headers,
      labels,
    });
    if (route.mutates) deps.store.changed();
    return out === undefined
      ? { status: 200 }
      : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) };
  };
  return Object.assign(handler, { directory: createIotDirectory(deps.store) });
}
