import t from 'tap';
import { deploymentIdFromArn, parseDeploymentSpec } from '../../../../agent/deployment/deployment-spec.js';

const base = {
  DeploymentId: 'd-ABCDEFGHI',
  DeploymentGroupId: 'group-1',
  DeploymentGroupName: 'pi-fleet',
  ApplicationName: 'air-quality',
  Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'b', Key: 'k.tgz', BundleType: 'tgz', Version: 'v1', ETag: '"abc"' } },
};

t.test('defaults and S3 revision', async (t) => {
  const spec = parseDeploymentSpec(base);
  t.equal(spec.deploymentCreator, 'user');
  t.equal(spec.deploymentType, 'IN_PLACE');
  t.equal(spec.appSpecFilename, 'appspec.yml');
  t.equal(spec.fileExistsBehavior, 'DISALLOW');
  t.same(spec.revision, { type: 'S3', bucket: 'b', key: 'k.tgz', bundleType: 'tgz', version: 'v1', etag: '"abc"' });
  t.equal(spec.allPossibleLifecycleEvents, undefined);
});

t.test('ARN deployment ids are reduced to the id', async (t) => {
  t.equal(deploymentIdFromArn('arn:aws:codedeploy:us-east-1:123412341234:deployment/d-ABC'), 'd-ABC');
  t.equal(parseDeploymentSpec({ ...base, DeploymentId: 'arn:aws:codedeploy:us-east-1:1:deployment/d-XYZ' }).deploymentId, 'd-XYZ');
});

t.test('FileExistsBehavior is upper-cased; missing levels default to DISALLOW', async (t) => {
  t.equal(parseDeploymentSpec({ ...base, AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: 'overwrite' } } }).fileExistsBehavior, 'OVERWRITE');
  t.equal(parseDeploymentSpec({ ...base, AgentActionOverrides: {} }).fileExistsBehavior, 'DISALLOW');
  t.equal(parseDeploymentSpec({ ...base, AgentActionOverrides: { AgentOverrides: {} } }).fileExistsBehavior, 'DISALLOW');
  t.equal(parseDeploymentSpec({ ...base, AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: '' } } }).fileExistsBehavior, 'DISALLOW');
});

t.test('official error messages', async (t) => {
  const cases: [unknown, string][] = [
    [null, 'Provided deployment spec was nil'],
    [{ ...base, DeploymentId: '' }, 'Deployment Spec has no DeploymentId'],
    [{ ...base, DeploymentGroupId: null }, 'Deployment Spec has no DeploymentGroupId'],
    [{ ...base, DeploymentGroupName: undefined }, 'Deployment Spec has no DeploymentGroupName'],
    [{ ...base, ApplicationName: '' }, 'Deployment Spec has no ApplicationName'],
    [{ ...base, Revision: null }, 'Must specify a revison'],
    [{ ...base, Revision: { Foo: 1 } }, 'Must specify a revision source'],
    [{ ...base, Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'b', Key: 'k' } } }, 'S3Revision in Deployment Spec must specify Bucket, Key and BundleType'],
    [{ ...base, Revision: { RevisionType: 'S3' } }, 'S3Revision in Deployment Spec must specify Bucket, Key and BundleType'],
    [{ ...base, Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'b', Key: 'k', BundleType: 'rar' } } }, 'BundleType in S3Revision must be tar, tgz or zip'],
    [{ ...base, Revision: { RevisionType: 'GitHub', GitHubRevision: { Account: 'a', Repository: 'r' } } }, 'GitHubRevision in Deployment Spec must specify Account, Repository and CommitId'],
    [{ ...base, Revision: { RevisionType: 'GitHub', GitHubRevision: { Account: 'a', Repository: 'r', CommitId: 'c', Anonymous: false } } }, 'GitHubRevision in Deployment Spec must specify Account, Repository and CommitId'],
    [{ ...base, Revision: { RevisionType: 'Ftp' } }, 'Exactly one of S3Revision, GitHubRevision, or LocalRevision must be specified'],
  ];
  for (const [input, message] of cases) {
    t.throws(() => parseDeploymentSpec(input), { code: 'SPEC_INVALID', message }, message);
  }
});

t.test('GitHub and local revisions, lifecycle events', async (t) => {
  const gh = parseDeploymentSpec({ ...base, Revision: { RevisionType: 'GitHub', GitHubRevision: { Account: 'a', Repository: 'r', CommitId: 'c1', BundleType: 'zip' } } });
  t.same(gh.revision, { type: 'GitHub', account: 'a', repository: 'r', commitId: 'c1', bundleType: 'zip' });
  const local = parseDeploymentSpec({ ...base, AppSpecFilename: 'custom.yml', AllPossibleLifecycleEvents: ['ApplicationStart', 'CustomEvent'], Revision: { RevisionType: 'Local Directory', LocalRevision: { Location: '/x', BundleType: 'directory' } } });
  t.same(local.revision, { type: 'Local Directory', location: '/x', bundleType: 'directory' });
  t.equal(local.appSpecFilename, 'custom.yml');
  t.same(local.allPossibleLifecycleEvents, ['ApplicationStart', 'CustomEvent']);
  t.throws(() => parseDeploymentSpec({ ...base, Revision: { RevisionType: 'Local File', LocalRevision: {} } }), { code: 'SPEC_INVALID' });
});
