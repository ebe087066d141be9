// A provisioning bundle written by `fleetctl register` (controller/registration/bundle.ts) is what
// install-agent.sh --provisioning takes: the IoT device's identity, agent.yml with the iot: section,
// its certificate, private key and the IoT CA land in /etc/edge-agent with the right modes, from the
// folder and from the tar fleetctl writes with --tar.
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createBundleStore, renderBundle } from '../../../controller/registration/bundle.js';
import { parseOnPremisesConfig } from '../../../agent/config/onprem-config.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { buildPackage, INSTALL_SCRIPT, output, run, tempDir } from './helpers.js';

const built = buildPackage(tempDir(t, 'install-package'));
const mode = (p: string): string => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');

const files = renderBundle('eu-west-1', {
  mode: 'iot',
  arn: 'arn:aws:sts::111122223333:assumed-role/edge-device/0123abcd',
  thingName: 'pi-07',
  roleAlias: 'edge-agent',
  dataEndpoint: 'abc123-ats.iot.eu-west-1.amazonaws.com',
  credentialsEndpoint: 'c2abc.credentials.iot.eu-west-1.amazonaws.com',
  certificatePem: '-----BEGIN CERTIFICATE-----\nMIIDEVICE\n-----END CERTIFICATE-----\n',
  privateKeyPem: '-----BEGIN RSA PRIVATE KEY-----\nMIISECRET\n-----END RSA PRIVATE KEY-----\n',
  caPem: '-----BEGIN CERTIFICATE-----\nMIICA\n-----END CERTIFICATE-----\n',
});

t.test('the package was built', async (t) => {
  t.equal(built.code, 0, output(built));
});

for (const tar of [false, true]) {
  t.test(`an IoT device's bundle (${tar ? 'tar' : 'folder'}) installs with its secrets private`, async (t) => {
    const bundle = createBundleStore(tempDir(t, 'bundles'), { tar }).write('pi-07', files);
    const root = tempDir(t, 'root');
    const r = run('bash', [INSTALL_SCRIPT, '--tarball', built.tarball, '--provisioning', bundle, '--destdir', root]);
    t.equal(r.code, 0, output(r));
    t.notMatch(r.stderr, /ignored/, 'every file of the bundle is used');
    const etc = join(root, 'etc', 'edge-agent');
    t.same(readdirSync(etc).sort(), ['agent.yml', 'iot-ca.pem', 'iot-certificate.pem.crt', 'iot-private.pem.key', 'onpremises.yml']);
    for (const [name, content] of Object.entries(files)) t.equal(readFileSync(join(etc, name), 'utf8'), content, `${name} as fleetctl wrote it`);
    t.equal(mode(join(etc, 'iot-private.pem.key')), '0600', 'the private key is secret');
    t.equal(mode(join(etc, 'onpremises.yml')), '0600');
    t.equal(mode(join(etc, 'iot-certificate.pem.crt')), '0644');
    t.equal(mode(join(etc, 'iot-ca.pem')), '0644');
    // the agent reads what was installed: the IoT-certificate identity and the telemetry section
    const { config: onprem } = parseOnPremisesConfig(readFileSync(join(etc, 'onpremises.yml'), 'utf8'), '/etc/edge-agent/onpremises.yml');
    t.equal(onprem.mode, 'iot-certificate');
    const { config } = parseAgentConfig(readFileSync(join(etc, 'agent.yml'), 'utf8'), '/etc/edge-agent/agent.yml');
    t.equal(config.iot?.thingName, 'pi-07');
  });
}
