// The SDK adapter's clients share one set of keep-alive connections: sessions with their own
// credentials (a client each) reuse the socket another opened, a port dropped by the pool (credentials
// renewed) leaves the others' connections alone, and the pool's destroy closes them. Counted by a TCP
// proxy on loopback in front of the sandbox.
import t from 'tap';
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../../shared/log.js';
import { createAwsPool } from '../../../controller/aws/pool.js';
import { createSdkPortFactory } from '../../../controller/aws/sdk-adapter.js';
import { SERVICES, type Service } from '../../../controller/aws/ports.js';
import { startSandbox } from '../../../sandbox/sandbox.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const realTimers = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

/** Forwards TCP to `port`, counting the connections opened and those still open. */
async function countingProxy(port: number): Promise<{ url: string; opened: () => number; allClosed: () => Promise<void>; close: () => Promise<void> }> {
  const open = new Set<Socket>();
  let opened = 0;
  let onEmpty: (() => void) | undefined;
  const server = createServer((client) => {
    opened++;
    open.add(client);
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      if (open.delete(client) && open.size === 0) onEmpty?.();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    opened: () => opened,
    allClosed: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((r) => (onEmpty = r))),
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

t.test('clients of one factory share keep-alive connections; the pool closes them', async (t) => {
  const sb = await startSandbox();
  const proxy = await countingProxy(Number(new URL(sb.url).port));
  const root = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, proxy.url])) as Record<Service, string>;
  const pool = createAwsPool(
    { region: sb.region, credentials: async () => root, endpoints },
    { factory: createSdkPortFactory({ forcePathStyle: true }), timers: realTimers, clock: () => Date.now(), random: Math.random, log: silentLogger() },
  );
  let destroyed = false;
  t.teardown(async () => {
    if (!destroyed) pool.destroy();
    await proxy.close();
    await sb.close();
  });

  const me = await pool.session().sts.getCallerIdentity();
  const sessions = [1, 2, 3, 4].map((n) =>
    pool.session({ credentials: { kind: 'assume-role', roleArn: `arn:aws:iam::${me.account}:role/Deployer`, sessionName: `fleetctl-${n}` } }),
  );
  for (const [i, s] of sessions.entries()) {
    t.equal((await s.sts.getCallerIdentity()).arn, `arn:aws:sts::${me.account}:assumed-role/Deployer/fleetctl-${i + 1}`);
  }
  // one call at a time: a client per session, each call finding the socket the last one freed
  // (a socket each would make 5: the base identity's and one per session)
  t.ok(proxy.opened() <= 2, `calls one after another over ${proxy.opened()} connection(s) for 5 clients`);

  // a port the pool drops (it renews a session's clients when AWS refuses their credentials) leaves the sockets to the others
  const factory = createSdkPortFactory();
  const spec = { region: sb.region, credentials: async () => root, endpoint: proxy.url };
  const [a, b] = [factory.sts(spec), factory.sts(spec)];
  await a.port.getCallerIdentity();
  const opened = proxy.opened();
  a.destroy();
  t.equal((await b.port.getCallerIdentity()).arn, me.arn);
  t.equal(proxy.opened(), opened, 'the other client still finds the open connection');
  factory.destroy?.();

  pool.destroy();
  destroyed = true;
  await proxy.allClosed();
  t.pass('the pool\'s destroy closed every connection');
});
