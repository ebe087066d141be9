// The CodeDeploy public API (AWS JSON 1.1, X-Amz-Target: CodeDeploy_20141006.<Operation>) for EC2/
// on-premises in-place deployments, with the orchestration that runs them through the
// HostCommandBroker.
import type { Logger } from '../../shared/log.js';
import { silentLogger } from '../../shared/log.js';
import type { Clock, HostCommandBroker, InstanceDirectory, SandboxRequest, SandboxResponse, SandboxStore, ServiceHandler } from '../types.js';
import { AwsError } from '../types.js';
import { applicationOperations } from './applications.js';
import type { OpContext, Operation } from './context.js';
import { deploymentConfigOperations } from './deployment-configs.js';
import { deploymentGroupOperations } from './deployment-groups.js';
import { deploymentTargetOperations } from './deployment-targets.js';
import { deploymentOperations } from './deployments.js';
import type { Input } from './input.js';
import { findRegisteredByArn, onPremisesInstanceOperations } from './on-premises-instances.js';
import { DeploymentOrchestrator } from './orchestrator.js';
import { revisionOperations } from './revisions.js';
import { loadState, toEpochSeconds, type CodeDeployState } from './state.js';
import { parseJsonBody } from '../json-body.js';

export const TARGET_PREFIX = 'CodeDeploy_20141006.';
/** The official agent/service pickup timeout. */
export const DEFAULT_PICKUP_TIMEOUT_MS = 5 * 60_000;
/** CodeDeploy's per-event limit is the appspec's hook timeouts (max 3600 s each); one hour here. */
export const DEFAULT_COMPLETION_TIMEOUT_MS = 60 * 60_000;

export interface CodeDeployServiceDeps {
  readonly store: SandboxStore;
  readonly broker: HostCommandBroker;
  readonly clock?: Clock;
  readonly pickupTimeoutMs?: number;
  readonly completionTimeoutMs?: number;
  readonly log?: Logger;
}

export type CodeDeployService = ServiceHandler & {
  readonly instances: InstanceDirectory;
  /** Resolves once no deployment is running (including rollbacks it started). */
  idle(): Promise<void>;
  close(): Promise<void>;
};

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...applicationOperations,
  ...deploymentGroupOperations,
  ...deploymentConfigOperations,
  ...onPremisesInstanceOperations,
  ...revisionOperations,
  ...deploymentOperations,
  ...deploymentTargetOperations,
};

export function createCodeDeployService(deps: CodeDeployServiceDeps): CodeDeployService {
  const clock = deps.clock ?? { now: () => new Date() };
  const log = (deps.log ?? silentLogger()).child({ component: 'codedeploy' });
  const orchestrator = new DeploymentOrchestrator({
    store: deps.store,
    broker: deps.broker,
    clock,
    log,
    pickupTimeoutMs: deps.pickupTimeoutMs ?? DEFAULT_PICKUP_TIMEOUT_MS,
    completionTimeoutMs: deps.completionTimeoutMs ?? DEFAULT_COMPLETION_TIMEOUT_MS,
  });
  const now = () => toEpochSeconds(clock.now());

  const handler = async (req: SandboxRequest): Promise<SandboxResponse> => {
    const target = req.headers['x-amz-target'] ?? '';
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (req.method !== 'POST' || !operation) throw new AwsError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
    const ctx: OpContext = {
      state: loadState(deps.store, req.principal.accountId, req.region, now()),
      accountId: req.principal.accountId,
      region: req.region,
      now: now(),
      changed: () => deps.store.changed(),
      runner: orchestrator,
    };
    const output = await operation(ctx, parseJsonBody(req.body) as Input);
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(output) };
  };

  const instances: InstanceDirectory = {
    findByArn(accountId, region, arn) {
      // Looks only at existing documents: a poll from an unknown account creates no state.
      const entry = deps.store.docs<CodeDeployState>('codedeploy').find((e) => e.accountId === accountId && e.region === region);
      const inst = entry ? findRegisteredByArn(entry.doc, arn) : undefined;
      return inst ? { instanceName: inst.instanceName, instanceArn: inst.instanceArn } : undefined;
    },
  };

  return Object.assign(handler, {
    instances,
    idle: () => orchestrator.idle(),
    close: () => orchestrator.close(),
  });
}

