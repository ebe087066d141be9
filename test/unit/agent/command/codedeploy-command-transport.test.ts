// CodeDeployCommandClient's transport: timeouts, aborts, TLS, keep-alive, HTTP proxies.
import t, { type Test } from 'tap';
import { CodeDeployCommandClient, type CodeDeployCommandClientOptions } from '../../../../agent/command/codedeploy-command-client.js';
import { selfSignedTls, startFakeEndpoint, startFakeProxy, startSilentServer, type FakeServer } from './fake-servers.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const HOST = 'arn:aws:iam::111122223333:user/pi-01';
const TLS = selfSignedTls();

function client(t: Test, endpoint: string, opts: Partial<CodeDeployCommandClientOptions> = {}): CodeDeployCommandClient {
  const c = new CodeDeployCommandClient({ endpoint, region: 'us-east-1', credentials: async () => CREDS, agentVersion: 'test', ...opts });
  t.teardown(() => c.close());
  return c;
}

async function server<T extends FakeServer>(t: Test, s: Promise<T>): Promise<T> {
  const started = await s;
  t.teardown(() => started.close());
  return started;
}

async function elapsed<T>(p: Promise<T>): Promise<number> {
  const start = Date.now();
  await p.catch(() => undefined);
  return Date.now() - start;
}

t.test('nobody listening → COMMANDS_UNAVAILABLE', async (t) => {
  const s = await startFakeEndpoint(() => ({}));
  await s.close();
  await t.rejects(client(t, s.url).poll(HOST), { code: 'COMMANDS_UNAVAILABLE', retryable: true, details: { errno: 'ECONNREFUSED', operation: 'PollHostCommand' } });
});

t.test('a server that never answers hits the read timeout', async (t) => {
  const s = await server(t, startFakeEndpoint(() => ({ hang: true })));
  const c = client(t, s.url, { readTimeoutMs: 300 });
  const p = c.poll(HOST);
  await t.rejects(p, { code: 'COMMANDS_UNAVAILABLE', details: { errno: 'ETIMEDOUT' }, message: /no response within 300 ms/ });
  t.ok((await elapsed(p)) < 2000);
});

t.test('a TLS handshake that never finishes hits the connect timeout', async (t) => {
  const s = await server(t, startSilentServer());
  const c = client(t, s.url, { connectTimeoutMs: 200, readTimeoutMs: 30_000 });
  const start = Date.now();
  await t.rejects(c.poll(HOST), { code: 'COMMANDS_UNAVAILABLE', details: { errno: 'ECONNTIMEOUT' } });
  t.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
});

t.test('an abort signal cancels a long poll', async (t) => {
  const s = await server(t, startFakeEndpoint(() => ({ hang: true })));
  const c = client(t, s.url);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const start = Date.now();
  await t.rejects(c.poll(HOST, ac.signal), { code: 'COMMANDS_UNAVAILABLE', details: { aborted: true }, message: 'CodeDeploy Commands PollHostCommand aborted' });
  t.ok(Date.now() - start < 2000);
  const before = s.requests.length;
  await t.rejects(c.acknowledge('hc', false, AbortSignal.abort()), { code: 'COMMANDS_UNAVAILABLE', details: { aborted: true } });
  t.equal(s.requests.length, before, 'an aborted signal sends nothing');
});

t.test('HTTPS with an extra trusted CA; untrusted certificates fail', async (t) => {
  const s = await server(t, startFakeEndpoint(() => ({ body: { CommandStatus: 'Succeeded' } }), TLS));
  t.equal(await client(t, s.url, { tlsCa: TLS.cert }).acknowledge('hc', false), 'Succeeded');
  t.equal(await client(t, s.url.replace('127.0.0.1', 'localhost'), { tlsCa: TLS.cert }).acknowledge('hc', false), 'Succeeded', 'by name');
  await t.rejects(client(t, s.url).acknowledge('hc', false), { code: 'COMMANDS_UNAVAILABLE', message: /self[- ]signed/i });
});

t.test('keep-alive: one connection for several calls; a dropped reused socket is retried', async (t) => {
  const s = await server(t, startFakeEndpoint((_req, i) => (i === 2 ? { drop: true } : { body: {} })));
  const c = client(t, s.url);
  await c.poll(HOST);
  await c.poll(HOST);
  t.equal(s.connections(), 1);
  t.equal(await c.poll(HOST), undefined, 'the third request was dropped on the reused socket and resent');
  t.equal(s.requests.length, 4);
  t.equal(s.connections(), 2);
});

t.test('HTTPS through an HTTP proxy with CONNECT and basic auth', async (t) => {
  const s = await server(t, startFakeEndpoint(() => ({ body: { CommandStatus: 'InProgress' } }), TLS));
  const proxy = await server(t, startFakeProxy('user:p@ss'));
  const url = `http://user:${encodeURIComponent('p@ss')}@127.0.0.1:${proxy.port}`;
  const endpoint = s.url.replace('127.0.0.1', 'localhost');
  const c = client(t, endpoint, { proxy: url, tlsCa: TLS.cert });
  t.equal(await c.acknowledge('hc', true), 'InProgress');
  t.equal(await c.acknowledge('hc', true), 'InProgress');
  t.same(proxy.targets, [`localhost:${s.port}`, `localhost:${s.port}`]);
  t.same(proxy.authorizations, [`Basic ${Buffer.from('user:p@ss').toString('base64')}`, `Basic ${Buffer.from('user:p@ss').toString('base64')}`]);
  t.equal(s.requests[0]?.headers['host'], `localhost:${s.port}`);
  t.notOk(s.requests[0]?.headers['proxy-authorization'], 'the proxy credentials stay with the proxy');

  await t.rejects(client(t, endpoint, { proxy: `http://127.0.0.1:${proxy.port}`, tlsCa: TLS.cert }).poll(HOST), {
    code: 'COMMANDS_UNAVAILABLE',
    details: { errno: 'EPROXY' },
    message: /the proxy refused the tunnel: HTTP 407/,
  });
});

t.test('HTTP endpoints through a proxy use the absolute form', async (t) => {
  const s = await server(t, startFakeEndpoint(() => ({ body: {} })));
  const proxy = await server(t, startFakeProxy());
  t.equal(await client(t, s.url, { proxy: proxy.url }).poll(HOST), undefined);
  t.same(proxy.targets, [`${s.url}/`]);
  t.match(s.requests[0]?.headers['authorization'], /codedeploy-commands\/aws4_request/);
});

t.test('configuration errors', async (t) => {
  t.throws(() => new CodeDeployCommandClient({ endpoint: 'ftp://x', region: 'us-east-1', credentials: async () => CREDS, agentVersion: 'v' }), { code: 'CONFIG_INVALID' });
  t.throws(() => new CodeDeployCommandClient({ endpoint: 'https://x', region: 'us-east-1', credentials: async () => CREDS, agentVersion: 'v', proxy: 'socks5://p:1080' }), { code: 'CONFIG_INVALID', message: /http:\/\/ proxy/ });
  t.throws(() => new CodeDeployCommandClient({ endpoint: 'codedeploy', region: 'us-east-1', credentials: async () => CREDS, agentVersion: 'v' }), { code: 'CONFIG_INVALID', message: 'Invalid commands endpoint URL' });
  t.throws(() => new CodeDeployCommandClient({ endpoint: 'https://x', region: 'us-east-1', credentials: async () => CREDS, agentVersion: 'v', proxy: 'http://user:secret@[proxy' }), { code: 'CONFIG_INVALID', message: 'Invalid proxy URL' }, 'the password is not echoed');
});
