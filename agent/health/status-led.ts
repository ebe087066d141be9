// The daemon's status LED: opens health.led's line as an output, samples health every
// health.led.health_interval_seconds for the "unhealthy" pattern, and reads the agent state
// (a command running → deploying; the last command failed → failed) on every blink step.
import type { Logger } from '../../shared/log.js';
import { toolRunner } from './exec.js';
import { GpioAccess } from './gpio.js';
import type { HealthConfig, LedConfig } from './health-config.js';
import { LedDriver, ledMode, realSchedule, type Schedule } from './led.js';
import { createHealthSampler, type HealthSampler } from './sampler.js';
import type { HealthVerdict } from './types.js';

export interface AgentActivity {
  /** Set while a lifecycle command runs. */
  readonly current?: unknown;
  readonly last?: { readonly status?: 'Succeeded' | 'Failed' };
}

export interface StatusLedDeps {
  readonly health: HealthConfig & { readonly led: LedConfig };
  readonly rootDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The agent's state (AgentStateFile.snapshot). */
  readonly activity: () => AgentActivity;
  readonly log: Logger;
  readonly schedule?: Schedule;
  readonly loadOnoff?: () => Promise<unknown>;
  /** A sampler shared with the rest of the agent (its owner closes it); default: the LED's own. */
  readonly sampler?: Pick<HealthSampler, 'sample'>;
}

export interface StatusLed {
  stop(): Promise<void>;
}

/** Undefined (with a warning) when the LED line cannot be opened: the agent runs on without it. */
export async function startStatusLed(deps: StatusLedDeps): Promise<StatusLed | undefined> {
  const { led } = deps.health;
  const gpio = new GpioAccess({
    sysRoot: deps.health.sysRoot,
    run: toolRunner(deps.env),
    env: deps.env,
    ...(deps.health.gpioChip ? { defaultChip: deps.health.gpioChip } : {}),
    ...(deps.loadOnoff ? { loadOnoff: deps.loadOnoff } : {}),
  });
  const opened = await gpio.open({ line: led.line, direction: 'out', initial: led.activeLow ? 1 : 0, ...(led.chip ? { chip: led.chip } : {}) });
  if (!opened.ok) {
    deps.log.warn({ line: led.line, reason: opened.reason }, 'status LED not available; running without it');
    return undefined;
  }
  // the LED's own sampler only when none is shared with it (then the LED closes it)
  const own = deps.sampler ? undefined : createHealthSampler(deps.health, { rootDir: deps.rootDir, env: deps.env });
  const sampler: Pick<HealthSampler, 'sample'> = deps.sampler ?? (own as HealthSampler);
  let verdict: HealthVerdict | undefined;
  let sampling = false;
  const sample = (): void => {
    if (sampling) return;
    sampling = true;
    sampler
      .sample()
      .then((r) => (verdict = r.verdict))
      .catch((e: unknown) => deps.log.warn({ err: (e as Error).message }, 'health sample for the status LED failed'))
      .finally(() => (sampling = false));
  };
  const schedule = deps.schedule ?? realSchedule;
  let cancelSampling = (): void => undefined;
  const loop = (): void => {
    sample();
    cancelSampling = schedule(led.healthIntervalSeconds * 1000, loop);
  };
  loop();
  const driver = new LedDriver({
    line: opened.line,
    activeLow: led.activeLow,
    schedule,
    mode: () => {
      const a = deps.activity();
      return ledMode({ deploying: a.current !== undefined, lastCommandFailed: a.last?.status === 'Failed', ...(verdict ? { verdict } : {}) });
    },
    onError: (e) => deps.log.warn({ err: (e as Error).message }, 'status LED write failed'),
  });
  driver.start();
  deps.log.info({ line: opened.line.description, backend: opened.line.backend }, 'status LED on');
  return {
    async stop() {
      cancelSampling();
      await driver.stop();
      own?.close();
    },
  };
}
