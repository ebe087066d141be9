// The per-device register plan: which calls are still needed, given what AWS reports and what the
// local ledger remembers (AWS cannot tell whether a certificate's private key or an access key's
// secret was ever saved). Pure: register-steps.ts runs plans; tests table-drive this.
import { certificateIdOf, fixedArn, iotSessionArn, type DeviceSpec, type Tag } from '../fleet/model.js';
import type { ObservedInstance, ObservedThing, ObservedUser } from '../fleet/observe.js';
import { diffTags, formatTags } from '../fleet/tags.js';

export type { ObservedInstance, ObservedThing, ObservedUser };

/** What this machine remembers about a device's secrets. */
export interface LedgerEntry {
  /** Certificate whose private key is in the bundle. */
  readonly bundledCertificateArn?: string;
  /** Certificates created whose key never reached a bundle: to be deleted. */
  readonly pendingCertificateArns: readonly string[];
  readonly bundledAccessKeyId?: string;
  readonly pendingAccessKeyIds: readonly string[];
}

export const EMPTY_LEDGER_ENTRY: LedgerEntry = { pendingCertificateArns: [], pendingAccessKeyIds: [] };

export interface Observed {
  readonly instance?: ObservedInstance;
  readonly thing?: ObservedThing;
  readonly user?: ObservedUser;
  readonly ledger: LedgerEntry;
  /** Whether the non-secret bundle on disk matches what would be written. */
  readonly bundleCurrent: boolean;
}

export interface PlanContext {
  readonly accountId?: string;
  /** Role behind the IoT role alias (IoT devices register with its session ARN). */
  readonly iotRoleArn?: string;
}

export type Step =
  | { readonly op: 'create-thing' }
  | { readonly op: 'add-to-group'; readonly group: string }
  | { readonly op: 'delete-certificate'; readonly certificateArn: string; readonly attached: boolean }
  | { readonly op: 'create-certificate' }
  | { readonly op: 'attach-certificate'; readonly certificateArn?: string }
  | { readonly op: 'create-user' }
  | { readonly op: 'put-user-policy' }
  | { readonly op: 'delete-access-key'; readonly accessKeyId: string }
  | { readonly op: 'create-access-key' }
  | { readonly op: 'write-bundle' }
  | { readonly op: 'register'; readonly arn?: string }
  | { readonly op: 'tags'; readonly add: readonly Tag[]; readonly remove: readonly Tag[] };

export type Plan =
  | { readonly kind: 'conflict'; readonly reason: string; readonly registeredArn: string }
  | { readonly kind: 'steps'; readonly steps: readonly Step[]; readonly arn?: string; readonly notes: readonly string[] };

function iotSteps(device: DeviceSpec, o: Observed, ctx: PlanContext): { steps: Step[]; arn?: string; notes: string[] } | { conflict: string; registeredArn: string } {
  const steps: Step[] = [];
  const notes: string[] = [];
  const thing = o.thing ?? { exists: false, principals: [], groups: [] };
  const roleArn = ctx.iotRoleArn as string;
  if (!thing.exists) steps.push({ op: 'create-thing' });
  if (device.thingGroup && !thing.groups.includes(device.thingGroup)) steps.push({ op: 'add-to-group', group: device.thingGroup });
  for (const arn of o.ledger.pendingCertificateArns) steps.push({ op: 'delete-certificate', certificateArn: arn, attached: thing.principals.includes(arn) });
  const registered = o.instance?.registered ? o.instance.arn : undefined;
  let keep = o.ledger.bundledCertificateArn;
  if (!keep && registered) {
    // registered from another machine (or the ledger was lost): keep the attached certificate
    // the registration names; its key is wherever that bundle went
    keep = thing.principals.find((p) => iotSessionArn(roleArn, certificateIdOf(p)) === registered);
    if (keep) notes.push('credentials were issued elsewhere: no bundle written here');
  }
  if (keep) {
    const arn = iotSessionArn(roleArn, certificateIdOf(keep));
    if (registered !== undefined && registered !== arn) return { conflict: `registered with ${registered}, not with this device's certificate session ${arn}`, registeredArn: registered };
    if (!thing.principals.includes(keep)) steps.push({ op: 'attach-certificate', certificateArn: keep });
    if (o.ledger.bundledCertificateArn && !o.bundleCurrent) notes.push('the bundle on disk is missing or changed; the key exists only there: deregister and register again to issue new credentials');
    if (registered === undefined) steps.push({ op: 'register', arn });
    return { steps, arn, notes };
  }
  if (registered !== undefined) return { conflict: `registered with ${registered}, which is not a certificate session of thing ${device.name}`, registeredArn: registered };
  steps.push({ op: 'create-certificate' }, { op: 'write-bundle' }, { op: 'attach-certificate' }, { op: 'register' });
  return { steps, notes };
}

function userSteps(o: Observed): { steps: Step[]; notes: string[] } {
  const steps: Step[] = [];
  const user = o.user ?? { exists: false, accessKeyIds: [], policyPresent: false };
  if (!user.exists) steps.push({ op: 'create-user' });
  if (!user.policyPresent) steps.push({ op: 'put-user-policy' });
  for (const id of o.ledger.pendingAccessKeyIds) if (user.accessKeyIds.includes(id)) steps.push({ op: 'delete-access-key', accessKeyId: id });
  const keep = o.ledger.bundledAccessKeyId;
  const notes: string[] = [];
  if (keep && user.accessKeyIds.includes(keep)) {
    if (!o.bundleCurrent) notes.push('the bundle on disk is missing or changed; the secret key exists only there: deregister and register again to issue new credentials');
  } else if (user.exists && user.accessKeyIds.some((id) => !o.ledger.pendingAccessKeyIds.includes(id)) && !keep) {
    notes.push('the IAM user has access keys this machine did not create: no new key and no bundle written here');
  } else steps.push({ op: 'create-access-key' }, { op: 'write-bundle' });
  return { steps, notes };
}

export function planDevice(device: DeviceSpec, o: Observed, ctx: PlanContext): Plan {
  const inst = o.instance?.registered ? o.instance : undefined;
  const steps: Step[] = [];
  const notes: string[] = [];
  let arn: string | undefined;
  if (device.identity.mode === 'iot') {
    const r = iotSteps(device, o, ctx);
    if ('conflict' in r) return { kind: 'conflict', reason: r.conflict, registeredArn: r.registeredArn };
    steps.push(...r.steps);
    notes.push(...r.notes);
    arn = r.arn;
  } else {
    arn = fixedArn(device.identity, ctx.accountId, device.name);
    if (inst && inst.arn !== arn) return { kind: 'conflict', reason: `${device.name} is registered with ${inst.arn ?? 'another identity'}, not ${arn ?? 'the requested identity'}`, registeredArn: inst.arn ?? '' };
    if (device.identity.mode === 'create-iam-user') {
      const r = userSteps(o);
      steps.push(...r.steps);
      notes.push(...r.notes);
    } else if (device.identity.mode === 'iam-session' && !o.bundleCurrent) steps.push({ op: 'write-bundle' });
    if (!inst) steps.push({ op: 'register', ...(arn ? { arn } : {}) });
  }
  const { add, remove } = diffTags(inst?.tags ?? [], device.tags);
  if (add.length > 0 || remove.length > 0) steps.push({ op: 'tags', add, remove });
  return { kind: 'steps', steps, ...(arn ? { arn } : {}), notes };
}

/** new: the device was not registered; updated: it was, and something changed; unchanged. */
export function changeKind(o: Observed, plan: Plan): 'new' | 'updated' | 'unchanged' | 'conflict' {
  if (plan.kind === 'conflict') return 'conflict';
  if (!o.instance?.registered) return 'new';
  return plan.steps.length > 0 ? 'updated' : 'unchanged';
}

/** What a step does, in a few words (the report's actions). */
export function describeStep(step: Step): string {
  switch (step.op) {
    case 'create-thing':
      return 'thing created';
    case 'add-to-group':
      return `added to thing group ${step.group}`;
    case 'delete-certificate':
      return `orphaned certificate ${certificateIdOf(step.certificateArn).slice(0, 12)}… deleted`;
    case 'create-certificate':
      return 'certificate created';
    case 'attach-certificate':
      return 'certificate attached';
    case 'create-user':
      return 'IAM user created';
    case 'put-user-policy':
      return 'IAM user policy set';
    case 'delete-access-key':
      return 'orphaned access key deleted';
    case 'create-access-key':
      return 'access key created';
    case 'write-bundle':
      return 'bundle written';
    case 'register':
      return 'registered';
    case 'tags': {
      const add = step.add.length ? `+${formatTags(step.add)}` : '';
      const remove = step.remove.length ? `-${step.remove.map((t) => t.Key).join(',')}` : '';
      return `tags ${[add, remove].filter(Boolean).join(' ')}`;
    }
    default:
      return unreachable(step);
  }
}

/** The exhaustiveness check of a switch over a closed union: a new member fails to compile here. */
export function unreachable(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
