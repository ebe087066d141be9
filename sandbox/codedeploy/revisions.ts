// Application revisions (S3 only): registration, lookup, and the usage bookkeeping deployments do.
import type {
  BatchGetApplicationRevisionsOutput,
  GetApplicationRevisionOutput,
  ListApplicationRevisionsOutput,
  RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { AwsError } from '../types.js';
import type { Operation } from './context.js';
import { applicationFromInput } from './context.js';
import type { Input } from './input.js';
import { optionalArray, optionalObject, optionalString, paginate } from './input.js';
import type { CodeDeployState, RevisionRecord, Wire } from './state.js';

export type S3RevisionLocation = Wire<RevisionLocation> & {
  revisionType: 'S3';
  s3Location: { bucket: string; key: string; bundleType: 'tar' | 'tgz' | 'zip'; version?: string; eTag?: string };
};

const BUNDLE_TYPES = ['tar', 'tgz', 'zip'];

/** Checks a request's `revision` and returns it normalised (S3 only, bundle type tar/tgz/zip). */
export function revisionFromInput(input: Input, field = 'revision'): S3RevisionLocation {
  const rev = optionalObject<Wire<RevisionLocation>>(input, field);
  if (!rev) throw new AwsError('RevisionRequiredException', 'The revision ID was not specified.');
  if (rev.revisionType !== 'S3') {
    throw new AwsError('InvalidRevisionException', `The sandbox supports S3 revisions only (revisionType ${String(rev.revisionType)}).`);
  }
  const s3 = rev.s3Location;
  if (!s3 || typeof s3.bucket !== 'string' || !s3.bucket || typeof s3.key !== 'string' || !s3.key) {
    throw new AwsError('InvalidRevisionException', 'The S3 revision must specify a bucket and a key.');
  }
  if (!BUNDLE_TYPES.includes(s3.bundleType ?? '')) {
    throw new AwsError('InvalidRevisionException', 'The bundle type must be one of tar, tgz or zip.');
  }
  return {
    revisionType: 'S3',
    s3Location: {
      bucket: s3.bucket,
      key: s3.key,
      bundleType: s3.bundleType as 'tar' | 'tgz' | 'zip',
      ...(s3.version ? { version: s3.version } : {}),
      ...(s3.eTag ? { eTag: s3.eTag } : {}),
    },
  };
}

function sameRevision(a: Wire<RevisionLocation>, b: Wire<RevisionLocation>): boolean {
  const x = a.s3Location;
  const y = b.s3Location;
  const etag = (v: string | undefined) => (v ?? '').replace(/"/g, '');
  return (
    a.revisionType === b.revisionType &&
    x?.bucket === y?.bucket &&
    x?.key === y?.key &&
    x?.bundleType === y?.bundleType &&
    (x?.version ?? '') === (y?.version ?? '') &&
    etag(x?.eTag) === etag(y?.eTag)
  );
}

export function findRevision(state: CodeDeployState, applicationName: string, revision: Wire<RevisionLocation>): RevisionRecord | undefined {
  return (state.revisions[applicationName] ?? []).find((r) => sameRevision(r.revision, revision));
}

function registerRevision(state: CodeDeployState, applicationName: string, revision: S3RevisionLocation, description: string, now: number): RevisionRecord {
  const existing = findRevision(state, applicationName, revision);
  if (existing) {
    existing.info.description = description;
    return existing;
  }
  const record: RevisionRecord = { revision, info: { description, deploymentGroups: [], registerTime: now } };
  (state.revisions[applicationName] ??= []).push(record);
  return record;
}

/** What CreateDeployment records: the revision (registered if new) was used by the group now. */
export function recordRevisionUse(
  state: CodeDeployState,
  applicationName: string,
  groupName: string,
  revision: S3RevisionLocation,
  deploymentId: string,
  now: number,
): void {
  const record =
    findRevision(state, applicationName, revision) ??
    registerRevision(state, applicationName, revision, `Application revision registered by Deployment ID: ${deploymentId}`, now);
  record.info.firstUsedTime ??= now;
  record.info.lastUsedTime = now;
  const groups = (record.info.deploymentGroups ??= []);
  if (!groups.includes(groupName)) groups.push(groupName);
}

const registerApplicationRevision: Operation = (ctx, input) => {
  const app = applicationFromInput(ctx, input);
  const revision = revisionFromInput(input);
  const description = optionalString(input, 'description') ?? '';
  registerRevision(ctx.state, app.applicationName, revision, description, ctx.now);
  ctx.changed();
  return {};
};

const getApplicationRevision: Operation = (ctx, input): Wire<GetApplicationRevisionOutput> => {
  const app = applicationFromInput(ctx, input);
  const revision = revisionFromInput(input);
  const record = findRevision(ctx.state, app.applicationName, revision);
  if (!record) throw new AwsError('RevisionDoesNotExistException', 'The named revision does not exist with the user or AWS account.');
  return { applicationName: app.applicationName, revision: record.revision, revisionInfo: record.info };
};

const batchGetApplicationRevisions: Operation = (ctx, input): Wire<BatchGetApplicationRevisionsOutput> => {
  const app = applicationFromInput(ctx, input);
  const requested = optionalArray<Wire<RevisionLocation>>(input, 'revisions') ?? [];
  if (requested.length === 0) throw new AwsError('RevisionRequiredException', 'The revision ID was not specified.');
  if (requested.length > 25) throw new AwsError('BatchLimitExceededException', 'The maximum number of names or IDs allowed for this request (25) was exceeded.');
  const revisions = requested.map((r) => {
    const record = findRevision(ctx.state, app.applicationName, r);
    if (!record) throw new AwsError('RevisionDoesNotExistException', 'The named revision does not exist with the user or AWS account.');
    return { revisionLocation: record.revision, genericRevisionInfo: record.info };
  });
  return { applicationName: app.applicationName, errorMessage: '', revisions };
};

const listApplicationRevisions: Operation = (ctx, input): Wire<ListApplicationRevisionsOutput> => {
  const app = applicationFromInput(ctx, input);
  const bucket = optionalString(input, 's3Bucket');
  const prefix = optionalString(input, 's3KeyPrefix') ?? '';
  const deployed = optionalString(input, 'deployed') ?? 'ignore';
  const sortBy = optionalString(input, 'sortBy') as 'registerTime' | 'firstUsedTime' | 'lastUsedTime' | undefined;
  const descending = optionalString(input, 'sortOrder') === 'descending';
  const records = (ctx.state.revisions[app.applicationName] ?? [])
    .filter((r) => bucket === undefined || r.revision.s3Location?.bucket === bucket)
    .filter((r) => (r.revision.s3Location?.key ?? '').startsWith(prefix))
    .filter((r) => deployed === 'ignore' || (deployed === 'include') === (r.info.firstUsedTime !== undefined));
  if (sortBy) records.sort((a, b) => (a.info[sortBy] ?? 0) - (b.info[sortBy] ?? 0));
  if (descending) records.reverse();
  const page = paginate(records, optionalString(input, 'nextToken'), 100, `revisions:${app.applicationName}`);
  return { revisions: page.items.map((r) => r.revision), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

export const revisionOperations: Readonly<Record<string, Operation>> = {
  RegisterApplicationRevision: registerApplicationRevision,
  GetApplicationRevision: getApplicationRevision,
  BatchGetApplicationRevisions: batchGetApplicationRevisions,
  ListApplicationRevisions: listApplicationRevisions,
};
