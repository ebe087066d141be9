// The status LED on a fake sysfs line: the value file step by step for each mode (a manual clock
// runs the driver's timer), mode changes, active-low, and the LED off and unexported on stop.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { toolRunner } from '../../../../agent/health/exec.js';
import { GpioAccess } from '../../../../agent/health/gpio.js';
import { LED_PATTERNS, LedDriver, ledMode, type LedMode, type Schedule } from '../../../../agent/health/led.js';
import { parseHealthSection } from '../../../../agent/health/health-config.js';
import { startStatusLed } from '../../../../agent/health/status-led.js';
import { silentLogger } from '../../../../shared/log.js';
import { KERNEL66_PI4, makeFakeSysfs, until } from './fake-sysfs.js';

/** A clock the test advances: the driver's next step runs when the test says so. */
function manualClock(): { schedule: Schedule; next: () => number; pending: () => number; peek: () => number } {
  const queue: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  return {
    schedule: (ms, fn) => {
      const item = { ms, fn, cancelled: false };
      queue.push(item);
      return () => void (item.cancelled = true);
    },
    next: () => {
      const item = queue.shift();
      if (!item || item.cancelled) throw new Error('no step scheduled');
      item.fn();
      return item.ms;
    },
    pending: () => queue.filter((q) => !q.cancelled).length,
    peek: () => queue[0]?.ms ?? -1,
  };
}

t.test('mode priority', async (t) => {
  t.equal(ledMode({ deploying: false, lastCommandFailed: false }), 'idle');
  t.equal(ledMode({ deploying: false, lastCommandFailed: false, verdict: 'degraded' }), 'idle');
  t.equal(ledMode({ deploying: false, lastCommandFailed: true, verdict: 'healthy' }), 'failed');
  t.equal(ledMode({ deploying: false, lastCommandFailed: true, verdict: 'unhealthy' }), 'unhealthy');
  t.equal(ledMode({ deploying: true, lastCommandFailed: true, verdict: 'unhealthy' }), 'deploying');
  const signature = (m: LedMode): string => LED_PATTERNS[m].map((s) => `${s.on ? 1 : 0}:${s.ms}`).join(' ');
  const all = (['idle', 'deploying', 'failed', 'unhealthy'] as const).map(signature);
  t.equal(new Set(all).size, 4, 'four distinct patterns');
});

t.test('the value file over time, per mode', async (t) => {
  const fs = makeFakeSysfs([KERNEL66_PI4], '0');
  t.teardown(fs.stop);
  const opened = await new GpioAccess({ sysRoot: fs.root, run: toolRunner({}), env: {} }).open({ line: 17, direction: 'out', initial: 0 });
  if (!opened.ok) throw new Error(opened.reason);
  const clock = manualClock();
  let mode: LedMode = 'idle';
  const driver = new LedDriver({ line: opened.line, mode: () => mode, activeLow: false, schedule: clock.schedule });
  const value = (): string => readFileSync(fs.valueFile(529), 'utf8');
  /** The value shown and how long it stays, for the current step and the next n-1 ones. */
  const steps = async (n: number): Promise<string[]> => {
    const seen: string[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0) clock.next();
      await until(() => clock.pending() === 1, 'the next step to be scheduled');
      seen.push(`${value()}/${clock.peek()}`);
    }
    return seen;
  };
  /** A mode change shows at the next step. */
  const change = (m: LedMode): void => {
    mode = m;
    clock.next();
  };
  driver.start();
  t.same(await steps(4), ['1/100', '0/1900', '1/100', '0/1900'], 'idle: heartbeat');
  change('deploying');
  t.same(await steps(4), ['1/500', '0/500', '1/500', '0/500'], 'deploying: even blink (a mode change restarts the pattern)');
  change('failed');
  t.same(await steps(5), ['1/150', '0/150', '1/150', '0/1550', '1/150'], 'failed: double blink');
  change('unhealthy');
  t.same(await steps(3), ['1/100', '0/100', '1/100'], 'unhealthy: fast blink');
  await until(() => clock.pending() === 1, 'the next step');
  await driver.stop();
  t.equal(value(), '0', 'off after stop');
  t.equal(clock.pending(), 0, 'no step left');
  await until(() => fs.unexported.length === 1, 'the unexport');
  t.same(fs.unexported, [529], 'the line is released');
});

t.test('active-low: on is 0, off (and stopped) is 1', async (t) => {
  const fs = makeFakeSysfs([KERNEL66_PI4], '1');
  t.teardown(fs.stop);
  const opened = await new GpioAccess({ sysRoot: fs.root, run: toolRunner({}), env: {} }).open({ line: 17, direction: 'out', initial: 1 });
  if (!opened.ok) throw new Error(opened.reason);
  const clock = manualClock();
  const driver = new LedDriver({ line: opened.line, mode: () => 'deploying', activeLow: true, schedule: clock.schedule });
  driver.start();
  await until(() => clock.pending() === 1, 'the first step');
  t.equal(readFileSync(fs.valueFile(529), 'utf8'), '0', 'lit = low');
  clock.next();
  await until(() => clock.pending() === 1, 'the second step');
  t.equal(readFileSync(fs.valueFile(529), 'utf8'), '1');
  await driver.stop();
  t.equal(readFileSync(fs.valueFile(529), 'utf8'), '1', 'off = high');
});

t.test('startStatusLed with real timers follows the agent state', async (t) => {
  const fs = makeFakeSysfs([KERNEL66_PI4], '0');
  t.teardown(fs.stop);
  const health = parseHealthSection({ sys_root: fs.root, checks: { cpu_load: false }, led: { line: 17 } });
  let activity: { current?: unknown; last?: { status?: 'Succeeded' | 'Failed' } } = { current: { commandName: 'Install' } };
  const led = await startStatusLed({ health: { ...health, led: health.led as NonNullable<typeof health.led> }, rootDir: fs.root, env: { PATH: '/nonexistent' }, activity: () => activity, log: silentLogger() });
  if (!led) throw new Error('LED did not start');
  // deploying blinks: both levels show up in the value file
  const seen = new Set<string>();
  await until(() => (seen.add(readFileSync(fs.valueFile(529), 'utf8')), seen.size === 2), 'the LED to blink');
  activity = { last: { status: 'Failed' } };
  await led.stop();
  t.equal(readFileSync(fs.valueFile(529), 'utf8'), '0', 'off on stop');
  await until(() => fs.unexported.includes(529), 'the unexport');
  const unavailable = await startStatusLed({ health: { ...health, sysRoot: '/nonexistent-root', led: { line: 17, activeLow: false, healthIntervalSeconds: 60 } }, rootDir: fs.root, env: { PATH: '/nonexistent' }, activity: () => ({}), log: silentLogger() });
  t.equal(unavailable, undefined, 'no GPIO: the agent runs on without an LED');
});
