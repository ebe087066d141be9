// The port between the agent's poll loop and the CodeDeploy Commands service (AWS JSON 1.1,
// X-Amz-Target CodeDeployCommandService_v20141006.<Op>). The SigV4 adapter is
// CodeDeployCommandClient; tests run it against the sandbox.

export interface HostCommand {
  readonly hostCommandIdentifier: string;
  readonly hostIdentifier: string;
  readonly deploymentExecutionId: string;
  readonly commandName: string;
}

export interface Envelope {
  readonly format: string;
  readonly payload: string;
}

export interface DeploymentSpecificationResult {
  readonly deploymentSystem: string;
  /** The GenericEnvelope; undefined when the service sent none. */
  readonly envelope: Envelope | undefined;
}

export type CommandStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed';

/**
 * Every method throws EdgeError: COMMANDS_THROTTLED (retryable), COMMANDS_UNAVAILABLE (network,
 * 5xx, or an aborted call with `details.aborted`; retryable), COMMANDS_REJECTED (4xx; not
 * retryable) or CREDENTIALS_UNAVAILABLE (retryable), with the service's error name in
 * `details.awsCode`.
 */
export interface CommandService {
  /** PollHostCommand: the next command for this host, or undefined after an empty long poll. */
  poll(hostIdentifier: string, signal?: AbortSignal): Promise<HostCommand | undefined>;
  /** PutHostCommandAcknowledgement with Diagnostics {"IsCommandNoop": isNoop}; returns CommandStatus. */
  acknowledge(hostCommandIdentifier: string, isNoop: boolean, signal?: AbortSignal): Promise<CommandStatus | undefined>;
  /** GetDeploymentSpecification. */
  getDeploymentSpecification(deploymentExecutionId: string, hostIdentifier: string, signal?: AbortSignal): Promise<DeploymentSpecificationResult>;
  /** PutHostCommandComplete with Diagnostics {Format: JSON, Payload: diagnosticsJson}. */
  complete(hostCommandIdentifier: string, status: 'Succeeded' | 'Failed', diagnosticsJson: string, signal?: AbortSignal): Promise<void>;
  /** PostHostCommandUpdate (a heartbeat while a long hook runs). */
  update(hostCommandIdentifier: string, signal?: AbortSignal): Promise<CommandStatus | undefined>;
}
