// The per-device deregister plan (pure): from what AWS holds for a device (its registration, a
// running deployment, its thing and certificates, its IAM user), the steps that remove it. A dry run
// reports the plan; a real run hands it to deregister-steps.ts. Tests table-drive this.
import { certificateIdOf, type Tag } from '../fleet/model.js';
import { unreachable } from './register-plan.js';

export interface DeregisterOptions {
  readonly deleteCertificates: boolean;
  readonly deleteThing: boolean;
  readonly deleteIamUser: boolean;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly iotPolicy: string;
  readonly concurrency: number;
}

/** What AWS holds for one device, as far as deregistering it goes. */
export interface DeregisterObserved {
  /** Absent: no on-premises instance of that name (never registered). */
  readonly instance?: { readonly registered: boolean; readonly tags: readonly Tag[]; readonly iamUserArn?: string };
  /** The running deployment the device's part of is not finished. */
  readonly busy?: { readonly deploymentId: string; readonly instanceStatus: string };
  /** Observed with --delete-certificates/--delete-thing: absent or `exists: false` when there is no thing. */
  readonly thing?: { readonly exists: boolean; readonly principals: readonly string[] };
  /** Certificates an earlier, cut-short teardown left (the local ledger): torn down even when no longer attached. */
  readonly pendingCertificates?: readonly string[];
  /** Observed with --delete-iam-user for a device registered with an IAM user; absent when the user is gone. */
  readonly user?: { readonly userName: string; readonly accessKeyIds: readonly string[]; readonly policyNames: readonly string[] };
}

export type DeregisterStep =
  | { readonly op: 'remove-tags'; readonly tags: readonly Tag[] }
  | { readonly op: 'deregister' }
  | { readonly op: 'delete-certificate'; readonly certificateArn: string; readonly policyName: string; readonly attached: boolean }
  | { readonly op: 'delete-thing' }
  | { readonly op: 'delete-access-key'; readonly userName: string; readonly accessKeyId: string }
  | { readonly op: 'delete-user-policy'; readonly userName: string; readonly policyName: string }
  | { readonly op: 'delete-user'; readonly userName: string };

export type DeregisterPlan =
  | { readonly kind: 'refused'; readonly deploymentId: string; readonly instanceStatus: string }
  /** `registered: false`: only leftovers (certificates, thing) of a device that is not registered. */
  | { readonly kind: 'steps'; readonly registered: boolean; readonly steps: readonly DeregisterStep[] };

/** Which AWS reads the plan needs for a device with this registration. */
type PlanOptions = Pick<DeregisterOptions, 'deleteCertificates' | 'deleteThing' | 'deleteIamUser' | 'force' | 'iotPolicy'>;

export function observationsNeeded(opts: Omit<PlanOptions, 'iotPolicy'>, registered: boolean, iamUserArn: string | undefined) {
  return {
    deployments: registered && !opts.force,
    thing: opts.deleteCertificates || opts.deleteThing,
    user: registered && opts.deleteIamUser && iamUserArn !== undefined,
  };
}

function iotSteps(o: DeregisterObserved, opts: Pick<DeregisterOptions, 'deleteCertificates' | 'deleteThing' | 'iotPolicy'>): DeregisterStep[] {
  if (!(opts.deleteCertificates || opts.deleteThing)) return [];
  const attached = o.thing?.exists ? o.thing.principals.filter((p) => p.includes(':cert/')) : [];
  const leftover = (o.pendingCertificates ?? []).filter((c) => !attached.includes(c));
  const teardown = (certificateArn: string, isAttached: boolean): DeregisterStep => ({
    op: 'delete-certificate',
    certificateArn,
    policyName: opts.iotPolicy,
    attached: isAttached,
  });
  return [
    ...attached.map((c) => teardown(c, true)),
    ...leftover.map((c) => teardown(c, false)),
    ...(opts.deleteThing && o.thing?.exists ? [{ op: 'delete-thing' } as const] : []),
  ];
}

export function planDeregister(o: DeregisterObserved, opts: PlanOptions): DeregisterPlan {
  const registered = o.instance?.registered === true;
  if (!registered) return { kind: 'steps', registered: false, steps: iotSteps(o, opts) };
  if (o.busy && !opts.force) return { kind: 'refused', deploymentId: o.busy.deploymentId, instanceStatus: o.busy.instanceStatus };
  const tags = o.instance?.tags ?? [];
  const user = opts.deleteIamUser ? o.user : undefined;
  const steps: DeregisterStep[] = [
    ...(tags.length > 0 ? [{ op: 'remove-tags', tags } as const] : []),
    { op: 'deregister' },
    ...iotSteps(o, opts),
    ...(user
      ? [
          ...user.accessKeyIds.map((accessKeyId): DeregisterStep => ({ op: 'delete-access-key', userName: user.userName, accessKeyId })),
          ...user.policyNames.map((policyName): DeregisterStep => ({ op: 'delete-user-policy', userName: user.userName, policyName })),
          { op: 'delete-user', userName: user.userName } as const,
        ]
      : []),
  ];
  return { kind: 'steps', registered: true, steps };
}

/** What a step does, in a few words (the report's actions; the same words for a dry run). */
export function describeDeregisterStep(step: DeregisterStep, device: string): string {
  switch (step.op) {
    case 'remove-tags':
      return `remove tags ${step.tags.map((t) => t.Key).join(',')}`;
    case 'deregister':
      return 'deregister';
    case 'delete-certificate':
      return `delete certificate ${certificateIdOf(step.certificateArn).slice(0, 12)}…`;
    case 'delete-thing':
      return `delete thing ${device}`;
    case 'delete-access-key':
      return `delete access key ${step.accessKeyId} of IAM user ${step.userName}`;
    case 'delete-user-policy':
      return `delete policy ${step.policyName} of IAM user ${step.userName}`;
    case 'delete-user':
      return `delete IAM user ${step.userName}`;
    default:
      return unreachable(step);
  }
}
