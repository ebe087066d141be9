// Starting a sandbox listener: listen on host:port (0 = any free port) and report where, with an
// IPv6 host in brackets for URLs.
import type { AddressInfo, Server } from 'node:net';

export async function listenOn(server: Server, port: number | undefined, host: string | undefined): Promise<{ port: number; urlHost: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return { port: addr.port, urlHost: addr.family === 'IPv6' ? `[${addr.address}]` : addr.address };
}
