// The IoT-certificate identity: temporary AWS credentials from the AWS IoT credentials provider
//   GET https://<iot_credentials_endpoint>/role-aliases/<alias>/credentials
//   mutual TLS with the device certificate, header x-amzn-iot-thingname: <thing>
//   → {"credentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}
// The keys are kept until 5 minutes before their expiration, then fetched again (a failed refetch
// keeps the old keys while they are valid). The certificate files are re-read at every fetch, so a
// rotated certificate is used without a restart, and the key file must stay private (0600).
// The host identifier is the assumed-role session ARN, learnt with STS GetCallerIdentity.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { isIP } from 'node:net';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import { formatIotEndpoint, type IotCertificateFiles, type IotIdentitySettings } from './iot-config.js';
import { checkSecretFile, type SecretFileOptions } from './secret-files.js';

function readPem(path: string, what: string, marker: RegExp): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EdgeError('CONFIG_NOT_FOUND', `${what} ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { details: { path } });
  }
  if (!marker.test(text)) throw new EdgeError('CONFIG_INVALID', `${what} ${path} holds no PEM ${marker.source.includes('CERTIFICATE') ? 'certificate' : 'private key'}`, { details: { path } });
  return text;
}

export interface IotCertificatePem {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem?: string;
}

/**
 * Reads the certificate, key and CA after checking the key file is private (CONFIG_INSECURE_PERMISSIONS)
 * and each file exists (CONFIG_NOT_FOUND) and holds PEM (CONFIG_INVALID). Messages never quote contents.
 */
export function readIotCertificate(files: IotCertificateFiles, options: SecretFileOptions = {}): IotCertificatePem {
  if (checkSecretFile(files.privateKeyFile, options) === 'missing') {
    throw new EdgeError('CONFIG_NOT_FOUND', `the IoT private key file ${files.privateKeyFile} does not exist`, { details: { path: files.privateKeyFile } });
  }
  const certPem = readPem(files.certificateFile, 'the IoT certificate file', /-----BEGIN CERTIFICATE-----/);
  const keyPem = readPem(files.privateKeyFile, 'the IoT private key file', /-----BEGIN (RSA |EC )?PRIVATE KEY-----/);
  const caPem = files.caFile ? readPem(files.caFile, 'the IoT CA file', /-----BEGIN CERTIFICATE-----/) : undefined;
  return { certPem, keyPem, ...(caPem ? { caPem } : {}) };
}

/** Fetch again this long before the expiration (the window in which AWS SDK clients ask again). */
export const IOT_CREDENTIALS_REFRESH_BUFFER_MS = 5 * 60 * 1000;

export interface IotCredentialOptions {
  readonly now?: () => Date;
  readonly agentUid?: number;
  /** Told (without secrets) when a refetch failed and the still-valid keys are used. */
  readonly warn?: (message: string) => void;
  /** Called after every successful fetch but the first (e.g. to re-check the caller identity). */
  readonly onRefresh?: () => void;
  /** Per request; default 15 s. */
  readonly timeoutMs?: number;
}

interface Fetched {
  readonly identity: AwsCredentialIdentity & { readonly expiration: Date };
}

const unavailable = (s: IotIdentitySettings, why: string, cause?: unknown): EdgeError =>
  new EdgeError('IOT_CREDENTIALS_UNAVAILABLE', `the IoT credentials provider ${formatIotEndpoint(s.credentialsEndpoint)} could not be used: ${why}`, {
    details: { endpoint: formatIotEndpoint(s.credentialsEndpoint), roleAlias: s.roleAlias },
    ...(cause ? { cause } : {}),
  });

function parseExpiration(value: unknown): Date | undefined {
  const d = typeof value === 'number' ? new Date(value > 1e12 ? value : value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/** Maps the provider's answer; error bodies are {"message": "..."} and never hold secrets. */
export function parseCredentialsResponse(s: IotIdentitySettings, status: number, body: string): Fetched['identity'] {
  if (status !== 200) {
    let message: string;
    try {
      message = String((JSON.parse(body) as { message?: unknown }).message ?? '');
    } catch {
      message = body.slice(0, 200);
    }
    const what = `HTTP ${status}${message ? ` (${message})` : ''} for role alias ${s.roleAlias} and thing ${s.thingName}`;
    if (status >= 400 && status < 500 && status !== 429) {
      throw new EdgeError('IOT_CREDENTIALS_REJECTED', `the IoT credentials provider refused the request: ${what}`, { details: { status, roleAlias: s.roleAlias, thingName: s.thingName } });
    }
    throw unavailable(s, what);
  }
  let c: Record<string, unknown> | undefined;
  try {
    c = (JSON.parse(body) as { credentials?: Record<string, unknown> }).credentials;
  } catch {
    c = undefined;
  }
  const expiration = parseExpiration(c?.['expiration']);
  if (!c || typeof c['accessKeyId'] !== 'string' || typeof c['secretAccessKey'] !== 'string' || typeof c['sessionToken'] !== 'string' || !expiration) {
    throw unavailable(s, 'the answer holds no credentials (accessKeyId, secretAccessKey, sessionToken, expiration)');
  }
  return { accessKeyId: c['accessKeyId'], secretAccessKey: c['secretAccessKey'], sessionToken: c['sessionToken'], expiration };
}

/** One request to the credentials provider. */
export async function fetchIotCredentials(s: IotIdentitySettings, options: Pick<IotCredentialOptions, 'agentUid' | 'timeoutMs'> = {}): Promise<Fetched['identity']> {
  const pem = readIotCertificate(s, options.agentUid === undefined ? {} : { agentUid: options.agentUid });
  const { host, port } = s.credentialsEndpoint;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method: 'GET',
        path: `/role-aliases/${encodeURIComponent(s.roleAlias)}/credentials`,
        headers: { 'x-amzn-iot-thingname': s.thingName },
        cert: pem.certPem,
        key: pem.keyPem,
        ...(pem.caPem ? { ca: pem.caPem } : {}),
        ...(isIP(host) ? {} : { servername: host }),
        timeout: options.timeoutMs ?? 15_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', (e) => reject(unavailable(s, `the answer was cut off (${e.message})`, e)));
        res.on('end', () => {
          try {
            resolve(parseCredentialsResponse(s, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 15_000} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(unavailable(s, `${e.code ? `${e.code}: ` : ''}${e.message}`, e)));
    req.end();
  });
}

/** A credential provider for AWS SDK clients, refreshed ahead of expiry (see the file comment). */
export function iotCredentialProvider(s: IotIdentitySettings, options: IotCredentialOptions = {}): AwsCredentialIdentityProvider {
  const now = options.now ?? (() => new Date());
  let cached: Fetched['identity'] | undefined;
  let pending: Promise<Fetched['identity']> | undefined;

  async function current(): Promise<Fetched['identity']> {
    if (cached && now().getTime() < cached.expiration.getTime() - IOT_CREDENTIALS_REFRESH_BUFFER_MS) return cached;
    const refreshing = cached !== undefined;
    try {
      cached = await fetchIotCredentials(s, options);
    } catch (e) {
      // a refused certificate or an insecure key file is never papered over
      const fatal = isEdgeError(e, 'IOT_CREDENTIALS_REJECTED') || isEdgeError(e, 'CONFIG_INSECURE_PERMISSIONS');
      if (!cached || fatal || now().getTime() >= cached.expiration.getTime()) throw e;
      options.warn?.(`${(e as Error).message}; using the credentials fetched before until they expire at ${cached.expiration.toISOString()}`);
      return cached;
    }
    if (refreshing) options.onRefresh?.();
    return cached;
  }

  return async () => {
    pending ??= current().finally(() => (pending = undefined));
    return { ...(await pending) };
  };
}

export interface CallerIdentityOptions {
  readonly region: string;
  /** STS endpoint override (sts_endpoint_override); default the regional endpoint. */
  readonly endpoint?: string;
}

/**
 * The host identifier of the IoT-certificate identity, retried with back-off (up to `maxDelayMs`)
 * while the network or the provider is unavailable; a refused certificate or a config error is
 * thrown at once. Resolves undefined when `signal` aborts first.
 */
export async function waitForSessionArn(
  credentials: AwsCredentialIdentityProvider,
  options: CallerIdentityOptions & { readonly signal: AbortSignal; readonly onRetry: (e: Error, delayMs: number) => void; readonly firstDelayMs?: number; readonly maxDelayMs?: number },
): Promise<string | undefined> {
  let delay = options.firstDelayMs ?? 2000;
  while (!options.signal.aborted) {
    try {
      return await callerArn(credentials, options);
    } catch (e) {
      if (!isEdgeError(e) || !e.retryable) throw e;
      options.onRetry(e, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        options.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      delay = Math.min(delay * 2, options.maxDelayMs ?? 90_000);
    }
  }
  return undefined;
}

interface IdentityLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The daemon's host identifier in IoT-certificate mode: resolved once at start (retried while
 * unavailable), then re-checked after every credentials refresh. A changed ARN (the role alias now
 * points at another role) is logged as an error: the instance registration no longer matches.
 */
export function iotHostIdentity(credentials: AwsCredentialIdentityProvider, options: CallerIdentityOptions & { readonly log: IdentityLog }) {
  let arn: string | undefined;
  return {
    async resolve(signal: AbortSignal): Promise<string | undefined> {
      arn = await waitForSessionArn(credentials, {
        ...options,
        signal,
        onRetry: (e, delayMs) => options.log.warn({ err: { code: (e as EdgeError).code, message: e.message }, retryInMs: delayMs }, 'cannot learn the host identifier yet; retrying'),
      });
      if (arn) options.log.info({ hostIdentifier: arn }, 'host identifier from the IoT credentials (STS GetCallerIdentity)');
      return arn;
    },
    recheck(): void {
      callerArn(credentials, options).then(
        (now) => {
          if (arn !== undefined && now !== arn) {
            options.log.error({ registered: arn, now }, 'the IoT credentials now belong to another session ARN: register the instance with it (or fix the role alias) and restart the agent');
          }
        },
        (e: Error) => options.log.warn({ err: { message: e.message } }, 'host identifier re-check failed'),
      );
    },
  };
}

/** The ARN of whoever the credentials belong to (for an IoT role alias: the assumed-role session). */
export async function callerArn(credentials: AwsCredentialIdentityProvider, options: CallerIdentityOptions): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import('../vendor/client-sts.js');
  const sts = new STSClient({ region: options.region, credentials, ...(options.endpoint ? { endpoint: options.endpoint } : {}), maxAttempts: 3 });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new EdgeError('CREDENTIALS_UNAVAILABLE', 'STS GetCallerIdentity returned no Arn');
    return out.Arn;
  } catch (e) {
    if (isEdgeError(e)) throw e;
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
      throw new EdgeError('IOT_CREDENTIALS_REJECTED', `STS GetCallerIdentity refused the credentials of the IoT role alias: ${(e as Error).message}`, { cause: e });
    }
    throw new EdgeError('CREDENTIALS_UNAVAILABLE', `STS GetCallerIdentity with the IoT credentials failed: ${(e as Error).message}`, { cause: e });
  } finally {
    sts.destroy();
  }
}
