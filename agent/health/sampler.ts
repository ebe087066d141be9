// One health sample: every selected check read in parallel by its probe, then judged by the policy.
// This is the entry point the CLI, the gate, the LED and the IoT telemetry share:
//
//   const sampler = createHealthSampler(config.health ?? DEFAULT_HEALTH_CONFIG, { rootDir: config.rootDir });
//   const report = await sampler.sample();            // or sample({ checks: ['cpu_temperature'] })
//   sampler.close();
import { performance } from 'node:perf_hooks';
import { EdgeError } from '../../shared/errors.js';
import { readFileValue, runCommandValue } from './app-probe.js';
import type { CheckSpec, GpioCheckSpec } from './check-specs.js';
import { toolRunner } from './exec.js';
import { GpioAccess } from './gpio.js';
import type { ToolRunner } from './gpio-cli.js';
import type { HealthConfig } from './health-config.js';
import { selectChecks } from './health-config.js';
import { evaluate, type Reading } from './policy.js';
import { SystemProbe, type SystemProbeDeps } from './system-probe.js';
import type { HealthSample } from './types.js';

export interface HealthSamplerDeps {
  /** The deployment root: disk_free measures the filesystem it is on. */
  readonly rootDir: string;
  /** Environment of helper programs (PATH finds gpioget, gpiodetect, vcgencmd); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  /** Add cached device facts (hostname, OS, IPv4 addresses, Pi model) to every sample. */
  readonly deviceInfo?: boolean;
  /** Start systeminformation's first CPU-load measurement now (long-lived samplers); default true. */
  readonly prime?: boolean;
  readonly loadOnoff?: () => Promise<unknown>;
  readonly loadSi?: SystemProbeDeps['loadSi'];
}

export interface SampleOptions {
  /** Only these checks (names from the config); unset: all. */
  readonly checks?: readonly string[];
}

export interface HealthSampler {
  sample(opts?: SampleOptions): Promise<HealthSample>;
  /** Names of the configured checks. */
  readonly checkNames: readonly string[];
  close(): void;
}

async function readGpio(gpio: GpioAccess, spec: GpioCheckSpec): Promise<Reading> {
  const opened = await gpio.open({ line: spec.line, direction: 'in', ...(spec.chip ? { chip: spec.chip } : {}) });
  if (!opened.ok) return opened.unavailable ? { kind: 'unavailable', reason: opened.reason } : { kind: 'error', reason: opened.reason };
  try {
    return { kind: 'gpio', value: await opened.line.read(), detail: opened.line.description };
  } finally {
    await opened.line.close();
  }
}

export function createHealthSampler(config: HealthConfig, deps: HealthSamplerDeps): HealthSampler {
  const env = deps.env ?? process.env;
  const run: ToolRunner = toolRunner(env);
  const system = new SystemProbe({ sysRoot: config.sysRoot, run, ...(deps.loadSi ? { loadSi: deps.loadSi } : {}) });
  const gpio = new GpioAccess({ sysRoot: config.sysRoot, run, env, ...(config.gpioChip ? { defaultChip: config.gpioChip } : {}), ...(deps.loadOnoff ? { loadOnoff: deps.loadOnoff } : {}) });
  const now = deps.now ?? (() => new Date());
  if (deps.prime !== false && config.checks.some((c) => c.type === 'cpu_load')) system.prime();

  const read = (spec: CheckSpec): Promise<Reading> => {
    switch (spec.type) {
      case 'cpu_temperature':
        return system.cpuTemperature();
      case 'cpu_load':
        return system.cpuLoad();
      case 'memory_available':
        return system.memoryAvailable();
      case 'disk_free':
        return system.diskFree(deps.rootDir);
      case 'uptime':
        return system.uptime();
      case 'throttling':
        return system.throttling();
      case 'gpio':
        return readGpio(gpio, spec);
      case 'file':
        return Promise.resolve(readFileValue(spec, now()));
      case 'command':
        return runCommandValue(spec, run);
    }
  };
  const safeRead = async (spec: CheckSpec): Promise<Reading> => {
    try {
      return await read(spec);
    } catch (e) {
      return { kind: 'error', reason: `${spec.type} probe failed: ${(e as Error).message}` };
    }
  };

  return {
    checkNames: config.checks.map((c) => c.name),
    async sample(opts = {}) {
      const { selected, unknown } = selectChecks(config.checks, opts.checks);
      if (unknown.length > 0) {
        throw new EdgeError('HEALTH_CHECK_UNKNOWN', `no health check named ${unknown.join(', ')} is configured; configured checks: ${config.checks.map((c) => c.name).join(', ')}`);
      }
      const t0 = performance.now();
      const sampledAt = now();
      const readings = await Promise.all(selected.map(async (c) => [c.name, await safeRead(c)] as const));
      const report = evaluate(selected, new Map(readings), sampledAt);
      const device = deps.deviceInfo ? await system.deviceInfo() : undefined;
      return { ...report, ...(device ? { device } : {}), durationMs: Math.round((performance.now() - t0) * 10) / 10 };
    },
    close() {
      // probes hold nothing between samples: GPIO lines are released after each read
    },
  };
}
