// GPIO through libgpiod's command-line tools, for images without /sys/class/gpio (Raspberry Pi OS
// Trixie, kernels built without CONFIG_GPIO_SYSFS). No native addon; lines addressed by chip label.
// v1 (Debian 12: `gpioget gpiochip0 17`) and v2 (Ubuntu 24.04: `gpioget -c gpiochip0 17`) differ in
// arguments and output; the major is read from `gpioget --version`.
import { spawn, type ChildProcess } from 'node:child_process';
import type { ProcessResult } from '../revision/process-runner.js';
import { chooseChip, parseGpiodetect, type GpioChip } from './gpio-chips.js';
import type { GpioLine, Level } from './gpio-sysfs.js';

/** Runs a program found on the probes' PATH. */
export type ToolRunner = (file: string, args: readonly string[], timeoutMs?: number) => Promise<ProcessResult>;

export interface GpiodTools {
  readonly major: 1 | 2;
  readonly chips: readonly GpioChip[];
}

export const GPIOD_MISSING =
  'no /sys/class/gpio on this system and the libgpiod tools are not installed: install them (sudo apt-get install gpiod), or use a kernel with sysfs GPIO';

/** "gpioget (libgpiod) v1.6.3" → 1; "gpioget (libgpiod) v2.1.1" → 2. */
export function parseGpiodMajor(versionOutput: string): 1 | 2 | undefined {
  const m = /libgpiod\)?\s+v?(\d+)\./.exec(versionOutput);
  return m?.[1] === '1' ? 1 : m?.[1] === '2' ? 2 : undefined;
}

export async function detectGpiod(run: ToolRunner): Promise<{ ok: true; tools: GpiodTools } | { ok: false; reason: string }> {
  const v = await run('gpioget', ['--version']);
  if (v.spawnError) return { ok: false, reason: GPIOD_MISSING };
  const major = parseGpiodMajor(`${v.stdout}\n${v.stderr}`);
  if (v.code !== 0 || major === undefined) return { ok: false, reason: `gpioget --version did not name libgpiod v1 or v2 (exit ${v.code}): ${(v.stdout + v.stderr).trim().slice(0, 200)}` };
  const d = await run('gpiodetect', []);
  if (d.spawnError || d.code !== 0) return { ok: false, reason: `gpiodetect failed (${d.spawnError ?? `exit ${d.code}`}): ${d.stderr.trim().slice(0, 200)}` };
  return { ok: true, tools: { major, chips: parseGpiodetect(d.stdout) } };
}

/** gpioget arguments: v2 `-a` keeps the line's direction as it is. */
export function gpiogetArgs(major: 1 | 2, chip: string, offset: number): string[] {
  return major === 1 ? [chip, String(offset)] : ['-a', '-c', chip, String(offset)];
}

/** gpioset arguments that hold the level until the process is stopped. */
export function gpiosetHoldArgs(major: 1 | 2, chip: string, offset: number, value: Level): string[] {
  return major === 1 ? ['--mode=signal', chip, `${offset}=${value}`] : ['-c', chip, `${offset}=${value}`];
}

/** v1 prints "1"; v2 prints `"17"=active` (or 17=active with --unquoted, or 1 with --numeric). */
export function parseGpiogetOutput(stdout: string): Level | undefined {
  const t = stdout.trim();
  if (t === '0' || t === '1') return Number(t) as Level;
  const m = /=\s*(active|inactive)\s*$/.exec(t);
  return m ? (m[1] === 'active' ? 1 : 0) : undefined;
}

export interface GpiodLineRequest {
  readonly tools: GpiodTools;
  readonly chipLabel: string | undefined;
  readonly offset: number;
  readonly run: ToolRunner;
  readonly env: NodeJS.ProcessEnv;
  readonly description: string;
}

/** A line through gpioget/gpioset; a reason when the chip or line does not exist. */
export function openGpiodLine(req: GpiodLineRequest): GpioLine | { error: string } {
  const choice = chooseChip(req.tools.chips, req.chipLabel);
  if (!choice.ok) return { error: choice.reason };
  const chip = choice.chip;
  if (req.offset >= chip.ngpio) return { error: `line ${req.offset} does not exist on ${chip.label} (${chip.ngpio} lines)` };
  const backend = `gpiod-v${req.tools.major}`;
  const description = `${req.description} (${chip.name} [${chip.label}] via ${backend})`;
  let holder: ChildProcess | undefined;
  const release = (): void => {
    holder?.kill('SIGTERM');
    holder = undefined;
  };
  return {
    description,
    backend,
    read: async () => {
      const r = await req.run('gpioget', gpiogetArgs(req.tools.major, chip.name, req.offset), 5000);
      const level = r.code === 0 ? parseGpiogetOutput(r.stdout) : undefined;
      if (level === undefined) throw new Error(`gpioget ${chip.name} ${req.offset} failed (${r.spawnError ?? `exit ${r.code}`}): ${(r.stderr || r.stdout).trim().slice(0, 200)}`);
      return level;
    },
    write: async (value) => {
      // the character device keeps a level only while a process holds the line
      release();
      const child = spawn('gpioset', gpiosetHoldArgs(req.tools.major, chip.name, req.offset, value), { env: req.env, stdio: 'ignore' });
      child.on('error', () => undefined);
      holder = child;
    },
    close: async () => release(),
  };
}
