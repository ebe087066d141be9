// The status LED: one GPIO output line, a blink pattern per agent state.
//   idle       heartbeat: 100 ms on every 2 s (the agent is alive and the device healthy)
//   deploying  even blink: 500 ms on, 500 ms off
//   failed     double blink every 2 s (the last deployment command failed)
//   unhealthy  fast blink: 100 ms on, 100 ms off (the last health sample was unhealthy)
// Priority: deploying > unhealthy > failed > idle. The pattern table and the mode choice are pure;
// LedDriver steps through the pattern on a timer and turns the LED off when stopped.
import type { GpioLine, Level } from './gpio-sysfs.js';
import type { HealthVerdict } from './types.js';

export type LedMode = 'idle' | 'deploying' | 'failed' | 'unhealthy';

export interface LedStep {
  readonly on: boolean;
  readonly ms: number;
}

export const LED_PATTERNS: { readonly [M in LedMode]: readonly LedStep[] } = {
  idle: [
    { on: true, ms: 100 },
    { on: false, ms: 1900 },
  ],
  deploying: [
    { on: true, ms: 500 },
    { on: false, ms: 500 },
  ],
  failed: [
    { on: true, ms: 150 },
    { on: false, ms: 150 },
    { on: true, ms: 150 },
    { on: false, ms: 1550 },
  ],
  unhealthy: [
    { on: true, ms: 100 },
    { on: false, ms: 100 },
  ],
};

export interface LedInputs {
  readonly deploying: boolean;
  readonly lastCommandFailed: boolean;
  readonly verdict?: HealthVerdict;
}

export function ledMode(s: LedInputs): LedMode {
  if (s.deploying) return 'deploying';
  if (s.verdict === 'unhealthy') return 'unhealthy';
  if (s.lastCommandFailed) return 'failed';
  return 'idle';
}

/** Runs `fn` after `ms`; returns a cancel function. */
export type Schedule = (ms: number, fn: () => void) => () => void;

export const realSchedule: Schedule = (ms, fn) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export interface LedDriverDeps {
  readonly line: GpioLine;
  readonly mode: () => LedMode;
  /** The LED lights when the line is low. */
  readonly activeLow: boolean;
  readonly schedule?: Schedule;
  readonly onError?: (e: unknown) => void;
}

export class LedDriver {
  private current: LedMode | undefined;
  private step = 0;
  private level: Level | undefined;
  private cancel: (() => void) | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LedDriverDeps) {}

  /** Shows the current mode's first step and keeps stepping. */
  start(): void {
    this.running = this.tick();
  }

  private levelFor(on: boolean): Level {
    return on !== this.deps.activeLow ? 1 : 0;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const mode = this.deps.mode();
    if (mode !== this.current) {
      this.current = mode;
      this.step = 0;
    }
    const pattern = LED_PATTERNS[mode];
    const s = pattern[this.step % pattern.length] as LedStep;
    this.step = (this.step + 1) % pattern.length;
    const level = this.levelFor(s.on);
    if (level !== this.level) {
      try {
        await this.deps.line.write(level);
        this.level = level;
      } catch (e) {
        this.deps.onError?.(e);
      }
    }
    if (!this.stopped) this.cancel = (this.deps.schedule ?? realSchedule)(s.ms, () => void (this.running = this.tick()));
  }

  /** Stops stepping, turns the LED off and releases the line. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
    try {
      await this.deps.line.write(this.levelFor(false));
    } catch (e) {
      this.deps.onError?.(e);
    }
    await this.deps.line.close();
  }
}
