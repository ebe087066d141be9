// Runs device plans: the steps of one device in order, devices side by side (bounded), every call
// paced and retried by FleetAws, tag changes batched across devices. A device's failure is
// recorded on that device and never stops the others.
import { AddTagsToOnPremisesInstancesCommand, GetOnPremisesInstanceCommand, RegisterOnPremisesInstanceCommand, RemoveTagsFromOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { EdgeError } from '../../shared/errors.js';
import { isAwsError, type FleetAws } from './aws.js';
import { renderBundle, type BundleIdentity, type BundleStore } from './bundle.js';
import type { Ledger } from './ledger.js';
import { IAM_USER_PATH, IAM_USER_POLICY_NAME, certificateIdOf, iotSessionArn, type DeviceSpec, type Tag } from './model.js';
import { agentUserPolicy } from './policies.js';
import type { Step } from './plan.js';
import type { FleetSetup } from './setup.js';
import { TagBatcher } from './tag-batcher.js';
import { formatTags } from './tags.js';

export interface ExecDeps {
  readonly aws: FleetAws;
  readonly setup: FleetSetup;
  readonly ledger: Ledger;
  readonly bundles: BundleStore;
  readonly revisionBucket?: string;
}

/** Secrets created in this run for one device; never leaves this module except into the bundle. */
interface Issued {
  certificate?: { arn: string; pem: string; privateKey: string };
  accessKey?: { id: string; secret: string };
}

export function createTagBatcher(aws: FleetAws, maxAgeMs: number): TagBatcher {
  return new TagBatcher(async (op, names, tags) => {
    const input = { instanceNames: [...names], tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
    if (op === 'add') await aws.send('codedeploy', new AddTagsToOnPremisesInstancesCommand(input));
    else await aws.send('codedeploy', new RemoveTagsFromOnPremisesInstancesCommand(input));
  }, maxAgeMs);
}

async function detachAndDelete(deps: ExecDeps, device: string, certificateArn: string, attached: boolean): Promise<void> {
  const { aws } = deps;
  const certificateId = certificateIdOf(certificateArn);
  const quiet = async (p: Promise<unknown>): Promise<void> => {
    try {
      await p;
    } catch (e) {
      if (!isAwsError(e, 'ResourceNotFoundException')) throw e;
    }
  };
  if (attached) await quiet(aws.send('iot', new DetachThingPrincipalCommand({ thingName: device, principal: certificateArn })));
  if (deps.setup.iot) await quiet(aws.send('iot', new DetachPolicyCommand({ policyName: deps.setup.iot.policyName, target: certificateArn })));
  await quiet(aws.send('iot', new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })));
  await quiet(aws.send('iot', new DeleteCertificateCommand({ certificateId })));
}

function bundleIdentity(deps: ExecDeps, device: DeviceSpec, issued: Issued, arn: string | undefined): BundleIdentity {
  const iot = deps.setup.iot;
  if (device.identity.mode === 'iam-session') return { mode: 'iam-session', arn: device.identity.arn };
  if (device.identity.mode === 'create-iam-user' && issued.accessKey && arn) return { mode: 'iam-user', arn, accessKeyId: issued.accessKey.id, secretAccessKey: issued.accessKey.secret };
  if (device.identity.mode === 'iot' && iot && issued.certificate) {
    return {
      mode: 'iot',
      arn: iotSessionArn(iot.roleArn, certificateIdOf(issued.certificate.arn)),
      thingName: device.name,
      roleAlias: iot.roleAlias,
      dataEndpoint: iot.dataEndpoint,
      credentialsEndpoint: iot.credentialsEndpoint,
      certificatePem: issued.certificate.pem,
      privateKeyPem: issued.certificate.privateKey,
      caPem: iot.caPem,
    };
  }
  throw new EdgeError('INTERNAL', `no credentials to write a bundle for ${device.name}`);
}

async function register(deps: ExecDeps, name: string, arn: string): Promise<void> {
  const input = arn.includes(':assumed-role/') ? { instanceName: name, iamSessionArn: arn } : { instanceName: name, iamUserArn: arn };
  try {
    await deps.aws.send('codedeploy', new RegisterOnPremisesInstanceCommand(input));
  } catch (e) {
    if (isAwsError(e, 'InstanceNameAlreadyRegisteredException')) {
      // an earlier attempt may have succeeded with its answer lost: same ARN = done
      const r = await deps.aws.send('codedeploy', new GetOnPremisesInstanceCommand({ instanceName: name }));
      const have = r.instanceInfo?.iamUserArn ?? r.instanceInfo?.iamSessionArn;
      if (have === arn) return;
      throw new EdgeError('FLEET_NAME_CONFLICT', `${name} is registered with ${have ?? 'another identity'}, not ${arn}`, { cause: e });
    }
    if (isAwsError(e, 'IamSessionArnAlreadyRegisteredException', 'IamUserArnAlreadyRegisteredException')) {
      throw new EdgeError('FLEET_NAME_CONFLICT', `${arn} is already registered to another instance`, { cause: e });
    }
    throw e;
  }
}

/** Runs a device's steps; returns the ARN it registered with, its bundle, and (not awaited, so
 * devices do not hold a slot while their tag batch fills) the tag change. */
export async function runSteps(
  deps: ExecDeps,
  device: DeviceSpec,
  steps: readonly Step[],
  planArn: string | undefined,
  tags: TagBatcher,
  actions: string[],
): Promise<{ arn?: string; bundle?: string; tagged?: Promise<void> }> {
  const { aws, ledger } = deps;
  const name = device.name;
  const issued: Issued = {};
  let arn = planArn;
  let bundle: string | undefined;
  let tagged: Promise<void> | undefined;
  const iot = deps.setup.iot;
  for (const step of steps) {
    switch (step.op) {
      case 'create-thing':
        try {
          await aws.send('iot', new CreateThingCommand({ thingName: name }));
        } catch (e) {
          if (!isAwsError(e, 'ResourceAlreadyExistsException')) throw e;
        }
        actions.push('thing created');
        break;
      case 'add-to-group':
        await aws.send('iot', new AddThingToThingGroupCommand({ thingName: name, thingGroupName: step.group }));
        actions.push(`added to thing group ${step.group}`);
        break;
      case 'delete-certificate':
        await detachAndDelete(deps, name, step.certificateArn, step.attached);
        ledger.record({ device: name, event: 'certificate-deleted', certificateArn: step.certificateArn });
        actions.push(`orphaned certificate ${certificateIdOf(step.certificateArn).slice(0, 12)}… deleted`);
        break;
      case 'create-certificate': {
        const r = await aws.send('iot', new CreateKeysAndCertificateCommand({ setAsActive: true }));
        if (!r.certificateArn || !r.certificatePem || !r.keyPair?.PrivateKey) throw new EdgeError('FLEET_DEVICE_FAILED', 'CreateKeysAndCertificate returned no certificate or key');
        ledger.record({ device: name, event: 'certificate-created', certificateArn: r.certificateArn });
        issued.certificate = { arn: r.certificateArn, pem: r.certificatePem, privateKey: r.keyPair.PrivateKey };
        arn = iotSessionArn((iot as NonNullable<typeof iot>).roleArn, certificateIdOf(r.certificateArn));
        actions.push('certificate created');
        break;
      }
      case 'attach-certificate': {
        const cert = step.certificateArn ?? issued.certificate?.arn;
        if (!cert || !iot) throw new EdgeError('INTERNAL', 'attach-certificate without a certificate');
        await aws.send('iot', new AttachPolicyCommand({ policyName: iot.policyName, target: cert }));
        await aws.send('iot', new AttachThingPrincipalCommand({ thingName: name, principal: cert }));
        actions.push('certificate attached');
        break;
      }
      case 'create-user':
        try {
          await aws.send('iam', new CreateUserCommand({ UserName: name, Path: IAM_USER_PATH }));
        } catch (e) {
          if (!isAwsError(e, 'EntityAlreadyExistsException', 'EntityAlreadyExists')) throw e;
        }
        actions.push('IAM user created');
        break;
      case 'put-user-policy':
        await aws.send('iam', new PutUserPolicyCommand({ UserName: name, PolicyName: IAM_USER_POLICY_NAME, PolicyDocument: agentUserPolicy(deps.revisionBucket) }));
        actions.push('IAM user policy set');
        break;
      case 'delete-access-key':
        await aws.send('iam', new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: step.accessKeyId }));
        ledger.record({ device: name, event: 'access-key-deleted', accessKeyId: step.accessKeyId });
        actions.push('orphaned access key deleted');
        break;
      case 'create-access-key': {
        const r = await aws.send('iam', new CreateAccessKeyCommand({ UserName: name }));
        const key = r.AccessKey;
        if (!key?.AccessKeyId || !key.SecretAccessKey) throw new EdgeError('FLEET_DEVICE_FAILED', 'CreateAccessKey returned no key');
        ledger.record({ device: name, event: 'access-key-created', accessKeyId: key.AccessKeyId });
        issued.accessKey = { id: key.AccessKeyId, secret: key.SecretAccessKey };
        actions.push('access key created');
        break;
      }
      case 'write-bundle': {
        bundle = deps.bundles.write(name, renderBundle(aws.region, bundleIdentity(deps, device, issued, arn)));
        if (issued.certificate) ledger.record({ device: name, event: 'certificate-bundled', certificateArn: issued.certificate.arn });
        if (issued.accessKey) ledger.record({ device: name, event: 'access-key-bundled', accessKeyId: issued.accessKey.id });
        actions.push('bundle written');
        break;
      }
      case 'register':
        if (!(step.arn ?? arn)) throw new EdgeError('INTERNAL', `no ARN to register ${name} with`);
        await register(deps, name, (step.arn ?? arn) as string);
        actions.push('registered');
        break;
      case 'tags': {
        const waits: Promise<void>[] = [];
        if (step.remove.length > 0) waits.push(tags.enqueue('remove', name, step.remove));
        if (step.add.length > 0) waits.push(tags.enqueue('add', name, step.add));
        tagged = Promise.all(waits).then(() => undefined);
        actions.push(`tags ${[step.add.length ? `+${formatTags(step.add)}` : '', step.remove.length ? `-${step.remove.map((t: Tag) => t.Key).join(',')}` : ''].filter(Boolean).join(' ')}`);
        break;
      }
    }
  }
  return { ...(arn ? { arn } : {}), ...(bundle ? { bundle } : {}), ...(tagged ? { tagged } : {}) };
}
