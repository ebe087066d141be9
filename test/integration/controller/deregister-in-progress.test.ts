// fleetctl deregister refuses a device that is in a running deployment (exit 1, the others go on),
// --force deregisters it anyway; fleetctl status shows the deployment on that device.
import t from 'tap';
import { BatchGetOnPremisesInstancesCommand, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeregisterReport } from '../../../controller/registration/deregister.js';
import type { StatusRow } from '../../../controller/fleet/fleet-state.js';
import { sdkConfig } from '../../../sandbox/simulated-device.js';
import { sessionArn, startFleet } from './register-fixtures.js';

const fleet = await startFleet();
t.teardown(() => fleet.close());

t.test('a device in a running deployment is refused without --force', async (t) => {
  const yaml = join(fleet.work, 'fleet.yaml');
  writeFileSync(yaml, `defaults: {tags: {fleet: busy}}\ndevices:\n  - {name: busy-1, iam_session_arn: "${sessionArn('busy-1')}"}\n  - {name: idle-1, iam_session_arn: "${sessionArn('idle-1')}", tags: {fleet: other}}\n`);
  const reg = await fleet.fleetctl(['register', '--inventory', yaml, '--out', join(fleet.work, 'bundles')]);
  t.equal(reg.code, 0, reg.stderr);

  // a deployment to busy-1, whose agent never polls: it stays InProgress (the sandbox's pickup timeout is 5 minutes)
  const s3 = new S3Client(sdkConfig(fleet.sb));
  await s3.send(new CreateBucketCommand({ Bucket: 'rel' }));
  await s3.send(new PutObjectCommand({ Bucket: 'rel', Key: 'app.zip', Body: Buffer.from('not read') }));
  s3.destroy();
  await fleet.codedeploy.send(new CreateApplicationCommand({ applicationName: 'app' }));
  await fleet.codedeploy.send(new CreateDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'g', serviceRoleArn: 'arn:aws:iam::111111111111:role/cd', onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'busy', Type: 'KEY_AND_VALUE' }] }));
  const { deploymentId } = await fleet.codedeploy.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'g', revision: { revisionType: 'S3', s3Location: { bucket: 'rel', key: 'app.zip', bundleType: 'zip' } } }));
  const status = (await fleet.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status;
  t.match(status, /Created|Queued|InProgress/, 'the deployment is running');

  const st = await fleet.json<{ devices: StatusRow[] }>(['status', 'busy-1']);
  t.equal(st.code, 0, st.stderr);
  t.match(st.doc.devices, [{ name: 'busy-1', lastDeployment: { deploymentId } }], 'status shows the running deployment on the device');

  const refused = await fleet.json<DeregisterReport>(['deregister', 'busy-1', 'idle-1']);
  t.equal(refused.code, 1, 'some devices were not deregistered');
  t.match(refused.doc.devices.find((d) => d.name === 'busy-1'), { outcome: 'refused', error: { code: 'FLEET_DEPLOYMENT_IN_PROGRESS', message: new RegExp(`busy-1 is in deployment ${deploymentId}.*--force`) } });
  t.match(refused.doc.devices.find((d) => d.name === 'idle-1'), { outcome: 'deregistered' }, 'the other device went on');
  const still = await fleet.codedeploy.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['busy-1'] }));
  t.equal(still.instanceInfos?.[0]?.deregisterTime, undefined, 'busy-1 is still registered');

  const forced = await fleet.json<DeregisterReport>(['deregister', 'busy-1', '--force']);
  t.equal(forced.code, 0, forced.stderr);
  t.match(forced.doc.devices, [{ name: 'busy-1', outcome: 'deregistered' }]);
});
