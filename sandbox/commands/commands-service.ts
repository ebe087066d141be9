// The CodeDeploy Commands API (AWS JSON 1.1, X-Amz-Target CodeDeployCommandService_v20141006.<Op>,
// also the secure stack's CodeDeployCommandService.<Op>) over the host command broker.
//
// Host identity is the SigV4 principal: its ARN is the host identifier and must be a registered
// on-premises instance's IAM user/session ARN in the signing account and region.
// - HostIdentifier in the request ≠ the principal's ARN → AccessDeniedException (IAM's denial; the
//   model has no authorisation error, and the real secure stack enforces this through IAM);
// - principal not a registered instance → HostNotFoundException (named by the model's docs for
//   PollHostCommand/GetDeploymentSpecification: "the host is not recognized");
// - a HostCommandIdentifier that is not this host's → ClientException (the model's docs: "invalid
//   HostCommandIdentifier"); an execution id that is not this host's → DeploymentNotFoundException.
import { createHash } from 'node:crypto';
import { AwsError, type InstanceDirectory, type SandboxRequest, type SandboxResponse, type ServiceHandler } from '../types.js';
import { silentLogger, type Logger } from '../../shared/log.js';
import type { BrokerHostSide, HostKey } from './broker.js';
import { commandStatus, deploymentExecutionId, envelope, parseBody, parseTarget, requiredString, timestamp, type Body } from './request-parsing.js';
import { ERRORS, type CommandStatusOutput, type GetDeploymentSpecificationOutput, type Operation, type PollHostCommandOutput } from './shapes.js';
import type { SigningCa } from './signing-ca.js';

export const DEFAULT_MAX_POLL_WAIT_MS = 20_000;
const SIGNED_SPEC_CACHE_SIZE = 256;

export interface CommandsServiceDeps {
  broker: BrokerHostSide;
  instances: InstanceDirectory;
  ca: Pick<SigningCa, 'signJson'>;
  /** How long PollHostCommand waits for a command before answering empty (default 20 s). */
  maxPollWaitMs?: number;
  log?: Logger;
}

type OperationHandler = (body: Body, host: HostKey, req: SandboxRequest) => Promise<object> | object;

export function createCommandsService(deps: CommandsServiceDeps): ServiceHandler {
  const { broker, instances } = deps;
  const maxPollWaitMs = deps.maxPollWaitMs ?? DEFAULT_MAX_POLL_WAIT_MS;
  const log = (deps.log ?? silentLogger()).child({ component: 'commands-service' });
  const signSpec = signedSpecCache(deps.ca);

  const requireHostIdentifier = (body: Body, host: HostKey, op: Operation): void => {
    const claimed = requiredString(body, 'HostIdentifier');
    if (claimed !== host.hostIdentifier) {
      throw new AwsError(
        ERRORS.accessDenied,
        `User: ${host.hostIdentifier} is not authorized to perform: codedeploy-commands:${op} on resource: ${claimed} because the request's HostIdentifier is not the caller's identity`,
      );
    }
  };

  const operations: Record<Operation, OperationHandler> = {
    async PollHostCommand(body, host, req): Promise<PollHostCommandOutput> {
      requireHostIdentifier(body, host, 'PollHostCommand');
      const command = await broker.poll(host, req.signal, maxPollWaitMs);
      return command ? { HostCommand: command } : {};
    },
    PutHostCommandAcknowledgement(body, host): CommandStatusOutput {
      const id = requiredString(body, 'HostCommandIdentifier');
      return { CommandStatus: broker.acknowledge(host, id, envelope(body, 'Diagnostics')) };
    },
    GetDeploymentSpecification(body, host): GetDeploymentSpecificationOutput {
      const executionId = deploymentExecutionId(body);
      requireHostIdentifier(body, host, 'GetDeploymentSpecification');
      const { json, region } = broker.spec(host, executionId);
      return {
        DeploymentSystem: 'CodeDeploy',
        DeploymentSpecification: { GenericEnvelope: { Format: 'PKCS7/JSON', Payload: signSpec(json, region) } },
      };
    },
    PutHostCommandComplete(body, host): object {
      const id = requiredString(body, 'HostCommandIdentifier');
      const status = commandStatus(body);
      const diagnostics = envelope(body, 'Diagnostics');
      if (status !== 'Succeeded' && status !== 'Failed') {
        throw new AwsError(ERRORS.client, `A host command can only be completed as Succeeded or Failed, not ${status}`);
      }
      broker.complete(host, id, status, diagnostics);
      return {};
    },
    PostHostCommandUpdate(body, host): CommandStatusOutput {
      const id = requiredString(body, 'HostCommandIdentifier');
      const estimatedCompletionTime = timestamp(body, 'EstimatedCompletionTime');
      const diagnostics = envelope(body, 'Diagnostics');
      return {
        CommandStatus: broker.update(host, id, {
          ...(estimatedCompletionTime ? { estimatedCompletionTime } : {}),
          ...(diagnostics ? { diagnostics } : {}),
        }),
      };
    },
  };

  return async (req: SandboxRequest): Promise<SandboxResponse> => {
    if (req.method !== 'POST') throw new AwsError(ERRORS.unknownOperation, `Unsupported method ${req.method}: the Commands API is POST /`);
    const op = parseTarget(req.headers['x-amz-target']);
    const body = parseBody(req.body);
    const host: HostKey = { accountId: req.principal.accountId, region: req.region, hostIdentifier: req.principal.arn };
    if (!instances.findByArn(host.accountId, host.region, host.hostIdentifier)) {
      throw new AwsError(ERRORS.hostNotFound, `No on-premises instance is registered with the IAM ARN ${host.hostIdentifier} in ${host.region}`);
    }
    log.debug({ op, hostIdentifier: host.hostIdentifier }, 'commands request');
    const out = await operations[op](body, host, req);
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(out) };
  };
}

/** Sign each distinct (spec, region) once: every host and lifecycle event of a deployment shares it. */
function signedSpecCache(ca: Pick<SigningCa, 'signJson'>): (json: string, region: string) => string {
  const cache = new Map<string, string>();
  return (json, region) => {
    const key = createHash('sha256').update(region).update('\u0000').update(json).digest('base64');
    let payload = cache.get(key);
    if (payload === undefined) {
      payload = ca.signJson(json, region);
      if (cache.size >= SIGNED_SPEC_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    } else {
      cache.delete(key);
    }
    cache.set(key, payload);
    return payload;
  };
}
