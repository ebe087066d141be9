// Daemon figures for npm run bench (needs npm run build: the agent runs from dist/ as on a device):
//  (f) RSS of `edge-agent run` idle-polling the sandbox for BENCH_IDLE_SECONDS (default 300),
//      and after 100 deployments, vs a bare `node` process in the same run
//  (g) latency from a lifecycle command becoming available to its first hook starting
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';
import { startSandbox } from '../sandbox/sandbox.js';
import { provisionDevice, sdkConfig, startAgent, stopAgent } from '../sandbox/simulated-device.js';
import type { Row } from './bench-sandbox.js';

const IDLE_SECONDS = Number(process.env['BENCH_IDLE_SECONDS'] ?? 300);
const DEPLOYMENTS = Number(process.env['BENCH_DAEMON_DEPLOYMENTS'] ?? 100);
const agentMain = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'agent', 'main.js');

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

export async function benchDaemon(rows: Row[]): Promise<void> {
  if (!existsSync(agentMain)) throw new Error('dist/agent/main.js is missing: run npm run build first');
  const work = mkdtempSync(join(tmpdir(), 'edge-bench-daemon-'));
  const sb = await startSandbox({ dir: join(work, 'sandbox') });
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const device = await provisionDevice(sb, work, 'pi-bench', { fleet: 'bench' });
  try {
    // a one-hook revision: ApplicationStop (from the previous revision) records when it started
    const rev = join(work, 'rev');
    mkdirSync(rev, { recursive: true });
    writeFileSync(join(rev, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  ApplicationStop:\n    - location: stop.sh\n');
    writeFileSync(join(rev, 'stop.sh'), '#!/bin/sh\ndate +%s%N > stop-started\n');
    chmodSync(join(rev, 'stop.sh'), 0o755);
    const bundle = join(work, 'rev.tgz');
    await create({ gzip: true, file: bundle, cwd: rev }, ['.']);
    const s3 = new S3Client(sdkConfig(sb));
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'rev.tgz', Body: readFileSync(bundle) }));
    const cd = new CodeDeployClient(sdkConfig(sb));
    await cd.send(new CreateApplicationCommand({ applicationName: 'bench' }));
    await cd.send(new CreateDeploymentGroupCommand({ applicationName: 'bench', deploymentGroupName: 'g', serviceRoleArn: `arn:aws:iam::${sb.root.accountId}:role/cd`, onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'bench', Type: 'KEY_AND_VALUE' }] }));

    const agent = startAgent(device, { nodeArgs: ['--max-semi-space-size=1', agentMain] }, { EDGE_AGENT_BACKOFF_SCALE: '1' });
    await sleep(IDLE_SECONDS * 1000);
    const idle = rssKiB(agent.pid as number);
    const bareRss = rssKiB(bare.pid as number);

    const latencies: number[] = [];
    let afterFirst = 0;
    for (let i = 0; i < DEPLOYMENTS; i++) {
      rmSync(join(device.dir, 'stop-started'), { force: true });
      const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'bench', deploymentGroupName: 'g', revision: { revisionType: 'S3', s3Location: { bucket: 'bench', key: 'rev.tgz', bundleType: 'tgz' } } }));
      const created = Date.now();
      for (;;) {
        const status = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status;
        if (status === 'Succeeded' || status === 'Failed') {
          if (status === 'Failed') throw new Error(`bench deployment ${deploymentId} failed:\n${device.output.slice(-2000)}`);
          break;
        }
        await sleep(20);
      }
      const started = join(device.dir, 'stop-started');
      if (i > 0 && existsSync(started)) latencies.push(Number(BigInt(readFileSync(started, 'utf8').trim()) / 1_000_000n) - created);
      if (i === 0) afterFirst = rssKiB(agent.pid as number);
    }
    const after = rssKiB(agent.pid as number);
    const mib = (k: number): string => `${(k / 1024).toFixed(1)} MiB`;
    rows.push([`(f) edge-agent run idle ${IDLE_SECONDS} s (polling)`, mib(idle), `${mib(bareRss)} bare node`, `+${mib(idle - bareRss)}`, '<= 50 MB']);
    rows.push([`(f) edge-agent run after ${DEPLOYMENTS} deployments`, mib(after), `${mib(afterFirst)} after the first`, `${(((after - afterFirst) / afterFirst) * 100).toFixed(1)}%`, '<= +5%']);
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)] ?? NaN;
    const p90 = latencies[Math.floor(latencies.length * 0.9)] ?? NaN;
    rows.push(['(g) command available -> first hook started', `median ${median} ms, p90 ${p90} ms`, `${latencies.length} deployments`, '', '<= 50 ms']);
  } finally {
    await stopAgent(device);
    bare.kill();
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
