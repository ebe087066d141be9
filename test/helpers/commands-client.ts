// A minimal CodeDeploy Commands client for tests (until the agent's own client exists): AWS JSON 1.1
// over fetch, SigV4-signed for service `codedeploy-commands`.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface CommandsClientCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CommandsClientOptions {
  /** e.g. http://127.0.0.1:4567 */
  endpoint: string;
  region: string;
  credentials: CommandsClientCredentials;
  /** Signing name (default codedeploy-commands). */
  service?: string;
  /** X-Amz-Target prefix (default CodeDeployCommandService_v20141006). */
  targetPrefix?: string;
}

export interface Envelope {
  Format?: string;
  Payload?: string;
}

export interface HostCommand {
  HostCommandIdentifier: string;
  HostIdentifier: string;
  DeploymentExecutionId: string;
  CommandName: string;
  Nonce?: number;
}

export interface DeploymentSpecificationOutput {
  DeploymentSystem?: string;
  DeploymentSpecification?: { GenericEnvelope?: Envelope; VariantId?: string; VariantEnvelope?: Envelope };
}

export type CommandStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed';

export class CommandsClientError extends Error {
  override readonly name = 'CommandsClientError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class CommandsClient {
  readonly #opts: CommandsClientOptions;
  readonly #signer: SignatureV4;

  constructor(opts: CommandsClientOptions) {
    this.#opts = opts;
    this.#signer = new SignatureV4({ service: opts.service ?? 'codedeploy-commands', region: opts.region, credentials: opts.credentials, sha256: Sha256 });
  }

  async poll(hostIdentifier: string, signal?: AbortSignal): Promise<HostCommand | undefined> {
    const out = (await this.call('PollHostCommand', { HostIdentifier: hostIdentifier }, signal)) as { HostCommand?: HostCommand | null };
    return out.HostCommand ?? undefined;
  }

  async ack(hostCommandIdentifier: string, diagnostics?: Envelope): Promise<CommandStatus | undefined> {
    const out = (await this.call('PutHostCommandAcknowledgement', { HostCommandIdentifier: hostCommandIdentifier, Diagnostics: diagnostics })) as { CommandStatus?: CommandStatus };
    return out.CommandStatus;
  }

  async getSpec(deploymentExecutionId: string, hostIdentifier: string): Promise<DeploymentSpecificationOutput> {
    return (await this.call('GetDeploymentSpecification', { DeploymentExecutionId: deploymentExecutionId, HostIdentifier: hostIdentifier })) as DeploymentSpecificationOutput;
  }

  async complete(hostCommandIdentifier: string, status: CommandStatus, diagnostics?: Envelope): Promise<void> {
    await this.call('PutHostCommandComplete', { HostCommandIdentifier: hostCommandIdentifier, CommandStatus: status, Diagnostics: diagnostics });
  }

  async update(hostCommandIdentifier: string, opts: { estimatedCompletionTime?: Date; diagnostics?: Envelope } = {}): Promise<CommandStatus | undefined> {
    const out = (await this.call('PostHostCommandUpdate', {
      HostCommandIdentifier: hostCommandIdentifier,
      EstimatedCompletionTime: opts.estimatedCompletionTime ? opts.estimatedCompletionTime.getTime() / 1000 : undefined,
      Diagnostics: opts.diagnostics,
    })) as { CommandStatus?: CommandStatus };
    return out.CommandStatus;
  }

  /** One operation; throws CommandsClientError with the `__type` of an error response. */
  async call(operation: string, input: object, signal?: AbortSignal): Promise<unknown> {
    const res = await this.raw(operation, JSON.stringify(input), { signal });
    const body: unknown = res.text ? JSON.parse(res.text) : {};
    if (res.status >= 300) {
      const err = body as { __type?: string; message?: string; Message?: string };
      const code = (res.headers.get('x-amzn-errortype') ?? err.__type ?? 'UnknownError').split(':')[0]!.split('#').pop()!;
      throw new CommandsClientError(code, err.message ?? err.Message ?? '', res.status);
    }
    return body;
  }

  /** Send `body` as `operation`, signed unless `sign` is false; `mutate` edits the signed request. */
  async raw(
    operation: string,
    body: string,
    opts: { signal?: AbortSignal; sign?: boolean; mutate?: (headers: Record<string, string>) => void } = {},
  ): Promise<RawResponse> {
    const url = new URL(this.#opts.endpoint);
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${this.#opts.targetPrefix ?? 'CodeDeployCommandService_v20141006'}.${operation}`,
      },
      body,
    });
    const signed = opts.sign === false ? request : await this.#signer.sign(request);
    const headers = { ...signed.headers };
    opts.mutate?.(headers);
    delete headers['host'];
    const res = await fetch(new URL('/', url), { method: 'POST', headers, body, ...(opts.signal ? { signal: opts.signal } : {}) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
}

export function createCommandsClient(opts: CommandsClientOptions): CommandsClient {
  return new CommandsClient(opts);
}
