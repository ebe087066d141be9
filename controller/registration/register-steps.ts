// The register executor: one small function per step kind of the register plan, in a map the
// compiler checks is complete (a new step kind without an executor does not build). Each executor is
// idempotent against AWS (an "already exists" from an earlier, cut-short run counts as done) and
// records in the ledger before and after a secret exists, so a killed run resumes correctly.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import { doneUnless } from '../fleet/observe.js';
import { IAM_USER_PATH, IAM_USER_POLICY_NAME, certificateIdOf, iotSessionArn, type DeviceSpec, type FleetPorts } from '../fleet/model.js';
import { renderBundle, type BundleIdentity, type BundleStore } from './bundle.js';
import { teardownCertificate } from './certificates.js';
import type { Ledger } from './ledger.js';
import { agentUserPolicy } from './policies.js';
import { describeStep, unreachable, type Step } from './register-plan.js';
import type { FleetSetup } from './setup.js';
import type { TagBatcher } from './tag-batcher.js';

export interface RegisterExecDeps {
  readonly aws: FleetPorts;
  readonly setup: FleetSetup;
  readonly ledger: Ledger;
  readonly bundles: BundleStore;
  readonly tags: TagBatcher;
  readonly revisionBucket?: string;
}

/** One device's run: what its steps produced so far. Secrets stay here until the bundle is written. */
export interface DeviceRun {
  readonly device: DeviceSpec;
  readonly actions: string[];
  /** The ARN it registers with (known from the plan, or once its certificate exists). */
  arn?: string;
  certificate?: { readonly arn: string; readonly pem: string; readonly privateKey: string };
  accessKey?: { readonly id: string; readonly secret: string };
  bundle?: string;
  /** The tag change, not awaited by the run (a device does not hold a slot while its batch fills). */
  tagged?: Promise<void>;
}

type StepOf<K extends Step['op']> = Extract<Step, { op: K }>;
export type RegisterExecutors = { readonly [K in Step['op']]: (step: StepOf<K>, run: DeviceRun) => Promise<void> };

function bundleIdentity(deps: RegisterExecDeps, run: DeviceRun): BundleIdentity {
  const { device, certificate, accessKey, arn } = run;
  const iot = deps.setup.iot;
  if (device.identity.mode === 'iam-session') return { mode: 'iam-session', arn: device.identity.arn };
  if (device.identity.mode === 'create-iam-user' && accessKey && arn) return { mode: 'iam-user', arn, accessKeyId: accessKey.id, secretAccessKey: accessKey.secret };
  if (device.identity.mode === 'iot' && iot && certificate) {
    return {
      mode: 'iot',
      arn: iotSessionArn(iot.roleArn, certificateIdOf(certificate.arn)),
      thingName: device.name,
      roleAlias: iot.roleAlias,
      dataEndpoint: iot.dataEndpoint,
      credentialsEndpoint: iot.credentialsEndpoint,
      certificatePem: certificate.pem,
      privateKeyPem: certificate.privateKey,
      caPem: iot.caPem,
    };
  }
  throw new EdgeError('INTERNAL', `no credentials to write a bundle for ${device.name}`);
}

/** Registers; an "already registered" whose registration names this ARN is an earlier attempt that succeeded. */
async function registerInstance(aws: FleetPorts, name: string, arn: string): Promise<void> {
  const input = arn.includes(':assumed-role/') ? { instanceName: name, iamSessionArn: arn } : { instanceName: name, iamUserArn: arn };
  try {
    await aws.codedeploy.registerOnPremisesInstance(input);
    return;
  } catch (e) {
    if (!isEdgeError(e, 'AWS_ALREADY_EXISTS')) throw e;
    const now = await aws.codedeploy.batchGetOnPremisesInstances([name]);
    const mine = now.find((i) => i.instanceName === name && i.deregisterTime === undefined);
    const have = mine?.iamUserArn ?? mine?.iamSessionArn;
    if (mine && have === arn) return;
    const message = mine
      ? `${name} is registered with ${have ?? 'another identity'}, not ${arn}: deregister it first (fleetctl deregister ${name}), or register it with the identity it has`
      : `${arn} is already registered to another instance: deregister that instance first, or give ${name} its own identity`;
    throw new EdgeError('FLEET_NAME_CONFLICT', message, { cause: e, details: { ...(have ? { registeredArn: have } : {}) } });
  }
}

export function registerExecutors(deps: RegisterExecDeps): RegisterExecutors {
  const { aws, ledger } = deps;
  return {
    'create-thing': (_s, run) => doneUnless('AWS_ALREADY_EXISTS', () => aws.iot.createThing(run.device.name)),
    'add-to-group': (s, run) => aws.iot.addThingToThingGroup(run.device.name, s.group),
    async 'delete-certificate'(s, run) {
      const policyName = deps.setup.iot?.policyName;
      await teardownCertificate(aws.iot, { certificateArn: s.certificateArn, ...(s.attached ? { thingName: run.device.name } : {}), ...(policyName ? { policyName } : {}) });
      ledger.record({ device: run.device.name, event: 'certificate-deleted', certificateArn: s.certificateArn });
    },
    async 'create-certificate'(_s, run) {
      const iot = deps.setup.iot;
      if (!iot) throw new EdgeError('INTERNAL', `create-certificate for ${run.device.name} without the IoT setup`);
      const c = await aws.iot.createKeysAndCertificate(true);
      // the key exists only in this process until the bundle is written: remember the certificate first
      ledger.record({ device: run.device.name, event: 'certificate-created', certificateArn: c.certificateArn });
      run.certificate = { arn: c.certificateArn, pem: c.certificatePem, privateKey: c.privateKey };
      run.arn = iotSessionArn(iot.roleArn, certificateIdOf(c.certificateArn));
    },
    async 'attach-certificate'(s, run) {
      const cert = s.certificateArn ?? run.certificate?.arn;
      const iot = deps.setup.iot;
      if (!cert || !iot) throw new EdgeError('INTERNAL', `attach-certificate for ${run.device.name} without a certificate`);
      await aws.iot.attachPolicy(iot.policyName, cert);
      await aws.iot.attachThingPrincipal(run.device.name, cert);
    },
    'create-user': (_s, run) => doneUnless('AWS_ALREADY_EXISTS', () => aws.iam.createUser(run.device.name, IAM_USER_PATH)),
    'put-user-policy': (_s, run) => aws.iam.putUserPolicy(run.device.name, IAM_USER_POLICY_NAME, agentUserPolicy(deps.revisionBucket)),
    async 'delete-access-key'(s, run) {
      await doneUnless('AWS_NOT_FOUND', () => aws.iam.deleteAccessKey(run.device.name, s.accessKeyId));
      ledger.record({ device: run.device.name, event: 'access-key-deleted', accessKeyId: s.accessKeyId });
    },
    async 'create-access-key'(_s, run) {
      const key = await aws.iam.createAccessKey(run.device.name);
      ledger.record({ device: run.device.name, event: 'access-key-created', accessKeyId: key.accessKeyId });
      run.accessKey = { id: key.accessKeyId, secret: key.secretAccessKey };
    },
    async 'write-bundle'(_s, run) {
      const name = run.device.name;
      run.bundle = deps.bundles.write(name, renderBundle(aws.region, bundleIdentity(deps, run)));
      if (run.certificate) ledger.record({ device: name, event: 'certificate-bundled', certificateArn: run.certificate.arn });
      if (run.accessKey) ledger.record({ device: name, event: 'access-key-bundled', accessKeyId: run.accessKey.id });
    },
    async register(s, run) {
      const arn = s.arn ?? run.arn;
      if (!arn) throw new EdgeError('INTERNAL', `no ARN to register ${run.device.name} with`);
      await registerInstance(aws, run.device.name, arn);
    },
    async tags(s, run) {
      const waits: Promise<void>[] = [];
      if (s.remove.length > 0) waits.push(deps.tags.enqueue('remove', run.device.name, s.remove));
      if (s.add.length > 0) waits.push(deps.tags.enqueue('add', run.device.name, s.add));
      run.tagged = Promise.all(waits).then(() => undefined);
    },
  };
}

/** Runs one step with its executor and records what it did. */
export async function runStep(executors: RegisterExecutors, step: Step, run: DeviceRun): Promise<void> {
  const execute = executors[step.op] as ((s: Step, r: DeviceRun) => Promise<void>) | undefined;
  if (typeof execute !== 'function') return unreachable(step as never);
  await execute(step, run);
  run.actions.push(describeStep(step));
}

/** Runs a device's steps in order; the first failure stops the device (a re-run resumes). */
export async function runSteps(executors: RegisterExecutors, steps: readonly Step[], run: DeviceRun): Promise<DeviceRun> {
  for (const step of steps) await runStep(executors, step, run);
  return run;
}
