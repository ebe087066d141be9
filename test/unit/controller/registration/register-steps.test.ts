import t from 'tap';
import { LEDGER_FILE, openLedger } from '../../../../controller/registration/ledger.js';
import type { Step } from '../../../../controller/registration/register-plan.js';
import { registerExecutors, runStep, runSteps, type DeviceRun } from '../../../../controller/registration/register-steps.js';
import { createTagBatcher } from '../../../../controller/registration/tag-batcher.js';
import { ACCOUNT, CA_PEM, ROLE_ARN, harness, iotDevice, sessionArn, sessionDevice } from './fixtures.js';

function executors(t: Parameters<typeof harness>[0], withIot = true) {
  const h = harness(t);
  const aws = h.pool.session();
  const iot = { roleArn: ROLE_ARN, roleAlias: 'edge', policyName: 'edge-agent-device', dataEndpoint: 'data.example', credentialsEndpoint: 'creds.example', caPem: CA_PEM };
  const ledger = openLedger(`${h.out}/${LEDGER_FILE}`);
  const exec = registerExecutors({ aws, setup: { accountId: ACCOUNT, ...(withIot ? { iot } : {}), actions: [] }, ledger, bundles: h.bundles(), tags: createTagBatcher(aws.codedeploy, 1) });
  return { h, exec, ledger };
}

t.test('register: already registered with the same ARN (an answer lost earlier) is done', async (t) => {
  const { h, exec } = executors(t);
  await h.world.codedeploy().registerOnPremisesInstance({ instanceName: 'pi-1', iamSessionArn: sessionArn('pi-1') });
  const run: DeviceRun = { device: sessionDevice('pi-1'), actions: [] };
  await runStep(exec, { op: 'register', arn: sessionArn('pi-1') }, run);
  t.same(run.actions, ['registered']);
});

t.test('register: already registered with another ARN is FLEET_NAME_CONFLICT naming the way out', async (t) => {
  const { h, exec } = executors(t);
  await h.world.codedeploy().registerOnPremisesInstance({ instanceName: 'pi-1', iamSessionArn: sessionArn('other') });
  const run: DeviceRun = { device: sessionDevice('pi-1'), actions: [] };
  await t.rejects(runStep(exec, { op: 'register', arn: sessionArn('pi-1') }, run), {
    code: 'FLEET_NAME_CONFLICT',
    message: /pi-1 is registered with .*other, not .*: deregister it first \(fleetctl deregister pi-1\), or register it with the identity it has/,
  });
  t.same(run.actions, [], 'a failed step is not reported as done');
});

t.test('create-thing and create-user are idempotent: "already exists" from an earlier run is done', async (t) => {
  const { h, exec } = executors(t);
  await h.world.iot().createThing('pi-1');
  await h.world.iam().createUser('pi-1', '/edge-fleet/');
  const run: DeviceRun = { device: iotDevice('pi-1'), actions: [] };
  await runSteps(exec, [{ op: 'create-thing' }, { op: 'create-user' }], run);
  t.same(run.actions, ['thing created', 'IAM user created']);
});

t.test('create-certificate records the certificate in the ledger before anything else can fail', async (t) => {
  const { h, exec, ledger } = executors(t);
  h.world.faults.inject({ operation: 'iot.AttachPolicy', fault: 'access-denied' });
  await h.world.iot().createPolicy('edge-agent-device', '{}');
  await h.world.iot().createThing('pi-1');
  const run: DeviceRun = { device: iotDevice('pi-1'), actions: [] };
  const steps: Step[] = [{ op: 'create-certificate' }, { op: 'attach-certificate' }];
  await t.rejects(runSteps(exec, steps, run), { code: 'AWS_ACCESS_DENIED' });
  t.same(ledger.entry('pi-1').pendingCertificateArns, [run.certificate?.arn]);
  t.match(run.arn, /^arn:aws:sts::111111111111:assumed-role\/edge-device\/[0-9a-f]{64}$/);
});

t.test('delete-certificate tears an orphan down (detach, deactivate, delete) and records it', async (t) => {
  const { h, exec, ledger } = executors(t);
  const iot = h.world.iot();
  await iot.createPolicy('edge-agent-device', '{}');
  await iot.createThing('pi-1');
  const c = await iot.createKeysAndCertificate(true);
  await iot.attachPolicy('edge-agent-device', c.certificateArn);
  await iot.attachThingPrincipal('pi-1', c.certificateArn);
  ledger.record({ device: 'pi-1', event: 'certificate-created', certificateArn: c.certificateArn });
  await runStep(exec, { op: 'delete-certificate', certificateArn: c.certificateArn, attached: true }, { device: iotDevice('pi-1'), actions: [] });
  t.equal(iot.certificates.size, 0);
  t.same(ledger.entry('pi-1').pendingCertificateArns, []);
});

t.test('create-certificate without the IoT setup is an internal error, not a crash elsewhere', async (t) => {
  const { exec } = executors(t, false);
  await t.rejects(runStep(exec, { op: 'create-certificate' }, { device: iotDevice('pi-1'), actions: [] }), { code: 'INTERNAL' });
});

t.test('a step kind without an executor is refused', async (t) => {
  const { exec } = executors(t);
  await t.rejects(runStep(exec, { op: 'reboot' } as unknown as Step, { device: sessionDevice('pi-1'), actions: [] }), /unhandled case/);
});
