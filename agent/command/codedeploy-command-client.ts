// The CommandService adapter: the CodeDeploy Commands API (AWS JSON 1.1, POST /, X-Amz-Target
// <prefix>.<Op>) over node:http(s), SigV4-signed with @smithy/signature-v4 (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_poller.rb and vendor/gems/codedeploy-commands).
// No hidden retries (the poller backs off), except: a request that hit a keep-alive socket the
// server had closed is resent, and a request rejected for clock skew (a Raspberry Pi has no RTC)
// is re-signed once with the clock offset the server's Date header shows, as the AWS SDKs do.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { EdgeError, isEdgeError, type ErrorCode } from '../../shared/errors.js';
import { CLOCK_SKEW_NAMES, SIGNATURE_NAMES, classifyFailure } from '../../shared/retry.js';
import { UtcDate } from '../../shared/utc-time.js';
import type { CommandService, CommandStatus, DeploymentSpecificationResult, HostCommand } from './command-service.js';
import { commandsServiceName } from './commands-endpoint.js';

export interface CodeDeployCommandClientOptions {
  /** e.g. commandsEndpoint(region) or the sandbox URL. */
  readonly endpoint: string;
  readonly region: string;
  /** Called before every request (cache and refresh inside it). */
  readonly credentials: AwsCredentialIdentityProvider;
  /** Sent as x-amz-codedeploy-agent-version. */
  readonly agentVersion: string;
  /** The secure stack: signing name codedeploy-commands-secure, target CodeDeployCommandService. */
  readonly secure?: boolean;
  /** Longest silence on the socket, covering the long poll (default 90 s; keep ≥ 80 s). */
  readonly readTimeoutMs?: number;
  /** TCP + TLS (+ proxy CONNECT) set-up limit (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** http://[user:pass@]host:port; https endpoints are tunnelled with CONNECT. */
  readonly proxy?: string;
  /** Extra trusted CA certificates (PEM) for the endpoint's TLS, added to Node's bundled ones. */
  readonly tlsCa?: string;
  /** The local clock in ms (tests). */
  readonly now?: () => number;
}

type Operation = 'PollHostCommand' | 'PutHostCommandAcknowledgement' | 'GetDeploymentSpecification' | 'PutHostCommandComplete' | 'PostHostCommandUpdate';
type Json = Record<string, unknown>;
interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

const STATUSES: readonly string[] = ['Pending', 'InProgress', 'Succeeded', 'Failed'];
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const SKEW_LIMIT_MS = 5 * 60_000;
// Names a clock-skew rejection may carry: the Date header then decides whether to re-sign.
const CLOCK_SKEW: ReadonlySet<string> = new Set([...CLOCK_SKEW_NAMES, ...SIGNATURE_NAMES]);

/** How an error response is reported: throttled and unavailable are retryable, rejected is not.
 * The shared classifier decides; like the official agent, a message saying throttled counts too. */
export function commandsErrorCode(status: number, awsCode: string | undefined, message: string): ErrorCode {
  const failure = classifyFailure({ name: awsCode, message, $metadata: { httpStatusCode: status } });
  if (failure.kind === 'throttled' || /throttl|rate exceeded/i.test(message)) return 'COMMANDS_THROTTLED';
  if (failure.kind === 'transient') return 'COMMANDS_UNAVAILABLE';
  return 'COMMANDS_REJECTED';
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const status = (v: unknown): CommandStatus | undefined => (typeof v === 'string' && STATUSES.includes(v) ? (v as CommandStatus) : undefined);

export class CodeDeployCommandClient implements CommandService {
  readonly #url: URL;
  readonly #target: string;
  readonly #signer: SignatureV4;
  readonly #agent: http.Agent;
  readonly #ca: string[] | undefined;
  readonly #proxy: URL | undefined;
  readonly #readTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #now: () => number;
  #clockOffsetMs = 0;

  constructor(private readonly opts: CodeDeployCommandClientOptions) {
    this.#url = parseUrl(opts.endpoint, 'commands endpoint');
    if (this.#url.protocol !== 'https:' && this.#url.protocol !== 'http:') throw new EdgeError('CONFIG_INVALID', `Invalid commands endpoint: ${opts.endpoint}`);
    this.#proxy = opts.proxy ? parseUrl(opts.proxy, 'proxy') : undefined;
    if (this.#proxy && this.#proxy.protocol !== 'http:') throw new EdgeError('CONFIG_INVALID', `Unsupported proxy ${this.#proxy.protocol}: use an http:// proxy URL`);
    this.#target = opts.secure ? 'CodeDeployCommandService' : 'CodeDeployCommandService_v20141006';
    this.#readTimeoutMs = opts.readTimeoutMs ?? 90_000;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
    this.#ca = opts.tlsCa ? [...tls.rootCertificates, opts.tlsCa] : undefined;
    this.#agent = this.#url.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 8, ...(this.#ca ? { ca: this.#ca } : {}) }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
    const provider = opts.credentials;
    this.#signer = new SignatureV4({
      service: commandsServiceName(opts),
      region: opts.region,
      sha256: Sha256,
      credentials: async () => {
        try {
          return await provider();
        } catch (e) {
          if (isEdgeError(e)) throw e;
          throw new EdgeError('CREDENTIALS_UNAVAILABLE', `No credentials for the CodeDeploy Commands service: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      },
    });
  }

  async poll(hostIdentifier: string, signal?: AbortSignal): Promise<HostCommand | undefined> {
    const out = await this.call('PollHostCommand', { HostIdentifier: hostIdentifier }, signal);
    const cmd = out['HostCommand'];
    if (typeof cmd !== 'object' || cmd === null) return undefined;
    const c = cmd as Json;
    if (!str(c['HostCommandIdentifier'])) throw new EdgeError('COMMANDS_UNAVAILABLE', 'PollHostCommand returned a command without a HostCommandIdentifier', { details: { operation: 'PollHostCommand' } });
    return { hostCommandIdentifier: str(c['HostCommandIdentifier']), hostIdentifier: str(c['HostIdentifier']), deploymentExecutionId: str(c['DeploymentExecutionId']), commandName: str(c['CommandName']) };
  }

  async acknowledge(hostCommandIdentifier: string, isNoop: boolean, signal?: AbortSignal): Promise<CommandStatus | undefined> {
    const diagnostics = { Format: 'JSON', Payload: JSON.stringify({ IsCommandNoop: isNoop }) };
    return status((await this.call('PutHostCommandAcknowledgement', { HostCommandIdentifier: hostCommandIdentifier, Diagnostics: diagnostics }, signal))['CommandStatus']);
  }

  async getDeploymentSpecification(deploymentExecutionId: string, hostIdentifier: string, signal?: AbortSignal): Promise<DeploymentSpecificationResult> {
    const out = await this.call('GetDeploymentSpecification', { DeploymentExecutionId: deploymentExecutionId, HostIdentifier: hostIdentifier }, signal);
    const spec = out['DeploymentSpecification'];
    const generic = typeof spec === 'object' && spec !== null ? (spec as Json)['GenericEnvelope'] : undefined;
    const envelope = typeof generic === 'object' && generic !== null ? { format: str((generic as Json)['Format']), payload: str((generic as Json)['Payload']) } : undefined;
    return { deploymentSystem: str(out['DeploymentSystem']), envelope };
  }

  async complete(hostCommandIdentifier: string, commandStatus: 'Succeeded' | 'Failed', diagnosticsJson: string, signal?: AbortSignal): Promise<void> {
    await this.call('PutHostCommandComplete', { HostCommandIdentifier: hostCommandIdentifier, CommandStatus: commandStatus, Diagnostics: { Format: 'JSON', Payload: diagnosticsJson } }, signal);
  }

  async update(hostCommandIdentifier: string, signal?: AbortSignal): Promise<CommandStatus | undefined> {
    return status((await this.call('PostHostCommandUpdate', { HostCommandIdentifier: hostCommandIdentifier }, signal))['CommandStatus']);
  }

  /** Close idle keep-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  private async call(op: Operation, input: Json, signal: AbortSignal | undefined): Promise<Json> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      const res = await this.send(op, body, signal);
      if (res.status >= 200 && res.status < 300) {
        try {
          const out: unknown = res.body.trim() === '' ? {} : JSON.parse(res.body);
          return typeof out === 'object' && out !== null ? (out as Json) : {};
        } catch (e) {
          throw new EdgeError('COMMANDS_UNAVAILABLE', `${op}: the response is not JSON`, { cause: e, details: { operation: op, status: res.status } });
        }
      }
      const error = this.responseError(op, res);
      if (attempt === 1 && this.correctedClock(error, res)) continue;
      throw error;
    }
  }

  private responseError(op: Operation, res: RawResponse): EdgeError {
    let body: Json = {};
    try {
      const parsed: unknown = JSON.parse(res.body);
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Json;
    } catch {
      // not JSON (a proxy's or load balancer's page): keep its start as the message
    }
    const type = str(res.headers['x-amzn-errortype']) || str(body['__type']) || str(body['code']);
    const awsCode = type ? type.split(':')[0]!.split('#').pop() : undefined;
    const message = str(body['message']) || str(body['Message']) || res.body.slice(0, 200).trim() || `HTTP ${res.status}`;
    const requestId = str(res.headers['x-amzn-requestid']);
    return new EdgeError(commandsErrorCode(res.status, awsCode, message), `CodeDeploy Commands ${op} failed: ${awsCode ?? `HTTP ${res.status}`}: ${message}`, {
      details: { operation: op, status: res.status, ...(awsCode ? { awsCode } : {}), ...(requestId ? { requestId } : {}) },
    });
  }

  /** After a clock-skew rejection: adopt the server's clock; true when that changed the offset. */
  private correctedClock(error: EdgeError, res: RawResponse): boolean {
    const serverTime = Date.parse(str(res.headers['date']));
    if (!CLOCK_SKEW.has(String(error.details['awsCode'])) || !Number.isFinite(serverTime)) return false;
    if (Math.abs(serverTime - (this.#now() + this.#clockOffsetMs)) < SKEW_LIMIT_MS) return false;
    this.#clockOffsetMs = serverTime - this.#now();
    return true;
  }

  private async send(op: Operation, body: string, signal: AbortSignal | undefined): Promise<RawResponse> {
    if (signal?.aborted) throw aborted(op);
    const url = this.#url;
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${this.#target}.${op}`,
        'x-amz-codedeploy-agent-version': this.opts.agentVersion,
      },
      body,
    });
    // UtcDate: the signer formats the date with toISOString, which costs the idle daemon ICU data (shared/utc-time.ts)
    const signed = await this.#signer.sign(request, { signingDate: new UtcDate(this.#now() + this.#clockOffsetMs) });
    const headers = { ...signed.headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': `edge-agent/${this.opts.agentVersion}` };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.exchange(headers, body, signal);
      } catch (e) {
        if (signal?.aborted) throw aborted(op, e);
        const stale = (e as { staleSocket?: boolean }).staleSocket === true;
        if (stale && attempt < 3) continue;
        const err = e as NodeJS.ErrnoException;
        throw new EdgeError('COMMANDS_UNAVAILABLE', `CodeDeploy Commands ${op} failed: ${err.code ? `${err.code} ` : ''}${err.message} (${url.host}${this.#proxy ? ` via proxy ${this.#proxy.host}` : ''})`, {
          cause: e,
          details: { operation: op, endpoint: url.origin, ...(err.code ? { errno: err.code } : {}) },
        });
      }
    }
  }

  /** One HTTP exchange: the response, or an Error (`staleSocket` when a reused socket was closed). */
  private exchange(headers: Record<string, string>, body: string, signal: AbortSignal | undefined): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const url = this.#url;
      const host = bare(url.hostname);
      const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
      const open: { req?: http.ClientRequest; tunnel?: http.ClientRequest } = {};
      let gotResponse = false;
      const fail = (e: Error): void => {
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
        open.tunnel?.destroy();
        open.req?.destroy();
        reject(e);
      };
      const onAbort = (): void => fail(Object.assign(new Error('request aborted'), { code: 'ABORT_ERR' }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const connectTimer = setTimeout(() => fail(Object.assign(new Error(`no connection within ${this.#connectTimeoutMs} ms`), { code: 'ECONNTIMEOUT' })), this.#connectTimeoutMs);

      const start = (options: http.RequestOptions, connected: boolean): void => {
        const r = (url.protocol === 'https:' && !options.createConnection && !this.#proxy ? https : http).request({ ...options, method: 'POST', headers });
        open.req = r;
        if (connected) clearTimeout(connectTimer);
        r.on('socket', (socket) => {
          if (!socket.connecting) clearTimeout(connectTimer);
          else socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
        });
        r.setTimeout(this.#readTimeoutMs, () => fail(Object.assign(new Error(`no response within ${this.#readTimeoutMs} ms`), { code: 'ETIMEDOUT' })));
        r.on('error', (e) => fail(Object.assign(e, { staleSocket: r.reusedSocket && !gotResponse && ['ECONNRESET', 'EPIPE'].includes((e as NodeJS.ErrnoException).code ?? '') })));
        r.on('response', (res) => {
          gotResponse = true;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) fail(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('end', () => {
            signal?.removeEventListener('abort', onAbort);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        });
        r.end(body);
      };

      const proxy = this.#proxy;
      if (!proxy) return start({ host, port, path: url.pathname || '/', agent: this.#agent }, false);
      const proxyAuth = proxy.username ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` } : {};
      const proxyPort = Number(proxy.port) || 80;
      if (url.protocol === 'http:') {
        Object.assign(headers, proxyAuth);
        return start({ host: bare(proxy.hostname), port: proxyPort, path: url.href, agent: false }, false);
      }
      const tunnel = http.request({ host: bare(proxy.hostname), port: proxyPort, method: 'CONNECT', path: `${url.hostname}:${port}`, headers: { host: `${url.hostname}:${port}`, ...proxyAuth }, agent: false });
      open.tunnel = tunnel;
      tunnel.on('error', fail);
      tunnel.on('response', (res) => fail(Object.assign(new Error(`the proxy refused the tunnel: HTTP ${res.statusCode ?? 0}`), { code: 'EPROXY' })));
      tunnel.on('connect', (res, socket) => {
        if (res.statusCode !== 200) {
          socket.destroy();
          return fail(Object.assign(new Error(`the proxy refused the tunnel: HTTP ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim()), { code: 'EPROXY' }));
        }
        const secure = tls.connect({ socket, ...(isIP(host) ? {} : { servername: host }), ...(this.#ca ? { ca: this.#ca } : {}) });
        secure.once('error', fail);
        secure.once('secureConnect', () => start({ host, port, path: url.pathname || '/', createConnection: () => secure }, true));
      });
      tunnel.end();
    });
  }
}

function parseUrl(text: string, what: string): URL {
  try {
    return new URL(text);
  } catch (e) {
    // never echo the text: a proxy URL may carry a password
    throw new EdgeError('CONFIG_INVALID', `Invalid ${what} URL`, { cause: e });
  }
}

/** A URL's hostname as node:http wants it: IPv6 literals without brackets. */
function bare(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}

function aborted(op: Operation, cause?: unknown): EdgeError {
  return new EdgeError('COMMANDS_UNAVAILABLE', `CodeDeploy Commands ${op} aborted`, { ...(cause === undefined ? {} : { cause }), details: { operation: op, aborted: true } });
}
