// The AWS console page of what a rollout deployed, for the reports: a CodeDeploy deployment, the
// stack a change set updated, a web prefix in S3. The console opens in whatever account the reader
// is signed in to, so the reports show the target's account next to the link. Pure.
import type { Target } from './config-types.js';
import type { TargetRef } from './journal-model.js';

export interface ConsoleLink {
  readonly label: string;
  readonly url: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The console page of a deployment, change set's stack or web prefix; none when the region is not one. */
export function consoleLink(ref: TargetRef | undefined, target: Target | undefined): ConsoleLink | undefined {
  if (ref?.kind === 'deployment') {
    const r = target?.region;
    if (!r || !REGION.test(r)) return undefined;
    const url = `https://${r}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(ref.deploymentId)}?region=${r}`;
    return { label: `CodeDeploy ${ref.deploymentId}`, url };
  }
  if (ref?.kind === 'change-set') {
    // the stack id is an ARN naming its region; the target's is the fallback
    const r = /^arn:aws[\w-]*:cloudformation:([a-z0-9-]+):/.exec(ref.stackId)?.[1] ?? target?.region;
    if (!r || !REGION.test(r)) return undefined;
    const url = `https://${r}.console.aws.amazon.com/cloudformation/home?region=${r}#/stacks/stackinfo?stackId=${encodeURIComponent(ref.stackId)}`;
    return { label: `CloudFormation ${ref.stackId.split('/')[1] ?? ref.stackId}`, url };
  }
  if (target?.kind === 'web' && ref?.kind === 'copy' && REGION.test(target.region)) {
    const q = `region=${target.region}&prefix=${encodeURIComponent(target.prefix)}&showversions=false`;
    return { label: `S3 s3://${target.bucket}/${target.prefix}`, url: `https://s3.console.aws.amazon.com/s3/buckets/${encodeURIComponent(target.bucket)}?${q}` };
  }
  return undefined;
}

