// The SDK v3 adapter: a PortFactory that builds real clients (one attempt each: the pool is the only
// retry layer) and wraps them in the per-service adapters of ./sdk/. Only commands that talk to AWS
// import this module, so the SDKs load only for them. Options are plain values from the composition
// root (which reads the environment); nothing here reads process.env.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { IAMClient } from '@aws-sdk/client-iam';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
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

function config(spec: ClientSpec, opts: SdkOptions): Record<string, unknown> {
  return {
    region: spec.region,
    maxAttempts: 1,
    ...(spec.credentials ? { credentials: spec.credentials } : opts.profile ? { profile: opts.profile } : {}),
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
  };
}

function built<C extends Client, P>(client: C, adapt: (c: C) => P): BuiltPort<P> {
  return { port: adapt(client), destroy: () => client.destroy() };
}

export function createSdkPortFactory(opts: SdkOptions = {}): PortFactory {
  return {
    codedeploy: (spec) => built(new CodeDeployClient(config(spec, opts)), codeDeployAdapter),
    s3: (spec) => built(new S3Client({ ...config(spec, opts), ...(opts.forcePathStyle ? { forcePathStyle: true } : {}) }), s3Adapter),
    sts: (spec) => built(new STSClient(config(spec, opts)), stsAdapter),
    iot: (spec) => built(new IoTClient(config(spec, opts)), iotAdapter),
    iotdata: (spec) => built(new IoTDataPlaneClient(config(spec, opts)), iotDataAdapter),
    iam: (spec) => built(new IAMClient(config(spec, opts)), iamAdapter),
    cloudformation: (spec) => built(new CloudFormationClient(config(spec, opts)), cloudFormationAdapter),
    cloudwatch: (spec) => built(new CloudWatchClient(config(spec, opts)), cloudWatchAdapter),
  };
}
