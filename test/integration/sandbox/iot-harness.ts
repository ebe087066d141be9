// Shared by the IoT sandbox tests: a full sandbox (startSandbox) with a real @aws-sdk/client-iot
// client, the AWS error of a failed call, a provisioned device (thing + active certificate
// attached), and an HTTPS GET over mutual TLS.
import type { Test } from 'tap';
import { request } from 'node:https';
import { AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../sandbox/sandbox.js';
import type { Principal } from '../../../sandbox/types.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export interface AwsFailure {
  readonly name: string;
  readonly message: string;
  readonly status: number | undefined;
  readonly error: Record<string, unknown>;
}

/** The error a call failed with (the test fails when it succeeds). */
export async function failure(p: Promise<unknown>): Promise<AwsFailure> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode, error: err as unknown as Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

export const sdkCredentials = (p: Principal): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } => ({
  accessKeyId: p.accessKeyId,
  secretAccessKey: p.secretAccessKey,
  ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}),
});

export function iotClient(sb: Sandbox, principal: Principal = sb.root): IoTClient {
  return new IoTClient({ endpoint: sb.url, region: sb.region, credentials: sdkCredentials(principal), maxAttempts: 1 });
}

/** A sandbox closed at the end of the test. */
export async function startIotSandbox(t: Test, opts: SandboxOptions = {}): Promise<{ sb: Sandbox; iot: IoTClient }> {
  const sb = await startSandbox(opts);
  t.teardown(() => sb.close());
  return { sb, iot: iotClient(sb) };
}

export interface Device {
  readonly thingName: string;
  readonly certificateId: string;
  readonly certificateArn: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** A thing with a new ACTIVE certificate attached (as a fleet enrollment does it). */
export async function provisionDevice(iot: IoTClient, thingName: string, opts: { attach?: boolean } = {}): Promise<Device> {
  await iot.send(new CreateThingCommand({ thingName }));
  const keys = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  if (opts.attach !== false) await iot.send(new AttachThingPrincipalCommand({ thingName, principal: keys.certificateArn! }));
  return {
    thingName,
    certificateId: keys.certificateId!,
    certificateArn: keys.certificateArn!,
    certificatePem: keys.certificatePem!,
    privateKeyPem: keys.keyPair!.PrivateKey!,
  };
}

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** GET https://<endpoint><path> trusting `caPem`, presenting the client certificate if given. */
export function mtlsGet(
  endpoint: string,
  path: string,
  tls: { caPem: string; certPem?: string; keyPem?: string },
  headers: Record<string, string> = {},
): Promise<HttpsAnswer> {
  const [host, port] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path, method: 'GET', headers, ca: tls.caPem, ...(tls.certPem ? { cert: tls.certPem, key: tls.keyPem } : {}), agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
