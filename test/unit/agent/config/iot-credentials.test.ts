// The IoT credentials-provider client against a local HTTPS endpoint with mutual TLS (a fake of the
// AWS endpoint, certificates from the sandbox IoT CA): the request, refresh ahead of expiry, errors.
import t, { type Test } from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { fetchIotCredentials, iotCredentialProvider } from '../../../../agent/config/iot-credentials.js';
import type { IotIdentitySettings } from '../../../../agent/config/iot-config.js';
import { createIotCa } from '../../../../sandbox/iot/iot-ca.js';
import { isEdgeError } from '../../../../shared/errors.js';

interface Seen {
  path: string;
  thing: string | undefined;
  clientCert: boolean;
}

async function fakeProvider(t: Test, answer: (n: number) => { status: number; body: unknown }) {
  const ca = await createIotCa();
  const device = await ca.issueDeviceCertificate();
  const seen: Seen[] = [];
  const server = createServer({ ca: ca.caPem, cert: ca.server.certPem, key: ca.server.keyPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    seen.push({ path: req.url ?? '', thing: req.headers['x-amzn-iot-thingname'] as string | undefined, clientCert: Boolean((req.socket as TLSSocket).getPeerCertificate().raw) });
    const a = answer(seen.length);
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const dir = t.testdir();
  writeFileSync(join(dir, 'cert.pem'), device.certificatePem);
  writeFileSync(join(dir, 'key.pem'), device.privateKeyPem, { mode: 0o600 });
  chmodSync(join(dir, 'key.pem'), 0o600);
  writeFileSync(join(dir, 'ca.pem'), ca.caPem);
  const settings: IotIdentitySettings = {
    thingName: 'rpi-01',
    roleAlias: 'edge agent',
    credentialsEndpoint: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
    certificateFile: join(dir, 'cert.pem'),
    privateKeyFile: join(dir, 'key.pem'),
    caFile: join(dir, 'ca.pem'),
  };
  return { settings, seen, dir };
}

const creds = (n: number, expiration: string) => ({ status: 200, body: { credentials: { accessKeyId: `ASIA${n}`, secretAccessKey: 's', sessionToken: 'tok', expiration } } });

t.test('the request: path, thing-name header, client certificate; the keys are fetched again 5 min before expiry', async (t) => {
  const { settings, seen } = await fakeProvider(t, (n) => (n === 3 ? { status: 503, body: { message: 'busy' } } : creds(n, '2030-01-01T01:00:00Z')));
  let now = new Date('2030-01-01T00:00:00Z');
  const warnings: string[] = [];
  let refreshed = 0;
  const provider = iotCredentialProvider(settings, { now: () => now, warn: (m) => warnings.push(m), onRefresh: () => refreshed++ });
  const first = await provider();
  t.match(first, { accessKeyId: 'ASIA1', sessionToken: 'tok', expiration: new Date('2030-01-01T01:00:00Z') });
  t.same(seen, [{ path: '/role-aliases/edge%20agent/credentials', thing: 'rpi-01', clientCert: true }]);
  now = new Date('2030-01-01T00:54:59Z');
  t.equal((await provider()).accessKeyId, 'ASIA1', 'cached while more than 5 min are left');
  now = new Date('2030-01-01T00:55:01Z');
  t.equal((await provider()).accessKeyId, 'ASIA2', 'fetched again in the last 5 min');
  t.equal(refreshed, 1, 'the refresh is told (the host identifier is re-checked then)');
  now = new Date('2030-01-01T00:56:00Z');
  t.equal((await provider()).accessKeyId, 'ASIA2', 'a failed refetch keeps the keys that are still valid');
  t.match(warnings[0], /HTTP 503 \(busy\).*using the credentials fetched before/);
});

t.test('refusals and failures map to the registry codes; the key must be private', async (t) => {
  const { settings, dir } = await fakeProvider(t, (n) => (n === 1 ? { status: 403, body: { message: 'Access Denied' } } : n === 2 ? { status: 500, body: {} } : { status: 200, body: { nope: 1 } }));
  const code = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isEdgeError(e) ? `${e.code}: ${e.message}` : String(e)));
  t.match(await code(fetchIotCredentials(settings)), /^IOT_CREDENTIALS_REJECTED: .*HTTP 403 \(Access Denied\) for role alias edge agent and thing rpi-01/);
  t.match(await code(fetchIotCredentials(settings)), /^IOT_CREDENTIALS_UNAVAILABLE: .*HTTP 500/);
  t.match(await code(fetchIotCredentials(settings)), /^IOT_CREDENTIALS_UNAVAILABLE: .*holds no credentials/);
  t.match(await code(fetchIotCredentials({ ...settings, credentialsEndpoint: { host: '127.0.0.1', port: 1 } })), /^IOT_CREDENTIALS_UNAVAILABLE: .*ECONNREFUSED/);
  chmodSync(join(dir, 'key.pem'), 0o644);
  t.match(await code(fetchIotCredentials(settings)), /^CONFIG_INSECURE_PERMISSIONS: .*chmod 600/);
  t.match(await code(fetchIotCredentials({ ...settings, privateKeyFile: join(dir, 'missing.pem') })), /^CONFIG_NOT_FOUND: the IoT private key file .* does not exist/);
});
