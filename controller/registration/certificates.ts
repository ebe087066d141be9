// Certificate teardown, written once for register (certificates whose key never reached a bundle)
// and deregister (--delete-certificates): detach it from the thing and the policy, deactivate it
// (IoT deletes only inactive certificates), delete it. Each step treats "already gone" as done, so a
// teardown cut short by a failure or a kill finishes on the next run.
import type { IotPort } from '../aws/ports.js';
import { certificateIdOf } from '../fleet/model.js';
import { doneUnless } from '../fleet/observe.js';

export interface CertificateTeardown {
  readonly certificateArn: string;
  /** The thing it is attached to (absent: not attached to a thing). */
  readonly thingName?: string;
  /** The IoT policy attached to it (absent: none of ours). */
  readonly policyName?: string;
}

export async function teardownCertificate(iot: IotPort, c: CertificateTeardown): Promise<void> {
  const certificateId = certificateIdOf(c.certificateArn);
  const { thingName, policyName } = c;
  if (thingName !== undefined) await doneUnless('AWS_NOT_FOUND', () => iot.detachThingPrincipal(thingName, c.certificateArn));
  if (policyName !== undefined) await doneUnless('AWS_NOT_FOUND', () => iot.detachPolicy(policyName, c.certificateArn));
  await doneUnless('AWS_NOT_FOUND', () => iot.updateCertificate(certificateId, 'INACTIVE'));
  await doneUnless('AWS_NOT_FOUND', () => iot.deleteCertificate(certificateId));
}
