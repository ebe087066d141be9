// Telemetry figures for npm run bench (BENCH_ONLY=telemetry; needs npm run build: the agent runs
// from dist/ with the node flags of systemd/edge-agent.service):
//  (t) RSS of `edge-agent run` idle against the sandbox with IoT telemetry on (MQTT5 over mutual
//      TLS, a sample every BENCH_TELEMETRY_EVERY seconds, default 5) vs the same agent without an
//      iot: section (which never loads aws-iot-device-sdk-v2/aws-crt), both in the same run, after
//      BENCH_TELEMETRY_SECONDS (default 60).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../sandbox/sandbox.js';
import { addIotTelemetry, provisionDevice, startAgent, stopAgent, type Device } from '../sandbox/simulated-device.js';
import { serviceNodeArgs } from './unit-node-args.js';
import type { Row } from './bench-sandbox.js';

const SECONDS = Number(process.env['BENCH_TELEMETRY_SECONDS'] ?? 60);
const EVERY = Number(process.env['BENCH_TELEMETRY_EVERY'] ?? 5);
const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const distMain = join(project, 'dist', 'agent', 'main.js');

const vmRss = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;

export async function benchTelemetry(rows: Row[]): Promise<void> {
  if (!existsSync(distMain)) throw new Error('bench-telemetry needs dist/: run npm run build');
  const work = mkdtempSync(join(tmpdir(), 'edge-bench-telemetry-'));
  const sb = await startSandbox({ dir: join(work, 'sandbox'), maxPollWaitMs: 20_000 });
  const devices: Device[] = [];
  try {
    const off = await provisionDevice(sb, work, 'bench-off', { fleet: 'bench' });
    const on = await provisionDevice(sb, work, 'bench-on', { fleet: 'bench' });
    devices.push(off, on);
    await addIotTelemetry(sb, on, { schedule: `*/${EVERY} * * * * *` });
    const nodeArgs = [...serviceNodeArgs(), distMain];
    const [offPid, onPid] = [off, on].map((d) => startAgent(d, { nodeArgs }, { EDGE_AGENT_BACKOFF_SCALE: '1' }).pid as number);
    for (const d of devices) while (!d.output.includes('edge-agent started')) await sleep(100);
    await sleep(SECONDS * 1000);
    if (!on.output.includes('mqtt connected')) throw new Error(`the telemetry agent did not connect:\n${on.output.slice(-2000)}`);
    const rssOff = vmRss(offPid as number);
    const rssOn = vmRss(onPid as number);
    const samples = Math.floor(SECONDS / EVERY);
    rows.push([`(t) agent RSS, IoT telemetry on (~${samples} samples, MQTT5/mTLS)`, mib(rssOn), `${mib(rssOff)} telemetry off (no aws-crt loaded)`, (rssOn / rssOff).toFixed(2), 'informational (no goal)']);
    rows.push(['    RSS the telemetry adds', mib(rssOn - rssOff), '', '', '']);
  } finally {
    await Promise.all(devices.map((d) => stopAgent(d, 'SIGKILL')));
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
