// Health sample figures for npm run bench (BENCH_ONLY=health):
//  (h) CPU time and wall time of one full health sample (all built-in checks), after warm-up,
//      vs reading /proc/loadavg + /proc/meminfo in the same run (the cheapest possible "sample")
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_HEALTH_CONFIG } from '../agent/health/health-config.js';
import { createHealthSampler } from '../agent/health/sampler.js';
import type { Row } from './bench-sandbox.js';

const N = Number(process.env['BENCH_HEALTH_SAMPLES'] ?? 50);

function measure(fn: () => unknown): { cpuMs: number; wallMs: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
}

async function measureAsync(n: number, fn: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / n, wallMs: (performance.now() - t0) / n };
}

export async function benchHealth(rows: Row[]): Promise<void> {
  const sampler = createHealthSampler(DEFAULT_HEALTH_CONFIG, { rootDir: process.cwd(), deviceInfo: true });
  // warm-up: loads systeminformation, primes currentLoad (~500 ms), fills the device-info cache
  for (let i = 0; i < 3; i++) await sampler.sample();
  const ours = await measureAsync(N, () => sampler.sample());
  sampler.close();
  const base = measure(() => {
    for (let i = 0; i < N; i++) {
      readFileSync('/proc/loadavg', 'utf8');
      readFileSync('/proc/meminfo', 'utf8');
    }
  });
  const baseCpu = base.cpuMs / N;
  rows.push(['(h) one health sample, CPU', `${ours.cpuMs.toFixed(2)} ms`, `${baseCpu.toFixed(3)} ms read /proc/loadavg+meminfo`, (ours.cpuMs / Math.max(baseCpu, 0.001)).toFixed(0), '< 30 ms CPU per sample']);
  rows.push(['    one health sample, wall', `${ours.wallMs.toFixed(2)} ms`, `${(base.wallMs / N).toFixed(3)} ms`, (ours.wallMs / Math.max(base.wallMs / N, 0.001)).toFixed(0), '(after warm-up no child processes run here)']);
}
