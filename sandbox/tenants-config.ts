// A generated sandbox config for N tenant accounts (benchmarks, scale tests, the demo): the
// pipeline account with a KMS-encrypted artifact bucket the tenants may read, device accounts, and
// per tenant a cross-account role the pipeline assumes (with an ExternalId), a CloudFormation
// deployment role, a KMS key and a web bucket encrypted with it. The result is the config file's
// document: write it as JSON/YAML, or parse it with parseSandboxConfigDocument.
import { PIPELINE_ACCOUNT_ID, SANDBOX_DEFAULT_REGION } from './constants.js';

export interface TenantsConfigOptions {
  readonly tenants: number;
  readonly region?: string;
  readonly pipelineAccountId?: string;
  /** Device accounts (default 1). */
  readonly deviceAccounts?: number;
  /** The first tenant's account id; the others follow (default 300000000000). */
  readonly firstTenantAccountId?: string;
  /** The artifact bucket in the pipeline account (default `pipeline-artifacts-<pipeline account>`). */
  readonly artifactBucket?: string;
  /** Pre-create a CodeDeploy application and deployment group per tenant (default false). */
  readonly codedeploy?: boolean;
}

export const TENANT_PIPELINE_ROLE = 'PipelineAccessRole';
export const TENANT_CLOUDFORMATION_ROLE = 'CloudFormationDeployRole';

/** The ExternalId the pipeline presents to a tenant's PipelineAccessRole. */
export const tenantExternalId = (accountId: string): string => `pipeline-${accountId}`;

const accountAt = (first: string, i: number): string => String(BigInt(first) + BigInt(i)).padStart(12, '0');

export function generateTenantsConfig(options: TenantsConfigOptions): Record<string, unknown> {
  const region = options.region ?? SANDBOX_DEFAULT_REGION;
  const pipeline = options.pipelineAccountId ?? PIPELINE_ACCOUNT_ID;
  const first = options.firstTenantAccountId ?? '300000000000';
  const tenantIds = Array.from({ length: options.tenants }, (_, i) => accountAt(first, i));
  const deviceIds = Array.from({ length: options.deviceAccounts ?? 1 }, (_, i) => accountAt('200000000000', i));
  const artifacts = options.artifactBucket ?? `pipeline-artifacts-${pipeline}`;
  const readers = [...tenantIds, ...deviceIds];
  const pipelineAccount = {
    accountId: pipeline,
    name: 'pipeline',
    kind: 'pipeline',
    roles: [{ name: 'ReleaseRole', trust: { accounts: [pipeline] } }],
    kmsKeys: [
      {
        alias: 'artifacts',
        description: 'release artifacts',
        policy: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${pipeline}:root` }, Action: 'kms:*', Resource: '*' },
            ...(readers.length > 0 ? [{ Sid: 'ReadersDecrypt', Effect: 'Allow', Principal: { AWS: readers }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*' }] : []),
          ],
        },
      },
    ],
    buckets: [
      {
        name: artifacts,
        versioning: 'Enabled',
        encryption: { algorithm: 'aws:kms', kmsKey: 'alias/artifacts', bucketKey: true },
        ...(readers.length > 0
          ? {
              policy: {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'ReadReleases', Effect: 'Allow', Principal: { AWS: readers }, Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `arn:aws:s3:::${artifacts}/releases/*` },
                  { Sid: 'ListReleases', Effect: 'Allow', Principal: { AWS: readers }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${artifacts}`, Condition: { StringLike: { 's3:prefix': 'releases/*' } } },
                ],
              },
            }
          : {}),
      },
    ],
  };
  const devices = deviceIds.map((accountId, i) => ({
    accountId,
    name: `devices-${i + 1}`,
    kind: 'device',
    roles: [{ name: 'FleetDeployRole', trust: { accounts: [pipeline] } }],
  }));
  const tenants = tenantIds.map((accountId, i) => ({
    accountId,
    name: `tenant-${String(i + 1).padStart(3, '0')}`,
    kind: 'tenant',
    roles: [
      { name: TENANT_PIPELINE_ROLE, trust: { accounts: [pipeline], externalId: tenantExternalId(accountId) }, maxSessionDuration: 3600 },
      { name: TENANT_CLOUDFORMATION_ROLE, trust: { services: ['cloudformation.amazonaws.com'] } },
    ],
    kmsKeys: [
      {
        alias: 'tenant-web',
        description: `web files of tenant ${accountId}`,
        policy: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
            { Sid: 'PipelineUse', Effect: 'Allow', Principal: { AWS: pipeline }, Action: ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
          ],
        },
      },
    ],
    buckets: [
      {
        name: `tenant-${accountId}-web`,
        encryption: { algorithm: 'aws:kms', kmsKey: 'alias/tenant-web' },
        policy: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'PipelineWrites', Effect: 'Allow', Principal: { AWS: pipeline }, Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::tenant-${accountId}-web`, `arn:aws:s3:::tenant-${accountId}-web/*`] }],
        },
      },
    ],
    ...(options.codedeploy
      ? { codedeploy: { applications: [{ name: 'tenant-app', deploymentGroups: [{ name: 'servers', onPremisesInstanceTagFilters: [{ Key: 'tenant', Value: accountId, Type: 'KEY_AND_VALUE' }] }] }] } }
      : {}),
  }));
  return { region, pipelineAccountId: pipeline, accounts: [pipelineAccount, ...devices, ...tenants] };
}
