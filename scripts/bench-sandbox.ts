// Sandbox figures for npm run bench (no targets yet):
//  (d) empty PollHostCommand polls per second, vs the same signed client against a bare
//      node:http server answering `{}` (the baseline: what HTTP + signing cost without the sandbox)
//  (e) memory of a sandbox holding 10,000 registered on-premises instances
//  (s) scale: 200 tenant accounts + 10,000 virtual devices with shadows, in a child process
//      (bench-sandbox-scale.ts): start time, RSS after start and after one deployment to all
import { CodeDeployClient, RegisterOnPremisesInstanceCommand, AddTagsToOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ScaleResult } from './bench-sandbox-scale.js';
import { startSandbox } from '../sandbox/sandbox.js';
import { CommandsClient } from '../test/helpers/commands-client.js';

export type Row = [string, string, string, string, string];

const POLLS = Number(process.env['BENCH_POLLS'] ?? 3000);
const INSTANCES = Number(process.env['BENCH_INSTANCES'] ?? 10_000);
const CONCURRENCY = 8;

async function pollsPerSecond(client: CommandsClient, host: string): Promise<number> {
  let left = POLLS;
  const worker = async (): Promise<void> => {
    while (left-- > 0) await client.poll(host);
  };
  for (let i = 0; i < 50; i++) await client.poll(host); // warm up
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return POLLS / ((performance.now() - t0) / 1000);
}

/** Goals for (s): "starts in seconds, stays within a few hundred MiB" made explicit. */
export const SCALE_GOALS = { startSeconds: 5, rssAfterStartMiB: 300, rssAfterDeployMiB: 512 } as const;

export function benchSandboxScale(rows: Row[]): void {
  const script = fileURLToPath(new URL('./bench-sandbox-scale.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', '--import=tsx', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    timeout: 15 * 60_000,
  });
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as ScaleResult;
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  const what = `${r.tenants} tenant accounts + ${r.devices} virtual devices`;
  rows.push([
    `(s) sandbox start, ${what} (registered, tagged, shadows)`,
    `${r.startSeconds.toFixed(2)} s`,
    `${r.startCpuSeconds.toFixed(2)} s CPU`,
    '-',
    `<= ${SCALE_GOALS.startSeconds} s: ${verdict(r.startSeconds <= SCALE_GOALS.startSeconds)}`,
  ]);
  rows.push([`    RSS after start`, `${r.rssAfterStartMiB.toFixed(1)} MiB`, '-', '-', `<= ${SCALE_GOALS.rssAfterStartMiB} MiB: ${verdict(r.rssAfterStartMiB <= SCALE_GOALS.rssAfterStartMiB)}`]);
  rows.push([
    `    RSS after one deployment to all ${r.devices} (${r.deploymentStatus}, ${r.deploySeconds.toFixed(1)} s)`,
    `${r.rssAfterDeployMiB.toFixed(1)} MiB`,
    `heap used ${r.heapAfterDeployMiB.toFixed(1)} MiB`,
    '-',
    `<= ${SCALE_GOALS.rssAfterDeployMiB} MiB: ${verdict(r.rssAfterDeployMiB <= SCALE_GOALS.rssAfterDeployMiB && r.deploymentStatus === 'Succeeded')}`,
  ]);
}

export async function benchSandbox(rows: Row[]): Promise<void> {
  benchSandboxScale(rows);
  const sb = await startSandbox({ maxPollWaitMs: 0 });
  try {
    const host = sb.credentials.issue({ arn: `arn:aws:iam::${sb.root.accountId}:user/pi-bench`, accountId: sb.root.accountId, userId: 'AIDABENCH' });
    const sdk = new CodeDeployClient({ endpoint: sb.url, region: sb.region, credentials: sb.root, maxAttempts: 1 });
    await sdk.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-bench', iamUserArn: host.arn }));
    const client = new CommandsClient({ endpoint: sb.url, region: sb.region, credentials: host });

    const bare = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const bareClient = new CommandsClient({ endpoint: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, region: sb.region, credentials: host });
    const base = await pollsPerSecond(bareClient, host.arn);
    bare.close();
    const ours = await pollsPerSecond(client, host.arn);
    rows.push([`(d) empty PollHostCommand, ${CONCURRENCY} concurrent`, `${ours.toFixed(0)} polls/s`, `${base.toFixed(0)} req/s bare node:http`, (ours / base).toFixed(2), 'none yet (record)']);

    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage();
    const t0 = performance.now();
    let next = 0;
    const names: string[] = [];
    const register = async (): Promise<void> => {
      for (let i = next++; i < INSTANCES; i = next++) {
        const name = `pi-${String(i).padStart(5, '0')}`;
        names.push(name);
        await sdk.send(new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: `arn:aws:iam::${sb.root.accountId}:user/${name}` }));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, register));
    for (let i = 0; i < names.length; i += 10) {
      await sdk.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: names.slice(i, i + 10), tags: [{ Key: 'fleet', Value: 'bench' }, { Key: 'site', Value: `s${i % 7}` }] }));
    }
    const seconds = (performance.now() - t0) / 1000;
    gc?.();
    const after = process.memoryUsage();
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
    rows.push([
      `(e) sandbox with ${INSTANCES} instances (+2 tags each)`,
      `heap +${mib(after.heapUsed - before.heapUsed)} (${((after.heapUsed - before.heapUsed) / INSTANCES / 1024).toFixed(2)} KiB/instance)`,
      `RSS ${mib(before.rss)} -> ${mib(after.rss)}`,
      `${(INSTANCES / seconds).toFixed(0)} registrations/s`,
      'none yet (record)',
    ]);
  } finally {
    await sb.close();
  }
}
