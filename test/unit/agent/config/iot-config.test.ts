// The iot: section of the agent config and the IoT-certificate identity of the on-premises file.
import t from 'tap';
import { parseAgentConfig } from '../../../../agent/config/agent-config.js';
import { checkIotSchedule, iotSectionView, parseIotEndpoint, resolveTelemetryConfig } from '../../../../agent/config/iot-config.js';
import { parseOnPremisesConfig } from '../../../../agent/config/onprem-config.js';
import { isEdgeError } from '../../../../shared/errors.js';

const section = (yaml: string) => parseAgentConfig(`iot:\n${yaml}`, 'agent.yml');

t.test('the iot: section with its defaults, and no section at all', async (t) => {
  t.equal(parseAgentConfig('root_dir: /r\n', 'a.yml').config.iot, undefined, 'no iot: section, no IoT');
  const { config, warnings } = section('  endpoint: abc-ats.iot.eu-west-1.amazonaws.com\n  thing_name: rpi-01\n  :schedule: "*/5 * * * *"\n  colour: blue\n');
  t.match(config.iot, { enabled: true, endpoint: { host: 'abc-ats.iot.eu-west-1.amazonaws.com', port: 8883 }, thingName: 'rpi-01', schedule: '*/5 * * * *', spoolMaxMessages: 1000, reconnectMaxSeconds: 120 });
  t.same(warnings, ['config key iot.colour is unknown and ignored']);
  t.match(iotSectionView(config.iot!), { 'iot.endpoint': 'abc-ats.iot.eu-west-1.amazonaws.com:8883', 'iot.thing_name': 'rpi-01', 'iot.private_key_file': null });
});

t.test('bad values are refused with the key and what to write', async (t) => {
  const refused = (yaml: string, pattern: RegExp) => {
    let error: unknown;
    try {
      section(yaml);
    } catch (e) {
      error = e;
    }
    t.ok(isEdgeError(error, 'CONFIG_INVALID') && pattern.test(error.message), `${pattern.source}: ${(error as Error | undefined)?.message}`);
  };
  refused('  thing_name: rpi\n', /iot\.endpoint: is required/);
  refused('  endpoint: https://abc.iot.amazonaws.com\n', /without a scheme/);
  refused('  endpoint: host:99999\n', /port from 1 to 65535/);
  refused('  endpoint: h\n  schedule: every minute\n', /cron expression/);
  refused('  endpoint: h\n  schedule: "* * * * * * *"\n', /cron expression/);
  refused('  endpoint: h\n  thing_name: "bad/name"\n', /thing name/);
  refused('  endpoint: h\n  private_key_file: key.pem\n', /absolute path/);
  refused('  endpoint: h\n  reconnect_min_seconds: 60\n  reconnect_max_seconds: 5\n', /must not be above/);
  refused('  endpoint: h\n  spool_max_messages: 0\n', /whole number from 1/);
  t.throws(() => parseAgentConfig('iot: yes\n', 'a.yml'), /expected a map/);
  t.same(parseIotEndpoint('k', '[::1]:8883', 1), { host: '::1', port: 8883 });
});

t.test('the certificate comes from the section, else from the IoT identity', async (t) => {
  const { config } = section('  endpoint: h\n');
  t.throws(() => resolveTelemetryConfig(config.iot!), /iot\.thing_name, iot\.certificate_file, iot\.private_key_file/);
  const identity = { thingName: 'rpi-01', certificateFile: '/c', privateKeyFile: '/k', caFile: '/ca' };
  t.match(resolveTelemetryConfig(config.iot!, identity), identity);
  const own = section('  endpoint: h\n  thing_name: other\n  certificate_file: /c2\n  private_key_file: /k2\n').config.iot!;
  t.match(resolveTelemetryConfig(own, identity), { thingName: 'other', certificateFile: '/c2', privateKeyFile: '/k2', caFile: '/ca' });
});

t.test('the on-premises IoT-certificate identity', async (t) => {
  const keys = 'region: eu-west-1\niot_thing_name: rpi-01\niot_role_alias: edge-agent\niot_credentials_endpoint: c2abc.credentials.iot.eu-west-1.amazonaws.com\niot_certificate_file: /etc/edge-agent/iot/device.pem.crt\niot_private_key_file: /etc/edge-agent/iot/private.pem.key\n';
  const { config } = parseOnPremisesConfig(keys, 'onprem.yml');
  t.same(config, {
    mode: 'iot-certificate',
    source: 'onprem.yml',
    region: 'eu-west-1',
    holdsSecrets: false,
    iot: {
      thingName: 'rpi-01',
      roleAlias: 'edge-agent',
      credentialsEndpoint: { host: 'c2abc.credentials.iot.eu-west-1.amazonaws.com', port: 443 },
      certificateFile: '/etc/edge-agent/iot/device.pem.crt',
      privateKeyFile: '/etc/edge-agent/iot/private.pem.key',
    },
  });
  t.equal(config.hostIdentifier, undefined, 'the host identifier is learnt at start');
  t.throws(() => parseOnPremisesConfig('region: eu-west-1\niot_thing_name: rpi-01\n', 'o.yml'), /also needs 'iot_role_alias', 'iot_credentials_endpoint', 'iot_certificate_file', 'iot_private_key_file'/);
  t.throws(() => parseOnPremisesConfig(`${keys}iam_user_arn: arn:aws:iam::111111111111:user/x\n`, 'o.yml'), /cannot be combined with 'iam_user_arn'/);
  t.throws(() => parseOnPremisesConfig(keys.replace('region: eu-west-1\n', ''), 'o.yml'), /'region' key is required/);
  t.throws(() => parseOnPremisesConfig('region: eu-west-1\n', 'o.yml'), /or 'iot_thing_name'/);
});

t.test("node-cron checks the schedule's fields when telemetry starts (the parser checks the shape only)", async (t) => {
  const parsed = section('  endpoint: h\n  schedule: "61 * * * *"\n').config.iot!;
  t.equal(parsed.schedule, '61 * * * *');
  await t.rejects(checkIotSchedule(parsed), { code: 'CONFIG_INVALID', message: /config key iot\.schedule: expected a cron expression.*got "61 \* \* \* \*"/ });
  await t.resolves(checkIotSchedule(section('  endpoint: h\n  schedule: "*/10 * * * * *"\n').config.iot!));
});
