// The IoT-certificate identity end-to-end: a real `edge-agent run` with only a device certificate
// (no AWS keys on the device) gets temporary credentials from the sandbox's IoT credentials
// provider, learns its session ARN with STS GetCallerIdentity, polls CodeDeploy as that host, runs
// a deployment, and reports it in the device shadow (telemetry over MQTT5 with the same certificate).
import t from 'tap';
import { AddTagsToOnPremisesInstancesCommand, RegisterOnPremisesInstanceCommand } from '@aws-sdk/client-codedeploy';
import { CreateRoleAliasCommand } from '@aws-sdk/client-iot';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisionDevice, stopAgent, type Device } from '../../../sandbox/simulated-device.js';
import { configureAgent, deploy, runDevice, startFleet, uploadRevision, waitDone, type Fleet } from '../../helpers/agent-fleet.js';
import { iotClient } from '../sandbox/iot-harness.js';
import { deviceWithFiles, readShadow, waitFor } from './telemetry-harness.js';

const ROLE_ARN = 'arn:aws:iam::111111111111:role/edge-device';

/**
 * A device folder (sandbox/simulated-device.ts lays it out) whose onpremises.yml is replaced by the
 * IoT identity: no secret in it. The keys-based registration it came with is under another name
 * and in no deployment group.
 */
async function iotDevice(fleet: Fleet, name: string, roleAlias: string, extraConfig = ''): Promise<{ device: Device; sessionArn: string }> {
  const { sb } = fleet;
  const device = await provisionDevice(sb, fleet.dir, name, { fleet: 'unused' });
  const { device: cert, files } = await deviceWithFiles(iotClient(sb), sb, device.dir, name);
  writeFileSync(
    join(device.dir, 'onpremises.yml'),
    [
      `region: ${sb.region}`,
      `iot_thing_name: ${name}`,
      `iot_role_alias: ${roleAlias}`,
      `iot_credentials_endpoint: ${sb.iot.credentialsEndpoint}`,
      `iot_certificate_file: ${files.cert}`,
      `iot_private_key_file: ${files.key}`,
      `iot_ca_file: ${files.ca}`,
    ].join('\n') + '\n',
  );
  configureAgent(device, { sts_endpoint_override: sb.url });
  appendFileSync(device.configPath, extraConfig);
  fleet.devices.push(device);
  // the sandbox names the session after the certificate id, as AWS IoT does
  return { device, sessionArn: `arn:aws:sts::111111111111:assumed-role/edge-device/${cert.certificateId}` };
}

t.test('device certificate → credentials → GetCallerIdentity → polls as that host; the deployment succeeds and shows in the shadow', async (t) => {
  const fleet = await startFleet(t);
  await iotClient(fleet.sb).send(new CreateRoleAliasCommand({ roleAlias: 'edge-agent', roleArn: ROLE_ARN, credentialDurationSeconds: 900 }));
  const telemetrySection = `iot:\n  endpoint: ${fleet.sb.iot.dataEndpoint}\n  schedule: '*/2 * * * * *'\n  reconnect_max_seconds: 2\n`;
  const { device, sessionArn } = await iotDevice(fleet, 'rpi-01', 'edge-agent', telemetrySection);
  await fleet.cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'rpi-01-iot', iamSessionArn: sessionArn }));
  await fleet.cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['rpi-01-iot'], tags: [{ Key: 'fleet', Value: 'lab' }] }));

  runDevice(device);
  await waitFor('the agent to start', () => device.output.includes('edge-agent started'), 90_000);
  t.match(device.output, sessionArn, 'the host identifier is the session ARN of the IoT credentials');

  const key = await uploadRevision(fleet, 'v1', 'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: hook.sh\n', { 'hook.sh': { content: '#!/bin/sh\necho ok > proof\n', mode: 0o755 } });
  const id = await deploy(fleet, key);
  const info = await waitDone(fleet, id, 120_000);
  t.equal(info.status, 'Succeeded', device.output.slice(-3000));

  // telemetry with the same certificate: the shadow shows the identity and the deployment
  let reported: Record<string, unknown> = {};
  await waitFor(
    'the shadow to show the last lifecycle event',
    async () => {
      reported = await readShadow(fleet.sb, 'rpi-01').then((s) => s.reported, () => ({}));
      const last = (reported['deployment'] as { last?: { deploymentId?: string; command?: string } } | undefined)?.last;
      return last?.deploymentId === id && last.command === 'ValidateService';
    },
    60_000,
  );
  t.same(reported['identity'], { thingName: 'rpi-01', mode: 'iot-certificate', hostIdentifier: sessionArn });
  t.match(reported['deployment'], { last: { deploymentId: id, command: 'ValidateService', status: 'Succeeded' } });
  t.ok(reported['health'], 'the health sample is reported');

  t.equal(await stopAgent(device), 0, 'SIGTERM stops the agent cleanly (the MQTT client is closed, the process exits)');
  t.match(device.output, 'IoT telemetry stopped');
});

t.test('a role alias the provider does not know: the agent refuses to start with a clear error', async (t) => {
  const fleet = await startFleet(t);
  const { device } = await iotDevice(fleet, 'rpi-02', 'no-such-alias');
  const child = runDevice(device);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  t.equal(code, 1);
  t.match(device.output, /IOT_CREDENTIALS_REJECTED/);
  t.match(device.output, /Role alias does not exist/);
  t.notMatch(device.output, /secretAccessKey|sessionToken/, 'no secret in the output');
});
