// The sandbox's HTTP core: one node:http server on loopback. Every request is read (bounded),
// SigV4-verified, routed by the credential scope's service to its handler, and answered; AwsErrors
// are rendered in that service's protocol. close() aborts in-flight handlers (long polls) and drops
// keep-alive connections.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { silentLogger, type Logger } from '../shared/log.js';
import { MAX_REQUEST_BODY_BYTES, REQUEST_ID_HEADER } from './constants.js';
import { protocolOf, renderAwsError, toAwsError, type WireProtocol } from './protocol-errors.js';
import { MalformedAuthError, createSigV4Verifier, inferService, parseRawQuery, readAuthScope } from './sigv4-verify.js';
import { operationOf } from './limits/wire.js';
import { AwsError, type Clock, type CredentialRegistry, type SandboxResponse, type ServiceHandler, type SigningService } from './types.js';
import { listenOn } from './listen.js';
import { restOperation, type ServedCall } from './call-log.js';

export interface SandboxServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  credentials: CredentialRegistry;
  handlers: Partial<Record<SigningService, ServiceHandler>>;
  log?: Logger;
  /** Allowed X-Amz-Date difference (default 15 min). */
  maxClockSkewMs?: number;
  /** Largest accepted request body (default 128 MiB). */
  maxBodyBytes?: number;
  /** Time source for signature/session expiry checks (default: the system clock). */
  clock?: Clock;
  /** Consulted after authentication, before the handler: may delay, or throw a throttling AwsError. */
  limiter?: { admit(call: { service: string; operation: string }, signal: AbortSignal): Promise<void> };
  /** Told about every authenticated call once it is answered (call accounting). */
  calls?: { record(call: ServedCall): void };
  /** Sandbox-only endpoints under /_sandbox/ (no signature; loopback clients only). */
  sandboxApi?: (req: { method: string; path: string; query: URLSearchParams }) => SandboxResponse | undefined;
}

export interface SandboxServer {
  /** http://host:port (no trailing slash). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const SIGNING_SERVICES: ReadonlySet<string> = new Set<SigningService>([
  'codedeploy', 'codedeploy-commands', 's3', 'sts', 'iam', 'iot', 'iotdata', 'cloudformation', 'monitoring', 'kms',
]);

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const log = (opts.log ?? silentLogger()).child({ component: 'sandbox-server' });
  const verifier = createSigV4Verifier({ credentials: opts.credentials, clock: opts.clock, maxClockSkewMs: opts.maxClockSkewMs });
  const maxBody = opts.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const inFlight = new Set<{ abort: AbortController; done: Promise<void> }>();
  let closing = false;

  async function send(res: ServerResponse, requestId: string, out: SandboxResponse, closeAfter = false): Promise<void> {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId, ...out.headers };
    if (closeAfter || closing) headers['connection'] = 'close';
    const body = out.body;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(buf.length);
      res.writeHead(out.status, headers);
      res.end(buf);
    } else if (body instanceof Readable) {
      res.writeHead(out.status, headers);
      await pipeline(body, res).catch((err: unknown) => log.warn({ err, requestId }, 'response stream failed'));
    } else {
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = '0';
      res.writeHead(out.status, headers);
      res.end();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const requestId = randomUUID();
    const started = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const headers = headerMap(req);
    const query = parseRawQuery(rawQuery);
    let protocol: WireProtocol = protocolOf(inferService(headers, query));
    let service: string | undefined;
    const reqLog = log.child({ requestId, method: req.method, path: rawPath });
    if (rawPath.startsWith('/_sandbox/') && opts.sandboxApi && !headers['authorization'] && !query['X-Amz-Signature']) {
      const loopback = /^(127\.|::1$|::ffff:127\.)/.test(req.socket.remoteAddress ?? '');
      const out = loopback ? opts.sandboxApi({ method: req.method ?? 'GET', path: rawPath, query: new URLSearchParams(rawQuery) }) : undefined;
      req.resume();
      await send(res, requestId, out ?? { status: loopback ? 404 : 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: loopback ? 'no such sandbox endpoint' : 'loopback clients only' }) });
      return;
    }
    let served: Omit<ServedCall, 'status'> | undefined;
    try {
      try {
        service = readAuthScope(headers, query)?.service;
      } catch (e) {
        if (e instanceof MalformedAuthError && e.service) service = e.service;
      }
      if (service) protocol = protocolOf(service);
      let raw: Buffer;
      try {
        raw = await readBody(req, maxBody);
      } catch (e) {
        if (!(e instanceof BodyTooLarge)) throw e;
        const err = protocol === 'rest-xml'
          ? new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { MaxSizeAllowed: String(maxBody) })
          : new AwsError('EntityTooLarge', `Request body exceeds the sandbox limit of ${maxBody} bytes`, 413);
        await send(res, requestId, renderAwsError(err, protocol, requestId), true);
        return;
      }
      const verified = await verifier.verify({ method: req.method ?? 'GET', rawPath, rawQuery, headers, body: raw });
      const handler = SIGNING_SERVICES.has(verified.service) ? opts.handlers[verified.service as SigningService] : undefined;
      if (!handler) {
        throw new AwsError(
          protocol === 'rest-xml' ? 'InvalidRequest' : protocol === 'query' ? 'InvalidAction' : 'UnknownOperationException',
          `service ${verified.service} is not served by this sandbox`,
          400,
        );
      }
      const wireOperation = operationOf(verified.service, verified.headers, new URLSearchParams(rawQuery), verified.body);
      served = {
        accountId: verified.principal.accountId,
        service: verified.service,
        operation: wireOperation !== '*' ? wireOperation : restOperation(verified.service, req.method ?? 'GET', rawPath, new URLSearchParams(rawQuery), verified.headers),
      };
      if (opts.limiter) await opts.limiter.admit({ service: verified.service, operation: wireOperation }, signal);
      const out = await handler({
        method: req.method ?? 'GET',
        rawPath,
        path: safeDecodePath(rawPath),
        query: new URLSearchParams(rawQuery),
        headers: { ...verified.headers, [REQUEST_ID_HEADER]: requestId },
        body: verified.body,
        service: verified.service as SigningService,
        region: verified.region,
        principal: verified.principal,
        signal,
      });
      if (served) opts.calls?.record({ ...served, status: out.status });
      served = undefined;
      await send(res, requestId, out);
      reqLog.debug({ service, status: out.status, ms: Date.now() - started }, 'request');
    } catch (e) {
      const { error, unexpected } = toAwsError(e, protocol);
      if (served) opts.calls?.record({ ...served, status: error.status });
      if (unexpected) reqLog.error({ err: e, service }, 'handler failed');
      else reqLog.debug({ service, code: error.code, status: error.status }, 'request failed');
      await send(res, requestId, renderAwsError(error, protocol, requestId));
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
    });
    if (closing) abort.abort(new Error('sandbox closing'));
    const entry = { abort, done: Promise.resolve() };
    entry.done = handle(req, res, abort.signal)
      .catch((err: unknown) => log.error({ err }, 'request failed'))
      .finally(() => inFlight.delete(entry));
    inFlight.add(entry);
  };
  const server = createServer(onRequest);
  // Expect: 100-continue (the SDK sends it for large bodies): refuse an oversized body before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? '0') <= maxBody) res.writeContinue();
    onRequest(req, res);
  });
  server.keepAliveTimeout = 5_000;

  const { port, urlHost: host } = await listenOn(server, opts.port, opts.host);
  const url = `http://${host}:${port}`;
  log.debug({ url }, 'sandbox server listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const pending = [...inFlight];
        for (const p of pending) p.abort.abort(new Error('sandbox closing'));
        // Handlers see the abort and answer; give them a moment, then drop whatever is left.
        await Promise.race([Promise.all(pending.map((p) => p.done)), new Promise((r) => setTimeout(r, 1000).unref())]);
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}

function safeDecodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
