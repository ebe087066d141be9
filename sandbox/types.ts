// Contracts between the sandbox's parts: the HTTP core (routing, SigV4, error rendering), the
// state store, and the service handlers (STS, S3, CodeDeploy, CodeDeploy Commands).
// Each service module exports a factory `createXService(deps): ServiceHandler`.
import type { Readable } from 'node:stream';

/** Who signed the request (resolved by the core from the access key). */
export interface Principal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** arn:aws:iam::<acct>:root | arn:aws:iam::<acct>:user/<name> | arn:aws:sts::<acct>:assumed-role/<role>/<session> */
  readonly arn: string;
  readonly accountId: string;
  /** IAM-style unique id (AIDA…/AROA…:session) for GetCallerIdentity's UserId. */
  readonly userId: string;
  readonly expiresAt?: Date;
}

export type SigningService = 'codedeploy' | 'codedeploy-commands' | 's3' | 'sts' | 'iam' | 'iot' | 'iotdata' | 'cloudformation' | 'monitoring' | 'kms';

export interface SandboxRequest {
  readonly method: string;
  /** Raw path as sent (percent-encoded), without the query string. */
  readonly rawPath: string;
  /** Decoded path. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** From the SigV4 credential scope. */
  readonly service: SigningService;
  readonly region: string;
  readonly principal: Principal;
  readonly signal: AbortSignal;
}

export interface SandboxResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string | Readable;
}

export type ServiceHandler = (req: SandboxRequest) => Promise<SandboxResponse>;

/**
 * An error as AWS returns it. The core renders it in the service's protocol:
 * JSON 1.1 `{"__type": code, "message": …}` (+ x-amzn-ErrorType), S3 REST-XML `<Error><Code>`,
 * STS query-XML `<ErrorResponse><Error><Type>Sender</Type><Code>`.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

/** Issued credentials, by access key id. */
export interface CredentialRegistry {
  issue(principal: Omit<Principal, 'accessKeyId' | 'secretAccessKey'>): Principal;
  lookup(accessKeyId: string): Principal | undefined;
}

/**
 * In-memory state, optionally persisted to a directory (JSON documents + blob files).
 * Services keep their state in plain JSON-able objects obtained from `doc()` and call `changed()`
 * after mutating them; the store writes them out (debounced) when persistence is on.
 */
export interface SandboxStore {
  /** The JSON document for (service, account, region); created with `init()` on first use. */
  doc<T extends object>(service: string, accountId: string, region: string, init: () => T): T;
  /** Every (account, region) document of a service (for cross-account lookups). */
  docs<T extends object>(service: string): { accountId: string; region: string; doc: T }[];
  changed(): void;
  readonly blobs: BlobStore;
  flush(): Promise<void>;
  /** Writes what changed and stops writing: the directory may be removed once this resolves. */
  close(): Promise<void>;
}

export interface BlobStore {
  put(data: Buffer): Promise<string>;
  get(id: string): Promise<Buffer>;
  delete(id: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

// ---------------------------------------------------------------------------------------------
// CodeDeploy orchestration → CodeDeploy Commands: one lifecycle event on one host.

export interface HostCommandRequest {
  readonly accountId: string;
  readonly region: string;
  /** The instance's registered IAM user or session ARN: what the host polls as. */
  readonly hostIdentifier: string;
  readonly instanceName: string;
  /** DownloadBundle, Install, or a hook event name. */
  readonly commandName: string;
  readonly deploymentId: string;
  /** The deployment spec JSON content (DeploymentId, DeploymentGroupId, DeploymentGroupName,
   * ApplicationName, DeploymentCreator, DeploymentType, AppSpecFilename, Revision,
   * AgentActionOverrides, AllPossibleLifecycleEvents); the broker signs it as PKCS7/JSON. */
  readonly deploymentSpec: Readonly<Record<string, unknown>>;
  /** Fail the command when the host has not polled it within this time (official: 5 min). */
  readonly pickupTimeoutMs: number;
  /** Fail the command when it has not completed within this time after pickup. */
  readonly completionTimeoutMs: number;
  /** Aborted by StopDeployment: a queued command is withdrawn, a running one reported Failed. */
  readonly signal?: AbortSignal;
}

/** CodeDeploy's Diagnostics shape (errorCode is the API enum name, e.g. ScriptFailed). */
export interface Diagnostics {
  readonly errorCode: 'Success' | 'ScriptMissing' | 'ScriptNotExecutable' | 'ScriptTimedOut' | 'ScriptFailed' | 'UnknownError';
  readonly scriptName: string;
  readonly message: string;
  readonly logTail: string;
}

export interface HostCommandOutcome {
  readonly status: 'Succeeded' | 'Failed';
  readonly diagnostics?: Diagnostics;
  readonly startTime: Date;
  readonly endTime: Date;
}

export interface HostCommandBroker {
  /** Queue the command for its host and resolve when the host completes it (or it times out). */
  dispatch(req: HostCommandRequest): Promise<HostCommandOutcome>;
}

/** How the Commands API finds the registered instance a signing principal is. */
export interface InstanceDirectory {
  /** The instance registered with this IAM user/session ARN (exact match), if any. */
  findByArn(accountId: string, region: string, arn: string): { instanceName: string; instanceArn: string } | undefined;
}
