// Wire shapes of the CodeDeploy Commands API (the API model in aws-codedeploy-agent
// vendor/gems/codedeploy-commands-1.0.0/apis/CodeDeployCommand.api.json),
// member names exactly as on the wire, plus the model's constraints and the exception names used.

export const TARGET_PREFIX = 'CodeDeployCommandService_v20141006';
/** The `codedeploy-commands-secure` model's prefix (agent `:enable_auth_policy: true`). */
export const SECURE_TARGET_PREFIX = 'CodeDeployCommandService';

export const OPERATIONS = [
  'PollHostCommand',
  'PutHostCommandAcknowledgement',
  'GetDeploymentSpecification',
  'PutHostCommandComplete',
  'PostHostCommandUpdate',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const COMMAND_STATUSES = ['Pending', 'InProgress', 'Succeeded', 'Failed'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

export interface Envelope {
  readonly Format?: string;
  readonly Payload?: string;
}

export interface HostCommandInstance {
  readonly HostCommandIdentifier: string;
  readonly HostIdentifier: string;
  readonly DeploymentExecutionId: string;
  readonly CommandName: string;
  readonly Nonce: number;
}

export interface PollHostCommandOutput {
  readonly HostCommand?: HostCommandInstance;
}

export interface GetDeploymentSpecificationOutput {
  readonly DeploymentSystem: 'CodeDeploy';
  readonly DeploymentSpecification: { readonly GenericEnvelope: { readonly Format: 'PKCS7/JSON'; readonly Payload: string } };
}

export interface CommandStatusOutput {
  readonly CommandStatus?: CommandStatus;
}

/** Model constraints. */
export const LIMITS = {
  formatMin: 1,
  formatMax: 64,
  payloadMax: 8192,
  executionIdMin: 1,
  executionIdMax: 129,
  executionIdPattern: /^[^/]+\/[^/]+\/[^/]+\/.+$/,
  /** The pattern as the model writes it (for messages). */
  executionIdPatternText: '^[^/]+/[^/]+/[^/]+/.+$',
} as const;

/**
 * Exception names. The model declares only ClientException and ServerException; its operation docs
 * also name HostNotFoundException and DeploymentNotFoundException. Constraint violations are the AWS
 * framework's ValidationException; identity mismatches are IAM's AccessDeniedException.
 */
export const ERRORS = {
  client: 'ClientException',
  hostNotFound: 'HostNotFoundException',
  deploymentNotFound: 'DeploymentNotFoundException',
  validation: 'ValidationException',
  accessDenied: 'AccessDeniedException',
  serialization: 'SerializationException',
  unknownOperation: 'UnknownOperationException',
} as const;
