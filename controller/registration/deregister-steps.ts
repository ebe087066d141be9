// The deregister executor: one small function per step kind of the deregister plan, in a map the
// compiler checks is complete. Every step treats "already gone" as done, so a run cut short by a
// failure finishes on the next run.
import type { FleetPorts } from '../fleet/model.js';
import { doneUnless } from '../fleet/observe.js';
import { teardownCertificate } from './certificates.js';
import { describeDeregisterStep, type DeregisterStep } from './deregister-plan.js';
import type { Ledger } from './ledger.js';
import { unreachable } from './register-plan.js';
import type { TagBatcher } from './tag-batcher.js';

export interface DeregisterExecDeps {
  readonly aws: Pick<FleetPorts, 'codedeploy' | 'iot' | 'iam'>;
  readonly tags: TagBatcher;
  /** Where a certificate's teardown is recorded before it starts (absent: nowhere to keep it). */
  readonly ledger?: Ledger;
}

type StepOf<K extends DeregisterStep['op']> = Extract<DeregisterStep, { op: K }>;
export type DeregisterExecutors = { readonly [K in DeregisterStep['op']]: (step: StepOf<K>, device: string) => Promise<void> };

export function deregisterExecutors(deps: DeregisterExecDeps): DeregisterExecutors {
  const { aws } = deps;
  return {
    'remove-tags': (s, device) => deps.tags.enqueue('remove', device, s.tags),
    deregister: (_s, device) => doneUnless('AWS_NOT_FOUND', () => aws.codedeploy.deregisterOnPremisesInstance(device)),
    async 'delete-certificate'(s, device) {
      // once detached, the thing no longer names the certificate: remember it first, so a teardown cut
      // short (DeleteCertificate often races the detach) is finished by the next run
      deps.ledger?.record({ device, event: 'certificate-retiring', certificateArn: s.certificateArn });
      await teardownCertificate(aws.iot, { certificateArn: s.certificateArn, ...(s.attached ? { thingName: device } : {}), policyName: s.policyName });
      deps.ledger?.record({ device, event: 'certificate-deleted', certificateArn: s.certificateArn });
    },
    'delete-thing': (_s, device) => doneUnless('AWS_NOT_FOUND', () => aws.iot.deleteThing(device)),
    'delete-access-key': (s) => doneUnless('AWS_NOT_FOUND', () => aws.iam.deleteAccessKey(s.userName, s.accessKeyId)),
    'delete-user-policy': (s) => doneUnless('AWS_NOT_FOUND', () => aws.iam.deleteUserPolicy(s.userName, s.policyName)),
    'delete-user': (s) => doneUnless('AWS_NOT_FOUND', () => aws.iam.deleteUser(s.userName)),
  };
}

/** Runs a device's steps in order, recording each done step in `actions`; the first failure stops the device. */
export async function runDeregisterSteps(executors: DeregisterExecutors, device: string, steps: readonly DeregisterStep[], actions: string[]): Promise<void> {
  for (const step of steps) {
    const execute = executors[step.op] as ((s: DeregisterStep, d: string) => Promise<void>) | undefined;
    if (typeof execute !== 'function') return unreachable(step as never);
    await execute(step, device);
    actions.push(describeDeregisterStep(step, device));
  }
}
