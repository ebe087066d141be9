// fleetctl deregister, the core: RemoveTags (batched), DeregisterOnPremisesInstance, and on request
// the device's IoT certificates and thing and its IAM user. Devices in a running deployment are
// refused unless forced. --dry-run lists the same actions without calling anything that changes.
import { DeregisterOnPremisesInstanceCommand } from '@aws-sdk/client-codedeploy';
import { DeleteAccessKeyCommand, DeleteUserCommand, DeleteUserPolicyCommand, ListAccessKeysCommand, ListUserPoliciesCommand } from '@aws-sdk/client-iam';
import { DeleteCertificateCommand, DeleteThingCommand, DescribeThingCommand, DetachPolicyCommand, DetachThingPrincipalCommand, UpdateCertificateCommand } from '@aws-sdk/client-iot';
import type { InstanceInfo } from '@aws-sdk/client-codedeploy';
import { isAwsError, type FleetAws } from './aws.js';
import { busyInstances } from './deployments.js';
import { createTagBatcher } from './execute.js';
import { THING_NAME, certificateIdOf, userNameOf } from './model.js';
import { batchGetInstances, thingPrincipals } from './observe.js';
import { forEachLimited } from './pool.js';
import { failureOf, statsOf, summarize, type RunStats } from './register.js';

export const DEREGISTER_SCHEMA = 'fleetctl.deregister/v1';

export interface DeregisterOptions {
  readonly deleteCertificates: boolean;
  readonly deleteThing: boolean;
  readonly deleteIamUser: boolean;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly iotPolicy: string;
  readonly concurrency: number;
}

export type DeregisterOutcome = 'deregistered' | 'would-deregister' | 'not-registered' | 'refused' | 'failed';

export interface DeregisterDeviceReport {
  readonly name: string;
  readonly outcome: DeregisterOutcome;
  readonly actions: readonly string[];
  readonly error?: { readonly code: string; readonly message: string };
}

export interface DeregisterReport {
  readonly schema: typeof DEREGISTER_SCHEMA;
  readonly dryRun: boolean;
  readonly summary: Readonly<Record<DeregisterOutcome, number>> & { readonly total: number };
  readonly devices: readonly DeregisterDeviceReport[];
  readonly stats: RunStats;
}

const quiet = async (p: Promise<unknown>, ...ok: string[]): Promise<void> => {
  try {
    await p;
  } catch (e) {
    if (!isAwsError(e, 'ResourceNotFoundException', 'NoSuchEntityException', 'NoSuchEntity', ...ok)) throw e;
  }
};

async function iotCleanup(aws: FleetAws, name: string, opts: DeregisterOptions, actions: string[]): Promise<void> {
  if (!THING_NAME.test(name)) return;
  try {
    await aws.send('iot', new DescribeThingCommand({ thingName: name }));
  } catch (e) {
    if (isAwsError(e, 'ResourceNotFoundException')) return;
    throw e;
  }
  const certs = await thingPrincipals(aws, name);
  for (const cert of certs.filter((p) => p.includes(':cert/'))) {
    const certificateId = certificateIdOf(cert);
    actions.push(`delete certificate ${certificateId.slice(0, 12)}…`);
    if (opts.dryRun) continue;
    await quiet(aws.send('iot', new DetachThingPrincipalCommand({ thingName: name, principal: cert })));
    await quiet(aws.send('iot', new DetachPolicyCommand({ policyName: opts.iotPolicy, target: cert })));
    await quiet(aws.send('iot', new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })));
    await quiet(aws.send('iot', new DeleteCertificateCommand({ certificateId })));
  }
  if (opts.deleteThing) {
    actions.push(`delete thing ${name}`);
    if (!opts.dryRun) await quiet(aws.send('iot', new DeleteThingCommand({ thingName: name })));
  }
}

async function iamCleanup(aws: FleetAws, userArn: string, dryRun: boolean, actions: string[]): Promise<void> {
  const UserName = userNameOf(userArn);
  actions.push(`delete IAM user ${UserName}`);
  if (dryRun) return;
  try {
    const keys = await aws.send('iam', new ListAccessKeysCommand({ UserName }));
    for (const k of keys.AccessKeyMetadata ?? []) await quiet(aws.send('iam', new DeleteAccessKeyCommand({ UserName, AccessKeyId: k.AccessKeyId as string })));
    const policies = await aws.send('iam', new ListUserPoliciesCommand({ UserName }));
    for (const PolicyName of policies.PolicyNames ?? []) await quiet(aws.send('iam', new DeleteUserPolicyCommand({ UserName, PolicyName })));
    await quiet(aws.send('iam', new DeleteUserCommand({ UserName })));
  } catch (e) {
    if (!isAwsError(e, 'NoSuchEntityException', 'NoSuchEntity')) throw e;
  }
}

export async function deregisterDevices(aws: FleetAws, names: readonly string[], opts: DeregisterOptions, onDevice?: (r: DeregisterDeviceReport) => void): Promise<DeregisterReport> {
  const unique = [...new Set(names)];
  const infos = await batchGetInstances(aws, unique);
  const registered = new Set(unique.filter((n) => infos.get(n) && infos.get(n)?.deregisterTime === undefined));
  const busy = opts.force || registered.size === 0 ? new Map() : await busyInstances(aws, registered);
  const tags = createTagBatcher(aws, 200);
  const reports: DeregisterDeviceReport[] = new Array<DeregisterDeviceReport>(unique.length);
  await forEachLimited(unique, opts.concurrency, async (name, i) => {
    const actions: string[] = [];
    const info = infos.get(name) as InstanceInfo | undefined;
    let report: DeregisterDeviceReport;
    try {
      if (!registered.has(name)) {
        if (opts.deleteCertificates || opts.deleteThing) await iotCleanup(aws, name, opts, actions);
        report = { name, outcome: 'not-registered', actions };
      } else if (busy.has(name)) {
        const d = busy.get(name);
        report = { name, outcome: 'refused', actions, error: { code: 'FLEET_DEPLOYMENT_IN_PROGRESS', message: `${name} is in deployment ${d.deploymentId} (${d.instanceStatus}): wait for it, stop it, or pass --force` } };
      } else {
        const current = (info?.tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
        if (current.length > 0) {
          actions.push(`remove tags ${current.map((t) => t.Key).join(',')}`);
          if (!opts.dryRun) await tags.enqueue('remove', name, current);
        }
        actions.push('deregister');
        if (!opts.dryRun) await aws.send('codedeploy', new DeregisterOnPremisesInstanceCommand({ instanceName: name }));
        if (opts.deleteCertificates || opts.deleteThing) await iotCleanup(aws, name, opts, actions);
        if (opts.deleteIamUser && info?.iamUserArn) await iamCleanup(aws, info.iamUserArn, opts.dryRun, actions);
        report = { name, outcome: opts.dryRun ? 'would-deregister' : 'deregistered', actions };
      }
    } catch (e) {
      report = { name, outcome: 'failed', actions, error: failureOf(e) };
    }
    reports[i] = report;
    onDevice?.(report);
  });
  tags.flush();
  const outcomes: DeregisterOutcome[] = ['deregistered', 'would-deregister', 'not-registered', 'refused', 'failed'];
  return { schema: DEREGISTER_SCHEMA, dryRun: opts.dryRun, summary: summarize(reports, outcomes) as DeregisterReport['summary'], devices: reports, stats: statsOf(aws.stats) };
}
