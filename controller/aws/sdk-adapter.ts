// The SDK v3 adapter: a PortFactory that builds real clients (one attempt each: the pool is the only
// retry layer; one set of keep-alive connections for all of them) and wraps them in the per-service
// adapters of ./sdk/. Only commands that talk to AWS import this module, so the SDKs load only for
// them. Options are plain values from the composition root (which reads the environment); nothing
// here reads process.env.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { IAMClient } from '@aws-sdk/client-iam';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { BuiltPort, ClientSpec, PortFactory } from './clients.js';
import { cloudFormationAdapter } from './sdk/cloudformation.js';
import { cloudWatchAdapter } from './sdk/cloudwatch.js';
import { codeDeployAdapter } from './sdk/codedeploy.js';
import { iamAdapter } from './sdk/iam.js';
import { iotDataAdapter } from './sdk/iot-data.js';
import { iotAdapter } from './sdk/iot.js';
import { s3Adapter } from './sdk/s3.js';
import { stsAdapter } from './sdk/sts.js';

export interface SdkOptions {
  /** A shared-config profile for the default credentials (absent: the SDK's default chain). */
  readonly profile?: string;
  /** S3 path-style addressing (sandbox, MinIO). */
  readonly forcePathStyle?: boolean;
}

interface Client {
  destroy(): void;
}

interface Agents {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
}

function config(spec: ClientSpec, opts: SdkOptions, agents: Agents): Record<string, unknown> {
  return {
    region: spec.region,
    requestHandler: agents,
    maxAttempts: 1,
    // no middleware is added to these clients or their commands after their first call
    cacheMiddleware: true,
    ...(spec.credentials ? { credentials: spec.credentials } : opts.profile ? { profile: opts.profile } : {}),
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
  };
}

// A client's sockets are the factory's (see createSdkPortFactory): client.destroy() would destroy
// the shared agents under every other client, and there is nothing else of the client's to release.
function built<C extends Client, P>(client: C, adapt: (c: C) => P): BuiltPort<P> {
  return { port: adapt(client), destroy: () => undefined };
}

/** Sockets per endpoint host, all clients together; the pool's cap on calls in flight is the tighter bound. */
export const SOCKETS_PER_HOST = 64;

/**
 * One pair of keep-alive agents serves every client the factory builds: a fan-out builds a client
 * per tenant account (its own credentials), all for the same few hosts (one CloudFormation endpoint
 * per region, whatever the account), so a connection opened, and its TLS handshake paid, for one
 * tenant serves the next instead of each client opening its own. `destroy` closes them.
 */
export function createSdkPortFactory(opts: SdkOptions = {}): PortFactory {
  const agents: Agents = {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST }),
  };
  const cfg = (spec: ClientSpec): Record<string, unknown> => config(spec, opts, agents);
  return {
    codedeploy: (spec) => built(new CodeDeployClient(cfg(spec)), codeDeployAdapter),
    s3: (spec) => built(new S3Client({ ...cfg(spec), ...(opts.forcePathStyle ? { forcePathStyle: true } : {}) }), s3Adapter),
    sts: (spec) => built(new STSClient(cfg(spec)), stsAdapter),
    iot: (spec) => built(new IoTClient(cfg(spec)), iotAdapter),
    iotdata: (spec) => built(new IoTDataPlaneClient(cfg(spec)), iotDataAdapter),
    iam: (spec) => built(new IAMClient(cfg(spec)), iamAdapter),
    cloudformation: (spec) => built(new CloudFormationClient(cfg(spec)), cloudFormationAdapter),
    cloudwatch: (spec) => built(new CloudWatchClient(cfg(spec)), cloudWatchAdapter),
    destroy: () => {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    },
  };
}
