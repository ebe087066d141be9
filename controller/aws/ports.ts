// The controller's narrow AWS ports: the operations fleetctl performs (registration today, releases
// and rollouts next), with our own typed inputs and outputs. Nothing here names an SDK type.
// Every failure is an EdgeError with an AWS_* code (controller/aws/sdk-errors.ts maps SDK errors
// once): domain code tests `isEdgeError(e, 'AWS_NOT_FOUND')`, never an AWS exception name.
// Adapters: controller/aws/sdk/* (real SDK v3 clients); stateful fakes: test/fakes/aws/*.
// CloudFormation and CloudWatch ports live in ports-cloud.ts (re-exported here).
import type { CloudFormationPort, CloudWatchPort } from './ports-cloud.js';

export type * from './ports-cloud.js';

export const SERVICES = ['codedeploy', 's3', 'sts', 'iot', 'iotdata', 'iam', 'cloudformation', 'cloudwatch'] as const;
export type Service = (typeof SERVICES)[number];

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** One page of a listing; `nextToken` is absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

// --- CodeDeploy ----------------------------------------------------------------------------
export type RegistrationStatus = 'Registered' | 'Deregistered';
export type DeploymentStatus = 'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Succeeded' | 'Failed' | 'Stopped' | 'Ready';

export interface OnPremisesInstance {
  readonly instanceName: string;
  readonly iamUserArn?: string;
  readonly iamSessionArn?: string;
  readonly instanceArn?: string;
  readonly registerTime?: Date;
  /** Set once deregistered. */
  readonly deregisterTime?: Date;
  readonly tags: readonly Tag[];
}

export interface S3Revision {
  readonly bucket: string;
  readonly key: string;
  readonly bundleType: 'tar' | 'tgz' | 'zip' | 'YAML' | 'JSON';
  readonly version?: string;
  readonly eTag?: string;
}

export interface DeploymentInfo {
  readonly deploymentId: string;
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly status: DeploymentStatus | 'Unknown';
  readonly createTime?: Date;
  readonly completeTime?: Date;
  readonly revision?: S3Revision;
  readonly errorInformation?: { readonly code?: string; readonly message?: string };
  readonly overview?: Readonly<Record<'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Ready', number>>;
  readonly description?: string;
}

export interface CreateDeploymentInput {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly revision: S3Revision;
  readonly description?: string;
  readonly deploymentConfigName?: string;
  readonly fileExistsBehavior?: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  readonly ignoreApplicationStopFailures?: boolean;
  /** Roll back to the last successful revision on these events (e.g. DEPLOYMENT_FAILURE). */
  readonly autoRollback?: { readonly enabled: boolean; readonly events: readonly string[] };
}

/** A deployment a group remembers (its last attempted or last successful one). */
export interface GroupDeployment {
  readonly deploymentId: string;
  readonly status: DeploymentStatus | 'Unknown';
  readonly endTime?: Date;
}

export interface MinimumHealthyHosts {
  readonly type: 'HOST_COUNT' | 'FLEET_PERCENT';
  readonly value: number;
}

export interface DeploymentGroupInfo {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly deploymentGroupId?: string;
  readonly deploymentConfigName?: string;
  readonly serviceRoleArn?: string;
  /** Tag sets selecting on-premises instances (OR within a set, AND across sets). */
  readonly onPremisesTagSets: readonly (readonly Tag[])[];
  readonly autoRollbackEvents: readonly string[];
  readonly lastSuccessfulDeployment?: GroupDeployment;
  readonly lastAttemptedDeployment?: GroupDeployment;
  /** The revision the group's last deployment installs. */
  readonly targetRevision?: S3Revision;
}

/** A deployment group of on-premises instances, as CreateDeploymentGroup / UpdateDeploymentGroup set it. */
export interface DeploymentGroupSettings {
  readonly serviceRoleArn: string;
  readonly deploymentConfigName?: string;
  /** Tag groups (at most 3): an instance must match every group, any one tag within a group. */
  readonly onPremisesTagSet: readonly (readonly Tag[])[];
  readonly autoRollback?: { readonly enabled: boolean; readonly events: readonly string[] };
}

export interface CreateDeploymentGroupInput extends DeploymentGroupSettings {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
}

export interface UpdateDeploymentGroupInput extends Partial<DeploymentGroupSettings> {
  readonly applicationName: string;
  readonly currentDeploymentGroupName: string;
  readonly newDeploymentGroupName?: string;
}

export interface DeploymentTarget {
  readonly deploymentId: string;
  readonly targetId: string;
  readonly status: string;
  readonly lastUpdatedAt?: Date;
  /** Lifecycle events with their status, in order. */
  readonly lifecycleEvents: readonly { readonly name: string; readonly status: string; readonly message?: string }[];
}

export interface CodeDeployPort {
  registerOnPremisesInstance(input: { instanceName: string; iamUserArn?: string; iamSessionArn?: string }): Promise<void>;
  deregisterOnPremisesInstance(instanceName: string): Promise<void>;
  getOnPremisesInstance(instanceName: string): Promise<OnPremisesInstance>;
  /** Up to 100 names a call; unknown names are left out. */
  batchGetOnPremisesInstances(instanceNames: readonly string[]): Promise<OnPremisesInstance[]>;
  listOnPremisesInstances(input: { registrationStatus?: RegistrationStatus; tagFilters?: readonly Tag[]; nextToken?: string }): Promise<Page<string>>;
  /** Up to 10 names a call. */
  addTagsToOnPremisesInstances(instanceNames: readonly string[], tags: readonly Tag[]): Promise<void>;
  removeTagsFromOnPremisesInstances(instanceNames: readonly string[], tags: readonly Tag[]): Promise<void>;
  createDeployment(input: CreateDeploymentInput): Promise<{ deploymentId: string }>;
  getDeployment(deploymentId: string): Promise<DeploymentInfo>;
  /** Up to 25 ids a call. */
  batchGetDeployments(deploymentIds: readonly string[]): Promise<DeploymentInfo[]>;
  listDeployments(input: {
    applicationName?: string;
    deploymentGroupName?: string;
    includeOnlyStatuses?: readonly DeploymentStatus[];
    /** Deployments created in this window (either end open). */
    createTimeRange?: { start?: Date; end?: Date };
    nextToken?: string;
  }): Promise<Page<string>>;
  stopDeployment(deploymentId: string, autoRollbackEnabled?: boolean): Promise<{ status: string; statusMessage?: string }>;
  registerApplicationRevision(input: { applicationName: string; revision: S3Revision; description?: string }): Promise<void>;
  getDeploymentGroup(applicationName: string, deploymentGroupName: string): Promise<DeploymentGroupInfo>;
  /** AWS_ALREADY_EXISTS (DeploymentGroupAlreadyExistsException) when the name is taken. */
  createDeploymentGroup(input: CreateDeploymentGroupInput): Promise<{ deploymentGroupId: string }>;
  /** Sets the fields given (the others stay); `newDeploymentGroupName` renames the group. */
  updateDeploymentGroup(input: UpdateDeploymentGroupInput): Promise<void>;
  /** AWS_ALREADY_EXISTS (DeploymentConfigAlreadyExistsException) when the name is taken. */
  createDeploymentConfig(input: { deploymentConfigName: string; minimumHealthyHosts: MinimumHealthyHosts }): Promise<{ deploymentConfigId: string }>;
  /** AWS_CONFLICT (DeploymentNotStartedException) while the deployment has not chosen its targets. */
  listDeploymentTargets(input: { deploymentId: string; nextToken?: string }): Promise<Page<string>>;
  /** Up to 25 ids a call. */
  batchGetDeploymentTargets(deploymentId: string, targetIds: readonly string[]): Promise<DeploymentTarget[]>;
}

// --- S3 ------------------------------------------------------------------------------------
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export interface ObjectHead {
  /** With its quotes, as S3 sends it. */
  readonly etag: string;
  readonly size: number;
  readonly lastModified?: Date;
  readonly versionId?: string;
  readonly contentType?: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** The object's SHA-256 checksum (base64; a composite one ends in -<parts>), when asked with `checksumMode` and stored. */
  readonly checksumSha256?: string;
  /** 'aws:kms' or 'AES256' as S3 reports it, with the KMS key for SSE-KMS. */
  readonly sse?: string;
  readonly kmsKeyId?: string;
}

/** How a write is protected: S3 SHA-256 checksums (verified by S3 on arrival) and SSE-KMS with a key. */
export interface WriteProtection {
  readonly checksumAlgorithm?: 'SHA256';
  /** Encrypt with SSE-KMS under this key (ARN, id or alias); absent: the bucket's default encryption. */
  readonly kmsKeyId?: string;
}

export interface WriteConditions {
  /** '*': create only; AWS_PRECONDITION_FAILED when the key exists. */
  readonly ifNoneMatch?: '*';
  /** Replace only this version of the object (its ETag); AWS_PRECONDITION_FAILED otherwise. */
  readonly ifMatch?: string;
}

export interface PutObjectInput extends WriteConditions, WriteProtection {
  readonly bucket: string;
  readonly key: string;
  readonly body: Uint8Array | string;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface UploadInput extends WriteProtection {
  readonly bucket: string;
  readonly key: string;
  /** Bytes, or a stream of them (read once; multipart above `partSizeBytes`). */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Default 8 MiB, at least 5 MiB. */
  readonly partSizeBytes?: number;
  readonly onProgress?: (loadedBytes: number) => void;
}

export interface S3ObjectSummary {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified?: Date;
}

export interface S3Port {
  /** AWS_NOT_FOUND when there is no such object (or bucket). */
  headObject(ref: ObjectRef & { checksumMode?: boolean }): Promise<ObjectHead>;
  getObject(ref: ObjectRef & { ifMatch?: string }): Promise<ObjectHead & { body: Uint8Array }>;
  putObject(input: PutObjectInput): Promise<{ etag: string; versionId?: string }>;
  /** Multipart for large bodies (lib-storage), a single PUT for small ones. */
  uploadObject(input: UploadInput): Promise<{ etag: string; versionId?: string }>;
  copyObject(input: { source: ObjectRef; bucket: string; key: string; sourceIfMatch?: string }): Promise<{ etag: string; versionId?: string }>;
  listObjectsV2(input: { bucket: string; prefix?: string; delimiter?: string; maxKeys?: number; continuationToken?: string }): Promise<{
    objects: readonly S3ObjectSummary[];
    commonPrefixes: readonly string[];
    nextContinuationToken?: string;
  }>;
  /** Up to 1000 keys a call; per-key failures come back in `errors` (a missing key counts as deleted). */
  deleteObjects(input: { bucket: string; keys: readonly string[] }): Promise<{
    deleted: readonly string[];
    errors: readonly { key: string; code: string; message: string }[];
  }>;
}

// --- STS -----------------------------------------------------------------------------------
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface AssumeRoleInput {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly externalId?: string;
  /** 900..43200; default 3600. */
  readonly durationSeconds?: number;
}

export interface StsPort {
  getCallerIdentity(): Promise<{ account: string; arn: string; userId: string }>;
  assumeRole(input: AssumeRoleInput): Promise<{ credentials: SessionCredentials & { expiration: Date }; assumedRoleArn: string }>;
}

// --- IoT control and data planes -----------------------------------------------------------
export type IotEndpointType = 'iot:Data-ATS' | 'iot:CredentialProvider' | 'iot:Jobs';

export interface IotPort {
  /** host (or host:port), without a scheme. */
  describeEndpoint(endpointType: IotEndpointType): Promise<string>;
  describeRoleAlias(roleAlias: string): Promise<{ roleArn: string }>;
  createRoleAlias(input: { roleAlias: string; roleArn: string }): Promise<void>;
  getPolicy(policyName: string): Promise<{ document: string }>;
  createPolicy(policyName: string, policyDocument: string): Promise<void>;
  describeThingGroup(thingGroupName: string): Promise<{ arn?: string }>;
  createThingGroup(thingGroupName: string): Promise<void>;
  describeThing(thingName: string): Promise<{ thingName: string; thingArn?: string }>;
  createThing(thingName: string): Promise<void>;
  deleteThing(thingName: string): Promise<void>;
  listThingPrincipals(input: { thingName: string; nextToken?: string }): Promise<Page<string>>;
  listThingGroupsForThing(input: { thingName: string; nextToken?: string }): Promise<Page<string>>;
  addThingToThingGroup(thingName: string, thingGroupName: string): Promise<void>;
  createKeysAndCertificate(setAsActive: boolean): Promise<{
    certificateArn: string;
    certificateId: string;
    certificatePem: string;
    privateKey: string;
  }>;
  attachPolicy(policyName: string, target: string): Promise<void>;
  detachPolicy(policyName: string, target: string): Promise<void>;
  attachThingPrincipal(thingName: string, principal: string): Promise<void>;
  detachThingPrincipal(thingName: string, principal: string): Promise<void>;
  updateCertificate(certificateId: string, newStatus: 'ACTIVE' | 'INACTIVE' | 'REVOKED'): Promise<void>;
  deleteCertificate(certificateId: string): Promise<void>;
}

export interface IotDataPort {
  /** The shadow document; AWS_NOT_FOUND when the thing has no (such) shadow. */
  getThingShadow(thingName: string, shadowName?: string): Promise<Record<string, unknown>>;
}

// --- IAM -----------------------------------------------------------------------------------
export interface IamPort {
  getUser(userName: string): Promise<{ userName: string; arn: string; path: string }>;
  createUser(userName: string, path?: string): Promise<{ arn: string }>;
  deleteUser(userName: string): Promise<void>;
  listAccessKeys(userName: string): Promise<{ accessKeyId: string; status: string }[]>;
  createAccessKey(userName: string): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
  /** The policy document (decoded JSON text). */
  getUserPolicy(userName: string, policyName: string): Promise<string>;
  putUserPolicy(userName: string, policyName: string, policyDocument: string): Promise<void>;
  listUserPolicies(userName: string): Promise<string[]>;
  deleteUserPolicy(userName: string, policyName: string): Promise<void>;
}

/** The ports of one (account, region, credentials). */
export interface AwsPorts {
  readonly codedeploy: CodeDeployPort;
  readonly s3: S3Port;
  readonly sts: StsPort;
  readonly iot: IotPort;
  readonly iotdata: IotDataPort;
  readonly iam: IamPort;
  readonly cloudformation: CloudFormationPort;
  readonly cloudwatch: CloudWatchPort;
}

export type PortOf<S extends Service> = AwsPorts[S];
