// Daemon figures for npm run bench (needs npm run build: the agent runs from dist/ as on a device):
//  (f) RSS of `edge-agent run` idle-polling the sandbox for BENCH_IDLE_SECONDS (default 300),
//      and idle again (BENCH_SETTLE_SECONDS, 30) after BENCH_DAEMON_DEPLOYMENTS (100) back-to-back
//      deployments vs after the 1st, with a bare `node` process in the same run; twice: from dist/
//      and as the packaged esbuild bundle (what devices run, built here with
//      scripts/package-agent.mjs), both with the node flags systemd/edge-agent.service sets
//  (f) the RSS the daemon's modules cost, and what each lazily loaded module adds when it loads
//  (g) latency from a lifecycle command becoming available to its first hook starting
// BENCH_HEAP=1 (or `--heap`) adds a heap-snapshot diff of the dist agent between the 10th and the
// last deployment: live objects by constructor (a snapshot inflates the RSS figures after it).
// Comparisons in the same run (same load): BENCH_DAEMON_ALT_FLAGS="--max-semi-space-size=1" adds
// the dist agent with other node flags; BENCH_DAEMON_COMPARE=/path/to/main.js[#flags][,...] other
// builds (with the unit's flags, or those after #; environment variables after a second #, e.g.
// `dist/agent/main.js##MALLOC_ARENA_MAX=2`).
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { provisionDevice, sdkConfig, startAgent, stopAgent, type Device } from '../sandbox/simulated-device.js';
import { heapDiffRows, takeHeapSnapshot } from './bench-daemon-heap.js';
import type { Row } from './bench-sandbox.js';
import { serviceNodeArgs } from './unit-node-args.js';

const IDLE_SECONDS = Number(process.env['BENCH_IDLE_SECONDS'] ?? 300);
const DEPLOYMENTS = Number(process.env['BENCH_DAEMON_DEPLOYMENTS'] ?? 100);
/** Idle time before the RSS after deployments is read: the agent collects garbage 5 s after its last command (under the unit's --expose-gc), V8's memory reducer shrinks the heap ~10 s after activity ends. */
const SETTLE_SECONDS = Number(process.env['BENCH_SETTLE_SECONDS'] ?? 30);
const HEAP = process.env['BENCH_HEAP'] === '1' || process.argv.includes('--heap');
const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const distMain = join(project, 'dist', 'agent', 'main.js');
/**
 * The issue's goals: idle RSS at most 50 MB, growth after the deployments at most 5%. "MB" is read
 * in the binary units every Linux memory tool reports (ps/top's KiB, `systemctl status`'s "Memory:
 * 48.0M", systemd's MemoryMax=50M): 50 MiB. The decimal reading (50,000,000 bytes, 47.7 MiB) is
 * printed next to it.
 */
const IDLE_GOAL_KIB = 50 * 1024;
const IDLE_GOAL_DECIMAL_KIB = (50 * 1000 * 1000) / 1024;
const GROWTH_GOAL = 0.05;
const LATENCY_GOAL_MS = 50;

interface Status {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
  /** CPU time used so far (user + system), ms. */
  readonly cpuMs: number;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function status(pid: number): Status {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile'), cpuMs };
}

const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** lib/edge-agent.mjs (with its lib/chunks/) of a package built for this machine's architecture, in `dir`. */
function buildBundle(dir: string): string {
  try {
    execFileSync(process.execPath, [join(project, 'scripts', 'package-agent.mjs'), '--arch', process.arch, '--out-dir', dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    throw new Error(`scripts/package-agent.mjs failed: ${String((e as { stderr?: string }).stderr ?? e).trim()}`, { cause: e });
  }
  const tarball = join(dir, `edge-agent-${JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).version as string}-linux-${process.arch}.tar.gz`);
  execFileSync('tar', ['-xzf', tarball, '-C', dir, 'opt/edge-agent/lib']);
  return join(dir, 'opt', 'edge-agent', 'lib', 'edge-agent.mjs');
}

interface Variant {
  readonly label: string;
  readonly main: string;
  readonly flags: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly device: Device;
  readonly group: string;
}

async function setUp(sb: Sandbox, work: string): Promise<CodeDeployClient> {
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
  s3.destroy();
  const cd = new CodeDeployClient(sdkConfig(sb));
  await cd.send(new CreateApplicationCommand({ applicationName: 'bench' }));
  return cd;
}

interface Deployed {
  readonly start: Status;
  /** Right after the 1st deployment, and SETTLE_SECONDS later (idle again). */
  readonly first: Status;
  readonly firstIdle: Status;
  readonly tenth: Status;
  /** Right after the last deployment, and SETTLE_SECONDS later. */
  readonly last: Status;
  readonly lastIdle: Status;
  readonly latencies: number[];
  readonly heap: Row[];
}

async function deployOnce(cd: CodeDeployClient, v: Variant): Promise<number | undefined> {
  const started = join(v.device.dir, 'stop-started');
  rmSync(started, { force: true });
  const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'bench', deploymentGroupName: v.group, revision: { revisionType: 'S3', s3Location: { bucket: 'bench', key: 'rev.tgz', bundleType: 'tgz' } } }));
  const created = Date.now();
  for (;;) {
    const s = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status;
    if (s === 'Failed' || s === 'Stopped') throw new Error(`bench deployment ${deploymentId} (${v.label}) ${s}:\n${v.device.output.slice(-2000)}`);
    if (s === 'Succeeded') break;
    await sleep(20);
  }
  return existsSync(started) ? Number(BigInt(readFileSync(started, 'utf8').trim()) / 1_000_000n) - created : undefined;
}

async function deployMany(cd: CodeDeployClient, v: Variant, agentPid: number, heap: boolean): Promise<Deployed> {
  const latencies: number[] = [];
  const start = status(agentPid);
  let first = start;
  let firstIdle = start;
  let tenth = start;
  let snapshot10: string | undefined;
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const latency = await deployOnce(cd, v);
    if (i > 0 && latency !== undefined) latencies.push(latency);
    if (i === 0) {
      first = status(agentPid);
      await sleep(SETTLE_SECONDS * 1000);
      firstIdle = status(agentPid);
    }
    if (i === Math.min(9, DEPLOYMENTS - 1)) {
      tenth = status(agentPid);
      if (heap) snapshot10 = await takeHeapSnapshot(agentPid, v.device.dir);
    }
  }
  const last = status(agentPid);
  await sleep(SETTLE_SECONDS * 1000);
  const lastIdle = status(agentPid);
  const heapRows = heap && snapshot10 ? heapDiffRows(snapshot10, await takeHeapSnapshot(agentPid, v.device.dir), DEPLOYMENTS - 10) : [];
  return { start, first, firstIdle, tenth, last, lastIdle, latencies, heap: heapRows };
}

const pct = (now: number, then: number): string => `${now >= then ? '+' : ''}${(((now - then) / then) * 100).toFixed(1)}%`;

function variantRows(label: string, idle: Status, bareRss: number, d: Deployed): Row[] {
  const growth = (d.lastIdle.rss - d.firstIdle.rss) / d.firstIdle.rss;
  const sorted = [...d.latencies].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const p90 = sorted[Math.floor(sorted.length * 0.9)] ?? NaN;
  const cpuPerDeployment = (d.last.cpuMs - d.start.cpuMs) / DEPLOYMENTS;
  const snapshots = HEAP && d.heap.length ? ' (inflated by heap snapshots)' : '';
  return [
    [`(f) ${label} idle ${IDLE_SECONDS} s (polling)`, mib(idle.rss), `${mib(bareRss)} bare node; anon ${mib(idle.anon)}, file ${mib(idle.file)}`, `+${mib(idle.rss - bareRss)}`, `<= 50 MiB: ${met(idle.rss <= IDLE_GOAL_KIB)} (<= 10^6 x 50 B: ${met(idle.rss <= IDLE_GOAL_DECIMAL_KIB)})`],
    [`(f) ${label} idle ${SETTLE_SECONDS} s after ${DEPLOYMENTS} deployments${snapshots}`, mib(d.lastIdle.rss), `${mib(d.firstIdle.rss)} idle ${SETTLE_SECONDS} s after the 1st`, pct(d.lastIdle.rss, d.firstIdle.rss), `<= +5%: ${met(growth <= GROWTH_GOAL)}`],
    [`    ${label} right after the 1st / 10th / last`, `${mib(d.first.rss)} / ${mib(d.tenth.rss)} / ${mib(d.last.rss)}`, 'busy: garbage not yet collected', `${pct(d.last.rss, d.first.rss)} / ${pct(d.last.rss, d.tenth.rss)}`, ''],
    [`(g) ${label} command available -> first hook`, `median ${median} ms, p90 ${p90} ms`, `${sorted.length} deployments`, '', `<= ${LATENCY_GOAL_MS} ms: ${met(median <= LATENCY_GOAL_MS)}`],
    [`    ${label} CPU`, `${(idle.cpuMs / 1000).toFixed(2)} s idle (incl. start)`, `${cpuPerDeployment.toFixed(0)} ms per deployment`, '', ''],
    ...d.heap,
  ];
}

/** RSS of a node process that loads dist/agent/daemon.js, then each lazily loaded module in turn. */
function loadLadder(flags: readonly string[]): string {
  const script = `
    const { readFileSync } = await import('node:fs');
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
    const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 200)); } return rss(); };
    const out = [await settle()];
    for (const m of process.argv.slice(1)) { await import(m); out.push(await settle()); }
    process.stdout.write(JSON.stringify(out));`;
  const steps: [string, string][] = [
    ['daemon', join(project, 'dist', 'agent', 'daemon.js')],
    ['unpack-tar', join(project, 'dist', 'agent', 'revision', 'unpack-tar.js')],
    ['unpack-zip', join(project, 'dist', 'agent', 'revision', 'unpack-zip.js')],
    ['client-s3', '@aws-sdk/client-s3'],
  ];
  const out = execFileSync(process.execPath, [...flags, '--expose-gc', '--input-type=module', '-e', script, ...steps.map(([, m]) => m)], { cwd: project, encoding: 'utf8' });
  const kib = JSON.parse(out) as number[];
  return steps.map(([label], i) => `${label} +${mib((kib[i + 1] ?? NaN) - (kib[i] ?? NaN))}`).join(', ');
}

export async function benchDaemon(rows: Row[]): Promise<void> {
  if (!existsSync(distMain)) throw new Error('dist/agent/main.js is missing: run npm run build first');
  const flags = serviceNodeArgs();
  const work = mkdtempSync(join(tmpdir(), 'edge-bench-daemon-'));
  const sb = await startSandbox({ dir: join(work, 'sandbox') });
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const variants: Variant[] = [];
  try {
    const cd = await setUp(sb, work);
    const mains: [string, string, readonly string[], NodeJS.ProcessEnv?][] = [['dist/', distMain, flags]];
    try {
      mains.push(['bundle', buildBundle(join(work, 'package')), flags]);
    } catch (e) {
      rows.push(['(f) bundle: not measured', (e as Error).message.slice(0, 200), '', '', '']);
    }
    const primaryCount = mains.length; // dist/ and the bundle; comparisons follow
    const alt = process.env['BENCH_DAEMON_ALT_FLAGS'];
    if (alt !== undefined) mains.push([`dist/ [${alt}]`, distMain, alt.split(/\s+/).filter(Boolean)]);
    for (const other of (process.env['BENCH_DAEMON_COMPARE'] ?? '').split(',').filter(Boolean)) {
      const [path = '', otherFlags, otherEnv = ''] = other.split('#');
      const env = Object.fromEntries(otherEnv.split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      mains.push([`compare ${other}`, path, otherFlags === undefined || otherFlags === '' ? flags : otherFlags.split(/\s+/).filter(Boolean), env]);
    }
    for (const [label, main, nodeFlags, env = {}] of mains) {
      const group = `g-${variants.length}`;
      const device = await provisionDevice(sb, work, `pi-bench-${variants.length}`, { fleet: group });
      await cd.send(new CreateDeploymentGroupCommand({ applicationName: 'bench', deploymentGroupName: group, serviceRoleArn: `arn:aws:iam::${sb.root.accountId}:role/cd`, onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: group, Type: 'KEY_AND_VALUE' }] }));
      variants.push({ label, main, flags: nodeFlags, env, device, group });
    }
    // the agents idle side by side (same sandbox, same time), then deploy one after the other
    const heapOf = (v: Variant): boolean => HEAP && v === variants[0];
    const pids = variants.map((v) => startAgent(v.device, { nodeArgs: [...v.flags, ...(heapOf(v) ? ['--heapsnapshot-signal=SIGUSR2'] : []), v.main] }, { EDGE_AGENT_BACKOFF_SCALE: '1', ...v.env }).pid as number);
    await sleep(IDLE_SECONDS * 1000);
    const bareRss = status(bare.pid as number).rss;
    const idle = pids.map((pid) => status(pid));
    rows.push([`(f) bare node, same run`, mib(bareRss), '', '', '']);
    for (const [i, v] of variants.entries()) {
      try {
        const d = await deployMany(cd, v, pids[i] as number, heapOf(v));
        rows.push(...variantRows(v.label, idle[i] as Status, bareRss, d));
      } catch (e) {
        if (i < primaryCount) throw e;
        // a comparison (BENCH_DAEMON_ALT_FLAGS / _COMPARE) failing keeps the others' figures
        const s = idle[i] as Status;
        rows.push([`(f) ${v.label} idle ${IDLE_SECONDS} s (polling)`, mib(s.rss), `deployments failed: ${(e as Error).message.split('\n')[0] ?? ''}`, `+${mib(s.rss - bareRss)}`, '']);
      }
      await stopAgent(v.device);
    }
    rows.push([`(f) node flags (edge-agent.service)`, flags.join(' ') || '(none)', '', '', '']);
    rows.push([`(f) RSS per module set (dist/)`, loadLadder(flags), '', '', '']);
  } finally {
    for (const v of variants) await stopAgent(v.device);
    bare.kill();
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}
