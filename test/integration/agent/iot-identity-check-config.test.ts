// `edge-agent check-config` with the IoT-certificate identity and an iot: section: the effective
// values (paths, never file contents), and the key-file permission refusal.
import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIotCa } from '../../../sandbox/iot/iot-ca.js';
import { runAgent } from '../../helpers/cli.js';

t.test('the IoT identity and the iot: section are shown with paths only; an open key file is refused', async (t) => {
  const dir = t.testdir();
  const device = await (await createIotCa()).issueDeviceCertificate();
  const cert = join(dir, 'device.pem.crt');
  const key = join(dir, 'private.pem.key');
  writeFileSync(cert, device.certificatePem);
  writeFileSync(key, device.privateKeyPem, { mode: 0o600 });
  chmodSync(key, 0o600);
  const onprem = join(dir, 'onpremises.yml');
  writeFileSync(
    onprem,
    `region: eu-west-1\niot_thing_name: rpi-01\niot_role_alias: edge-agent\niot_credentials_endpoint: c2abc.credentials.iot.eu-west-1.amazonaws.com\niot_certificate_file: ${cert}\niot_private_key_file: ${key}\n`,
  );
  const config = join(dir, 'agent.yml');
  writeFileSync(config, `root_dir: ${join(dir, 'root')}\non_premises_config_file: ${onprem}\niot:\n  endpoint: abc-ats.iot.eu-west-1.amazonaws.com\n`);

  const ok = await runAgent(['check-config', '-c', config, '--json']);
  t.equal(ok.code, 0, ok.stdout + ok.stderr);
  const report = JSON.parse(ok.stdout) as { identity: Record<string, unknown>; agentConfig: Record<string, unknown> };
  t.match(report.identity, {
    mode: 'iot-certificate',
    iot_thing_name: 'rpi-01',
    iot_role_alias: 'edge-agent',
    iot_credentials_endpoint: 'c2abc.credentials.iot.eu-west-1.amazonaws.com:443',
    iot_private_key_file: key,
    host_identifier: /learnt at start/,
  });
  t.match(report.agentConfig, { 'iot.endpoint': 'abc-ats.iot.eu-west-1.amazonaws.com:8883', 'iot.schedule': '* * * * *', 'iot.thing_name': null });
  t.notMatch(ok.stdout, /BEGIN/, 'no certificate or key content is printed');

  chmodSync(key, 0o644);
  const open = await runAgent(['check-config', '-c', config]);
  t.equal(open.code, 2);
  t.match(open.stdout, /CONFIG_INSECURE_PERMISSIONS/);
  t.match(open.stdout, `chmod 600 ${key}`);

  // a schedule of the right shape that node-cron refuses (minute 61): caught by check-config too
  chmodSync(key, 0o600);
  writeFileSync(config, `root_dir: ${join(dir, 'root')}\non_premises_config_file: ${onprem}\niot:\n  endpoint: abc-ats.iot.eu-west-1.amazonaws.com\n  schedule: "61 * * * *"\n`);
  const badSchedule = await runAgent(['check-config', '-c', config]);
  t.equal(badSchedule.code, 2, badSchedule.stdout + badSchedule.stderr);
  t.match(badSchedule.stdout, /CONFIG_INVALID/);
  t.match(badSchedule.stdout, /iot\.schedule: expected a cron expression/);
});
