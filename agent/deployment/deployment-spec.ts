// The deployment specification the service (or `edge-agent deploy`) hands to every command.
// parseDeploymentSpec validates the JSON content with the official agent's messages (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/deployment_specification.rb);
// envelopes (PKCS7/JSON signature checks) are the daemon's business and wrap this.
import { EdgeError } from '../../shared/errors.js';

export type BundleType = 'tar' | 'tgz' | 'zip' | 'directory';

export type Revision =
  | { readonly type: 'S3'; readonly bucket: string; readonly key: string; readonly bundleType: 'tar' | 'tgz' | 'zip'; readonly version?: string; readonly etag?: string }
  | { readonly type: 'GitHub'; readonly account: string; readonly repository: string; readonly commitId: string; readonly bundleType?: string }
  | { readonly type: 'Local File' | 'Local Directory'; readonly location: string; readonly bundleType: string };

export interface DeploymentSpec {
  readonly deploymentId: string;
  readonly deploymentGroupId: string;
  readonly deploymentGroupName: string;
  readonly applicationName: string;
  readonly deploymentCreator: string;
  readonly deploymentType: string;
  readonly appSpecFilename: string;
  readonly revision: Revision;
  /** Upper-cased; DISALLOW unless the deployment overrides it. The AppSpec's own value wins at Install. */
  readonly fileExistsBehavior: string;
  readonly allPossibleLifecycleEvents?: readonly string[];
}

type Json = Record<string, unknown>;

const invalid = (message: string): EdgeError => new EdgeError('SPEC_INVALID', message);

function isSet(obj: unknown, key: string): boolean {
  if (typeof obj !== 'object' || obj === null) return false;
  const v = (obj as Json)[key];
  if (v === undefined || v === null) return false;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function str(obj: Json, key: string): string | undefined {
  const v = obj[key];
  return v === undefined || v === null ? undefined : String(v);
}

/** `arn:aws:codedeploy:us-east-1:123412341234:deployment/d-ABC` → `d-ABC`. */
export function deploymentIdFromArn(id: string): string {
  if (!id.startsWith('arn:')) return id;
  const resource = id.split(':').slice(5).join(':');
  const slash = resource.indexOf('/');
  return slash >= 0 ? resource.slice(slash + 1) : resource;
}

function parseRevision(data: Json): Revision {
  if (!isSet(data, 'Revision')) throw invalid('Must specify a revison');
  const revision = data['Revision'] as Json;
  const source = str(revision, 'RevisionType');
  if (!source) throw invalid('Must specify a revision source');
  switch (source) {
    case 'S3': {
      const s3 = revision['S3Revision'] as Json | undefined;
      if (!s3 || typeof s3 !== 'object' || !['Bucket', 'Key', 'BundleType'].every((k) => k in s3)) {
        throw invalid('S3Revision in Deployment Spec must specify Bucket, Key and BundleType');
      }
      const bundleType = str(s3, 'BundleType');
      if (bundleType !== 'tar' && bundleType !== 'tgz' && bundleType !== 'zip') throw invalid('BundleType in S3Revision must be tar, tgz or zip');
      const version = str(s3, 'Version');
      const etag = str(s3, 'ETag');
      return { type: 'S3', bucket: String(s3['Bucket']), key: String(s3['Key']), bundleType, ...(version ? { version } : {}), ...(etag ? { etag } : {}) };
    }
    case 'GitHub': {
      const gh = revision['GitHubRevision'] as Json | undefined;
      const required = ['Account', 'Repository', 'CommitId'];
      if (gh && gh['Anonymous'] === false) required.push('OAuthToken');
      if (!gh || typeof gh !== 'object' || !required.every((k) => k in gh)) {
        throw invalid('GitHubRevision in Deployment Spec must specify Account, Repository and CommitId');
      }
      const bundleType = str(gh, 'BundleType');
      return { type: 'GitHub', account: String(gh['Account']), repository: String(gh['Repository']), commitId: String(gh['CommitId']), ...(bundleType ? { bundleType } : {}) };
    }
    case 'Local File':
    case 'Local Directory': {
      const local = revision['LocalRevision'] as Json | undefined;
      if (!local || typeof local !== 'object' || !isSet(local, 'Location')) throw invalid('LocalRevision in Deployment Spec must specify Location and BundleType');
      return { type: source, location: String(local['Location']), bundleType: str(local, 'BundleType') ?? (source === 'Local Directory' ? 'directory' : 'tar') };
    }
    default:
      throw invalid('Exactly one of S3Revision, GitHubRevision, or LocalRevision must be specified');
  }
}

export function parseDeploymentSpec(data: unknown): DeploymentSpec {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('Provided deployment spec was nil');
  const d = data as Json;
  for (const field of ['DeploymentId', 'DeploymentGroupId', 'DeploymentGroupName', 'ApplicationName']) {
    if (!isSet(d, field)) throw invalid(`Deployment Spec has no ${field}`);
  }
  const revision = parseRevision(d);
  let fileExistsBehavior = 'DISALLOW';
  const overrides = d['AgentActionOverrides'];
  if (isSet(d, 'AgentActionOverrides') && isSet(overrides, 'AgentOverrides')) {
    const agentOverrides = (overrides as Json)['AgentOverrides'];
    if (isSet(agentOverrides, 'FileExistsBehavior')) fileExistsBehavior = String((agentOverrides as Json)['FileExistsBehavior']).toUpperCase();
  }
  const events = d['AllPossibleLifecycleEvents'];
  return {
    deploymentId: deploymentIdFromArn(String(d['DeploymentId'])),
    deploymentGroupId: String(d['DeploymentGroupId']),
    deploymentGroupName: String(d['DeploymentGroupName']),
    applicationName: String(d['ApplicationName']),
    deploymentCreator: str(d, 'DeploymentCreator') ?? 'user',
    deploymentType: str(d, 'DeploymentType') ?? 'IN_PLACE',
    appSpecFilename: isSet(d, 'AppSpecFilename') ? String(d['AppSpecFilename']) : 'appspec.yml',
    revision,
    fileExistsBehavior,
    ...(Array.isArray(events) && events.length > 0 ? { allPossibleLifecycleEvents: events.map(String) } : {}),
  };
}
