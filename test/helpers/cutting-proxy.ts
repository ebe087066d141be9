// A tiny HTTP proxy on loopback in front of the sandbox that can cut a response body after N bytes,
// decided per request (by its 0-based index and headers). It forwards requests unchanged (the Host
// header too, so SigV4 signatures made for the proxy's address still verify at the sandbox) and
// records every request it saw, with the response status and whether it was cut.
//
// Cut modes: 'close' ends the TCP connection (FIN: a premature close), 'reset' sends a TCP RST,
// 'stall' stops forwarding and keeps the connection open (the client must time out).
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export type CutMode = 'close' | 'reset' | 'stall';

export interface CutRule {
  /** Bytes of the response body to forward before cutting. */
  readonly afterBytes: number;
  readonly mode?: CutMode;
  /** Awaited after the bytes were sent and before the cut (e.g. replace the object in between). */
  readonly before?: () => Promise<void> | void;
  /** Pause between sending the bytes and cutting, so the client has read them (default 50 ms). */
  readonly delayMs?: number;
}

export interface SeenRequest {
  readonly index: number;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  status?: number;
  /** Body bytes forwarded to the client. */
  bytesSent: number;
  cut?: CutMode;
  corrupted?: boolean;
}

export interface CuttingProxyOptions {
  /** Upstream base URL, e.g. the sandbox's `http://127.0.0.1:port`. */
  readonly target: string;
  /** Decide per request whether (and how) to cut its response; undefined = pass through. */
  readonly cut?: (request: SeenRequest) => CutRule | undefined;
  /** Flip the bits of the body byte at this offset (a proxy that damages data); undefined = intact. */
  readonly corrupt?: (request: SeenRequest) => number | undefined;
}

export interface CuttingProxy {
  readonly url: string;
  readonly requests: readonly SeenRequest[];
  /** Resolves when a response has been cut (the next one not yet awaited). */
  nextCut(): Promise<SeenRequest>;
  close(): Promise<void>;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  const target = new URL(options.target);
  const requests: SeenRequest[] = [];
  const cuts: SeenRequest[] = [];
  const cutWaiters: ((r: SeenRequest) => void)[] = [];
  const cutDone = (seen: SeenRequest): void => {
    const waiter = cutWaiters.shift();
    if (waiter) waiter(seen);
    else cuts.push(seen);
  };

  const forwardBody = async (upstream: IncomingMessage, res: ServerResponse, seen: SeenRequest, rule: CutRule | undefined): Promise<void> => {
    const flipAt = options.corrupt?.(seen);
    let offset = 0;
    for await (const raw of upstream) {
      let chunk = raw as Buffer;
      if (flipAt !== undefined && flipAt >= offset && flipAt < offset + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[flipAt - offset] = chunk[flipAt - offset]! ^ 0xff;
        seen.corrupted = true;
      }
      offset += chunk.length;
      if (rule === undefined || seen.bytesSent + chunk.length <= rule.afterBytes) {
        seen.bytesSent += chunk.length;
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        continue;
      }
      const head = chunk.subarray(0, rule.afterBytes - seen.bytesSent);
      seen.bytesSent += head.length;
      await new Promise<void>((resolve) => res.write(head, () => resolve()));
      await rule.before?.();
      await wait(rule.delayMs ?? 50);
      const mode = rule.mode ?? 'close';
      seen.cut = mode;
      upstream.destroy();
      if (mode === 'reset') res.socket?.resetAndDestroy();
      else if (mode === 'close') res.socket?.destroy();
      cutDone(seen);
      return;
    }
    res.end();
  };

  const server = createServer((req, res) => {
    const seen: SeenRequest = { index: requests.length, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, bytesSent: 0 };
    requests.push(seen);
    const rule = options.cut?.(seen);
    const upstreamReq = httpRequest({ host: target.hostname, port: target.port, method: seen.method, path: seen.url, headers: req.headers }, (upstream) => {
      seen.status = upstream.statusCode;
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      forwardBody(upstream, res, seen, rule).catch(() => res.destroy());
    });
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  });
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    requests,
    nextCut: () => {
      const ready = cuts.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => cutWaiters.push(resolve));
    },
    close: () => listening.close(),
  };
}
