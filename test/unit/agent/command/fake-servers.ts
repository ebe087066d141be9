// Local stand-ins for the client tests: a scripted Commands endpoint (HTTP or HTTPS with a
// throwaway certificate), a forward/CONNECT proxy, and servers that never answer.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The operation from X-Amz-Target. */
  readonly op: string;
  readonly json: Record<string, unknown>;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | object;
  /** Never answer (the client's read timeout or abort must end the request). */
  readonly hang?: boolean;
  /** Drop the connection without answering (a keep-alive socket the server had closed). */
  readonly drop?: boolean;
}

export interface FakeServer {
  readonly url: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export interface TlsIdentity {
  readonly key: string;
  readonly cert: string;
}

/** A self-signed certificate for localhost and 127.0.0.1. */
export function selfSignedTls(): TlsIdentity {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const name = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server | net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** An endpoint answering each request with `handler`'s reply (default 200 {}). */
export async function startFakeEndpoint(handler: (req: SeenRequest, index: number) => Reply, tls?: TlsIdentity): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // not JSON
      }
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, op: String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '', json };
      requests.push(seen);
      const reply = handler(seen, requests.length - 1);
      if (reply.hang) return;
      if (reply.drop) {
        req.socket.destroy();
        return;
      }
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/x-amz-json-1.1', ...reply.headers });
      res.end(text);
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, onRequest) : http.createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const port = await listen(server);
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, requests, connections: () => connections, close: closer(server, sockets) };
}

/** A TCP server that accepts connections and never says anything (TLS handshakes never finish). */
export async function startSilentServer(): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('error', () => undefined);
  });
  const port = await listen(server);
  return { url: `https://127.0.0.1:${port}`, port, requests: [], connections: () => connections, close: closer(server, sockets) };
}

export interface FakeProxy extends FakeServer {
  /** CONNECT authorities and absolute-form URLs, in order. */
  readonly targets: string[];
  readonly authorizations: (string | undefined)[];
}

/** An HTTP proxy: CONNECT tunnels (always to 127.0.0.1) and absolute-form forwarding; `auth` required when given. */
export async function startFakeProxy(auth?: string): Promise<FakeProxy> {
  const targets: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<net.Socket>();
  const expected = auth ? `Basic ${Buffer.from(auth).toString('base64')}` : undefined;
  const server = http.createServer((req, res) => {
    targets.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    if (expected && req.headers['proxy-authorization'] !== expected) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request(req.url ?? '', { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const port = Number((req.url ?? '').split(':').pop());
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, requests: [], targets, authorizations, connections: () => sockets.size, close: closer(server, sockets) };
}
