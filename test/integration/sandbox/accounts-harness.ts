// Shared by the cross-account tests: a sandbox started from a small accounts config, SDK clients
// for any principal, role sessions through the real STS client, and the AWS error of a failed call.
import type { Test } from 'tap';
import { S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfig } from '../../../sandbox/sandbox-config.js';
import type { Principal } from '../../../sandbox/types.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export const PIPELINE = '111111111111';
export const TENANT = '333333333333';
export const OTHER = '444444444444';
export const ARTIFACTS = 'pipeline-artifacts';
export const WEB = 'tenant-333-web';

export const CONFIG = `
region: us-east-1
pipelineAccountId: '${PIPELINE}'
accounts:
  - accountId: '${PIPELINE}'
    name: pipeline
    kmsKeys:
      - alias: artifacts
        policy:
          Version: '2012-10-17'
          Statement:
            - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::${PIPELINE}:root' }, Action: 'kms:*', Resource: '*' }
            - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::${TENANT}:role/DeployRole' }, Action: [kms:Decrypt, kms:DescribeKey], Resource: '*' }
      - alias: private
    buckets:
      - name: ${ARTIFACTS}
        versioning: Enabled
        encryption: { algorithm: 'aws:kms', kmsKey: alias/artifacts }
        policy:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::${TENANT}:role/DeployRole' }
              Action: [s3:GetObject, s3:GetObjectVersion]
              Resource: 'arn:aws:s3:::${ARTIFACTS}/releases/*'
            - Effect: Allow
              Principal: { AWS: '${TENANT}' }
              Action: s3:ListBucket
              Resource: 'arn:aws:s3:::${ARTIFACTS}'
              Condition: { StringLike: { 's3:prefix': 'releases/*' } }
  - accountId: '${TENANT}'
    name: tenant-a
    roles:
      - name: DeployRole
        trust: { accounts: ['${PIPELINE}'], externalId: ext-333 }
        maxSessionDuration: 7200
      - name: CloudFormationRole
        trust: { services: [cloudformation.amazonaws.com] }
    kmsKeys:
      - alias: web
    buckets:
      - name: ${WEB}
        encryption: { kmsKey: alias/web }
  - accountId: '${OTHER}'
    name: tenant-b
    roles:
      - name: DeployRole
        trust: { accounts: ['${PIPELINE}'], externalId: ext-444 }
`;

export { failure } from './iot-harness.js';

export type Creds = Pick<Principal, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>;

export function clients(sb: Sandbox, who: Creds) {
  const config = {
    endpoint: sb.url,
    region: sb.region,
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey, ...(who.sessionToken ? { sessionToken: who.sessionToken } : {}) },
    maxAttempts: 1,
  };
  return { s3: new S3Client({ ...config, forcePathStyle: true }), kms: new KMSClient(config), sts: new STSClient(config) };
}

export async function assume(sb: Sandbox, from: Creds, roleArn: string, externalId?: string): Promise<Creds> {
  const out = await clients(sb, from).sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test', ...(externalId ? { ExternalId: externalId } : {}) }));
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

export async function startAccountsSandbox(t: Test, yaml = CONFIG): Promise<Sandbox> {
  const sb = await startSandbox({ config: parseSandboxConfig(yaml, 'accounts.yaml') });
  t.teardown(() => sb.close());
  return sb;
}
