// Applications (computePlatform Server only).
import type {
  BatchGetApplicationsOutput,
  CreateApplicationOutput,
  GetApplicationOutput,
  ListApplicationsOutput,
} from '@aws-sdk/client-codedeploy';
import { AwsError } from '../types.js';
import type { Operation } from './context.js';
import { applicationFromInput } from './context.js';
import { optionalArray, optionalString, paginate, requireString } from './input.js';
import type { ApplicationRecord, Wire } from './state.js';
import { newUuid } from './state.js';

const createApplication: Operation = (ctx, input): CreateApplicationOutput => {
  const name = requireString(input, 'applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException');
  const platform = optionalString(input, 'computePlatform') ?? 'Server';
  if (platform !== 'Server') {
    throw new AwsError('InvalidComputePlatformException', 'The sandbox supports the Server (EC2/on-premises) compute platform only.');
  }
  if (ctx.state.applications[name]) throw new AwsError('ApplicationAlreadyExistsException', `Application already exists: ${name}`);
  const record: ApplicationRecord = {
    applicationId: newUuid(),
    applicationName: name,
    createTime: ctx.now,
    linkedToGitHub: false,
    computePlatform: 'Server',
  };
  ctx.state.applications[name] = record;
  ctx.changed();
  return { applicationId: record.applicationId };
};

const getApplication: Operation = (ctx, input): Wire<GetApplicationOutput> => ({ application: applicationFromInput(ctx, input) });

const batchGetApplications: Operation = (ctx, input): Wire<BatchGetApplicationsOutput> => {
  const names = optionalArray<string>(input, 'applicationNames');
  if (!names || names.length === 0) throw new AwsError('ApplicationNameRequiredException', 'applicationNames is required.');
  if (names.length > 100) throw new AwsError('BatchLimitExceededException', 'The maximum number of names or IDs allowed for this request (100) was exceeded.');
  const applicationsInfo = names.map((name) => {
    const app = ctx.state.applications[name];
    if (!app) throw new AwsError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
    return app;
  });
  return { applicationsInfo };
};

const listApplications: Operation = (ctx, input): ListApplicationsOutput => {
  const names = Object.keys(ctx.state.applications).sort();
  const page = paginate(names, optionalString(input, 'nextToken'), 100, 'applications');
  return { applications: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

/** Deletes the application with its deployment groups and registered revisions (as AWS does). */
const deleteApplication: Operation = (ctx, input) => {
  const name = requireString(input, 'applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException');
  if (!ctx.state.applications[name]) return {};
  delete ctx.state.applications[name];
  delete ctx.state.revisions[name];
  for (const [key, group] of Object.entries(ctx.state.deploymentGroups)) {
    if (group.applicationName === name) delete ctx.state.deploymentGroups[key];
  }
  ctx.changed();
  return {};
};

export const applicationOperations: Readonly<Record<string, Operation>> = {
  CreateApplication: createApplication,
  GetApplication: getApplication,
  BatchGetApplications: batchGetApplications,
  ListApplications: listApplications,
  DeleteApplication: deleteApplication,
};
