// Shared by the CloudFormation integration tests: a client for a sandbox, a template with every
// feature the tests probe, and waits on the sandbox's operations (not on time).
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { Sandbox } from '../../../sandbox/sandbox.js';

export const SITE_TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Description: tenant site
Parameters:
  AppName: { Type: String, AllowedPattern: '[a-z][a-z0-9-]*', MaxLength: 20 }
  Size: { Type: Number, Default: 2, MinValue: 1, MaxValue: 10 }
  Secret: { Type: String, NoEcho: true, Default: hunter2 }
  Zones: { Type: CommaDelimitedList, Default: 'a,b' }
Conditions:
  Big: !Equals [!Ref Size, '5']
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      Tags: [{ Key: app, Value: !Ref AppName }]
  Queue:
    Type: AWS::SQS::Queue
    Condition: Big
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub '\${AppName}-fn'
      Environment: { Variables: { BUCKET: !Ref Site, SIZE: !Ref Size } }
Outputs:
  Url: { Value: !GetAtt Site.WebsiteURL }
  FnArn: { Value: !GetAtt [Fn, Arn], Export: { Name: !Sub '\${AWS::StackName}-fn' } }
  Where: { Value: !Join [':', [!Ref 'AWS::AccountId', !Ref 'AWS::Region', !Select [1, !Ref Zones]]] }
  Mode: { Value: !If [Big, big, small] }
`;

export const cfnClient = (sb: Sandbox): CloudFormationClient =>
  new CloudFormationClient({ endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey } });

export async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected a failure');
}

/** Waits (on the sandbox's operations, not on time) until the stack's operation finished; returns it. */
export async function settled(sb: Sandbox, cfn: CloudFormationClient, name: string) {
  await sb.cloudformation.idle();
  return (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
}

export const statuses = async (cfn: CloudFormationClient, name: string, logicalId?: string): Promise<string[]> =>
  ((await cfn.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents ?? [])
    .filter((e) => logicalId === undefined || e.LogicalResourceId === logicalId)
    .map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`)
    .reverse();

