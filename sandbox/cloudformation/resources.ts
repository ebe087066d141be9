// Simulated resources: recorded, not created. What Ref and Fn::GetAtt give for common types, the
// physical ids CloudFormation would generate, the capabilities a template needs, the SAM transform
// (AWS::Serverless-2016-10-31) expanded the way CloudFormation shows it, and the sandbox's own
// Metadata keys: SandboxFail (the resource fails with that reason) and SandboxDelayMs.
import { AwsError } from '../types.js';
import type { ResourceDecl, Template } from './template-parse.js';

export interface ResourceEnv {
  readonly accountId: string;
  readonly region: string;
  readonly stackName: string;
}

const SAM = 'AWS::Serverless-2016-10-31';
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The property that names a resource of a type (a set name means CAPABILITY_NAMED_IAM / no replacement without a new name). */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CodeDeploy::Application': 'ApplicationName',
  'AWS::CodeDeploy::DeploymentGroup': 'DeploymentGroupName',
  'AWS::KMS::Alias': 'AliasName',
};

const IAM_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::InstanceProfile', 'AWS::IAM::AccessKey', 'AWS::IAM::UserToGroupAddition']);
const NAMED_IAM = new Set(['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::InstanceProfile']);

/** The template CloudFormation provisions: the SAM transform applied (functions become Lambda functions plus an execution role). */
export function expandTransforms(template: Template): Template {
  const unsupported = template.Transform.filter((t) => t !== SAM);
  if (unsupported.length > 0) throw new AwsError('ValidationError', `Template format error: Unsupported transform(s): ${unsupported.join(', ')}`);
  if (template.Transform.length === 0) return template;
  const resources: Record<string, ResourceDecl> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::Serverless::Function') {
      const { Role, ...rest } = r.Properties as Record<string, unknown>;
      if (Role === undefined) {
        resources[`${id}Role`] = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } }, DependsOn: [], Metadata: {} };
      }
      const role = Role ?? { 'Fn::GetAtt': [`${id}Role`, 'Arn'] };
      resources[id] = { ...r, Type: 'AWS::Lambda::Function', Properties: { ...rest, Role: role } };
    } else if (r.Type === 'AWS::Serverless::Api') resources[id] = { ...r, Type: 'AWS::ApiGateway::RestApi' };
    else if (r.Type === 'AWS::Serverless::SimpleTable') resources[id] = { ...r, Type: 'AWS::DynamoDB::Table' };
    else if (r.Type.startsWith('AWS::Serverless::')) resources[id] = { ...r, Type: r.Type.replace('AWS::Serverless::', 'AWS::Serverless') + 'Resource' };
    else resources[id] = r;
  }
  return { ...template, Resources: resources, Transform: [] };
}

export interface CapabilityNeed {
  readonly capabilities: string[];
  /** As ValidateTemplate's CapabilitiesReason. */
  readonly reason?: string;
}

/** The capabilities the template needs: CAPABILITY_AUTO_EXPAND for a transform, CAPABILITY_(NAMED_)IAM for IAM resources. */
export function requiredCapabilities(template: Template): CapabilityNeed {
  const expanded = expandTransforms(template);
  const iam = Object.entries(expanded.Resources).filter(([, r]) => IAM_TYPES.has(r.Type));
  const named = iam.filter(([, r]) => NAMED_IAM.has(r.Type) && r.Properties[NAME_PROPERTY[r.Type]!] !== undefined);
  const capabilities: string[] = [];
  if (named.length > 0) capabilities.push('CAPABILITY_NAMED_IAM');
  else if (iam.length > 0) capabilities.push('CAPABILITY_IAM');
  if (template.Transform.length > 0) capabilities.push('CAPABILITY_AUTO_EXPAND');
  const reasons: string[] = [];
  if (iam.length > 0) reasons.push(`The following resource(s) require capabilities: [${[...new Set(iam.map(([, r]) => r.Type))].join(', ')}]`);
  if (template.Transform.length > 0) reasons.push(`The following transform(s) require capabilities: [${template.Transform.join(', ')}]`);
  return { capabilities, ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}) };
}

/** Throws InsufficientCapabilitiesException when the call did not acknowledge what the template needs. */
export function checkCapabilities(template: Template, given: readonly string[]): void {
  const need = requiredCapabilities(template).capabilities;
  // CAPABILITY_NAMED_IAM also covers unnamed IAM resources.
  const missing = need.filter((c) => !given.includes(c) && !(c === 'CAPABILITY_IAM' && given.includes('CAPABILITY_NAMED_IAM')));
  if (missing.length > 0) throw new AwsError('InsufficientCapabilitiesException', `Requires capabilities : [${missing.join(', ')}]`);
}

function randomSuffix(random: (n: number) => Buffer, length = 13): string {
  return [...random(length)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

/** The physical id CloudFormation would give: the name property when set, else <stack>-<LogicalId>-<RANDOM>. */
export function physicalIdFor(type: string, logicalId: string, props: Readonly<Record<string, unknown>>, env: ResourceEnv, random: (n: number) => Buffer): string {
  const nameProp = NAME_PROPERTY[type];
  const named = nameProp !== undefined && typeof props[nameProp] === 'string' ? (props[nameProp] as string) : undefined;
  if (named !== undefined) return named;
  const base = `${env.stackName}-${logicalId}`;
  switch (type) {
    case 'AWS::S3::Bucket':
      return `${base.toLowerCase().slice(0, 49)}-${randomSuffix(random, 12).toLowerCase()}`;
    case 'AWS::EC2::Instance':
      return `i-${random(9).toString('hex').slice(0, 17)}`;
    case 'AWS::EC2::SecurityGroup':
      return `sg-${random(9).toString('hex').slice(0, 17)}`;
    case 'AWS::ApiGateway::RestApi':
      return randomSuffix(random, 10).toLowerCase();
    default:
      return `${base.slice(0, 50)}-${randomSuffix(random)}`;
  }
}

/** What Ref gives for a resource. */
export function refOf(type: string, physicalId: string, env: ResourceEnv): string {
  const { region, accountId } = env;
  switch (type) {
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${region}:${accountId}:${physicalId}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${region}.amazonaws.com/${accountId}/${physicalId}`;
    default:
      return physicalId;
  }
}

function serviceOf(type: string): string {
  return (type.split('::')[1] ?? 'custom').toLowerCase();
}

/** Fn::GetAtt of a resource; undefined when the type has no such attribute. Unknown types answer Arn and any attribute plausibly. */
export function attributeOf(type: string, physicalId: string, attr: string, env: ResourceEnv): string | undefined {
  const { region, accountId } = env;
  const table: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    'AWS::S3::Bucket': {
      Arn: `arn:aws:s3:::${physicalId}`,
      DomainName: `${physicalId}.s3.amazonaws.com`,
      RegionalDomainName: `${physicalId}.s3.${region}.amazonaws.com`,
      DualStackDomainName: `${physicalId}.s3.dualstack.${region}.amazonaws.com`,
      WebsiteURL: `http://${physicalId}.s3-website-${region}.amazonaws.com`,
    },
    'AWS::Lambda::Function': { Arn: `arn:aws:lambda:${region}:${accountId}:function:${physicalId}` },
    'AWS::IAM::Role': { Arn: `arn:aws:iam::${accountId}:role/${physicalId}`, RoleId: `AROA${physicalId.replace(/[^A-Z0-9]/gi, '').toUpperCase().slice(0, 17).padEnd(17, 'X')}` },
    'AWS::IAM::User': { Arn: `arn:aws:iam::${accountId}:user/${physicalId}` },
    'AWS::IAM::ManagedPolicy': { PolicyArn: `arn:aws:iam::${accountId}:policy/${physicalId}` },
    'AWS::IAM::InstanceProfile': { Arn: `arn:aws:iam::${accountId}:instance-profile/${physicalId}` },
    'AWS::SNS::Topic': { TopicArn: `arn:aws:sns:${region}:${accountId}:${physicalId}`, TopicName: physicalId },
    'AWS::SQS::Queue': { Arn: `arn:aws:sqs:${region}:${accountId}:${physicalId}`, QueueName: physicalId, QueueUrl: `https://sqs.${region}.amazonaws.com/${accountId}/${physicalId}` },
    'AWS::DynamoDB::Table': { Arn: `arn:aws:dynamodb:${region}:${accountId}:table/${physicalId}`, StreamArn: `arn:aws:dynamodb:${region}:${accountId}:table/${physicalId}/stream/1970-01-01T00:00:00.000` },
    'AWS::Logs::LogGroup': { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${physicalId}:*` },
    'AWS::KMS::Key': { Arn: `arn:aws:kms:${region}:${accountId}:key/${physicalId}`, KeyId: physicalId },
    'AWS::ApiGateway::RestApi': { RootResourceId: physicalId.slice(0, 10) },
    'AWS::CloudWatch::Alarm': { Arn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${physicalId}` },
    'AWS::EC2::Instance': { PrivateIp: '10.0.0.10', PublicIp: '203.0.113.10', AvailabilityZone: `${region}a`, PrivateDnsName: `ip-10-0-0-10.ec2.internal` },
    'AWS::SSM::Parameter': { Type: 'String', Value: '' },
  };
  const known = table[type];
  if (known) return Object.hasOwn(known, attr) ? known[attr] : undefined;
  if (attr === 'Arn') return `arn:aws:${serviceOf(type)}:${region}:${accountId}:${(type.split('::')[2] ?? 'resource').toLowerCase()}/${physicalId}`;
  return `${physicalId}.${attr}`;
}

/** A property naming the resource changed: CloudFormation replaces it (a new physical resource). */
export function needsReplacement(type: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): boolean {
  const nameProp = NAME_PROPERTY[type];
  return nameProp !== undefined && JSON.stringify(before[nameProp]) !== JSON.stringify(after[nameProp]);
}

/** The sandbox's Metadata keys on a resource (evaluated): SandboxFail and SandboxDelayMs. */
export function sandboxBehaviour(metadata: unknown, defaultDelayMs: number): { failReason?: string; delayMs: number } {
  const m = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  const fail = m['SandboxFail'];
  const delay = Number(m['SandboxDelayMs'] ?? defaultDelayMs);
  return {
    ...(typeof fail === 'string' && fail !== '' ? { failReason: fail } : {}),
    delayMs: Number.isFinite(delay) && delay >= 0 ? delay : defaultDelayMs,
  };
}
