// The IoT credentials provider: an HTTPS listener with mutual TLS (client certificates must chain to
// the sandbox IoT CA) serving GET /role-aliases/<alias>/credentials, as
// <prefix>.credentials.iot.<region>.amazonaws.com does. The presented certificate must be registered
// and ACTIVE; with an x-amzn-iot-thingname header the thing must exist and have the certificate
// attached; the role alias must exist in the certificate's account and region. The answer is an
// assumed-role session of the alias's role, named after the certificate id.
// Refusals carry the status and body the real service sends (403 {"message":"Access Denied"}, …).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '../../shared/log.js';
import { AwsError } from '../types.js';
import { certificateIdOfDer } from './iot-ca.js';
import type { AssumeRoleForDevice, IotDirectory } from './types.js';
import { listenOn } from '../listen.js';

export interface CredentialsProviderOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** The IoT CA (client certificates must chain to it) and the server's certificate and key. */
  readonly tls: { readonly caPem: string; readonly certPem: string; readonly keyPem: string };
  readonly directory: IotDirectory;
  readonly assumeRole: AssumeRoleForDevice;
  readonly log?: Logger;
}

export interface CredentialsProvider {
  /** https://host:port */
  readonly url: string;
  readonly port: number;
  /** host:port, as DescribeEndpoint iot:CredentialProvider reports it. */
  readonly endpoint: string;
  close(): Promise<void>;
}

export const THING_NAME_HEADER = 'x-amzn-iot-thingname';
const ROUTE = /^\/role-aliases\/([^/]+)\/credentials$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

const accessDenied = (message: string): Refusal => new Refusal(403, 'AccessDeniedException', message);

/** AWS's credential expiration format: ISO-8601 to the second. */
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startCredentialsProvider(opts: CredentialsProviderOptions): Promise<CredentialsProvider> {
  const log = (opts.log ?? silentLogger()).child({ component: 'iot-credentials-provider' });

  function credentialsFor(req: IncomingMessage): Record<string, unknown> {
    const path = (req.url ?? '/').split('?')[0]!;
    const m = ROUTE.exec(path);
    if (req.method !== 'GET' || !m) throw new Refusal(404, 'ResourceNotFoundException', 'Not Found: the credentials provider serves GET /role-aliases/<alias>/credentials');
    let alias: string;
    try {
      alias = decodeURIComponent(m[1]!);
    } catch {
      throw new Refusal(400, 'InvalidRequestException', 'The role alias in the path is not valid percent-encoding');
    }
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    if (!peer?.raw) throw accessDenied('Access Denied');
    const certificateId = certificateIdOfDer(peer.raw);
    const cert = opts.directory.certificate(certificateId);
    if (!cert) throw accessDenied('Certificate is invalid on this endpoint');
    if (cert.status !== 'ACTIVE') throw accessDenied('Access Denied');
    const thingName = req.headers[THING_NAME_HEADER];
    if (typeof thingName === 'string') {
      const attached = opts.directory.thingsForPrincipal(cert.accountId, cert.region, cert.certificateArn);
      if (!opts.directory.thingExists(cert.accountId, cert.region, thingName) || !attached.includes(thingName)) throw accessDenied('Invalid thing name passed');
    }
    const roleAlias = opts.directory.roleAlias(cert.accountId, cert.region, alias);
    if (!roleAlias) throw new Refusal(404, 'ResourceNotFoundException', 'Role alias does not exist');
    let session;
    try {
      session = opts.assumeRole({ accountId: cert.accountId, roleArn: roleAlias.roleArn, sessionName: certificateId, durationSeconds: roleAlias.credentialDurationSeconds });
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      log.info({ certificateId, roleArn: roleAlias.roleArn, reason: e.message }, 'role assumption refused');
      throw new Refusal(400, 'InvalidRequestException', 'Unable to assume the role, or the role to assume does not exist');
    }
    log.info({ certificateId, thingName, roleAlias: alias, arn: session.arn }, 'credentials issued');
    return {
      credentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
        expiration: isoSeconds(session.expiresAt ?? new Date(Date.now() + roleAlias.credentialDurationSeconds * 1000)),
      },
    };
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomUUID();
    const send = (status: number, body: unknown, errorType?: string): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(text);
    };
    // The request has no body; drain whatever a client sends anyway.
    req.resume();
    try {
      send(200, credentialsFor(req));
    } catch (e) {
      if (e instanceof Refusal) {
        log.debug({ requestId, status: e.status, message: e.message }, 'credentials refused');
        send(e.status, { message: e.message }, e.errorType);
      } else {
        log.error({ err: e, requestId }, 'credentials provider failed');
        send(500, { message: 'Internal Server Error' }, 'InternalFailureException');
      }
    }
  };

  const server: Server = createServer(
    { ca: opts.tls.caPem, cert: opts.tls.certPem, key: opts.tls.keyPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    onRequest,
  );
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake refused'));
  server.keepAliveTimeout = 5_000;
  const { port, urlHost: host } = await listenOn(server, opts.port, opts.host);
  log.debug({ port: port }, 'credentials provider listening');
  let closed: Promise<void> | undefined;
  return {
    url: `https://${host}:${port}`,
    port,
    endpoint: `${host}:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
