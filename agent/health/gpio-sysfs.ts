// GPIO lines through sysfs: onoff on a real device (sysRoot "/"), the same files written directly
// otherwise. onoff's Gpio class hard-codes /sys/class/gpio (a module constant in onoff 6), so it
// cannot be pointed at a fake tree; the direct path (export, direction, value, unexport) is what
// tests exercise, and the fallback when onoff or its native epoll addon is not installed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commonJsExports } from '../../shared/commonjs.js';
import { gpioClassDir } from './gpio-chips.js';

export type Level = 0 | 1;

export interface GpioLine {
  /** e.g. "BCM 4 on pinctrl-bcm2711 (sysfs gpio516)". */
  readonly description: string;
  /** Which implementation drives it: onoff, sysfs, gpiod-v1, gpiod-v2. */
  readonly backend: string;
  read(): Promise<Level>;
  write(value: Level): Promise<void>;
  /** Releases the line; unexports it only when this line exported it. Idempotent. */
  close(): Promise<void>;
}

export interface SysfsLineRequest {
  readonly sysRoot: string;
  /** Global sysfs number (chip base + offset). */
  readonly number: number;
  readonly direction: 'in' | 'out';
  /** Output level set together with the direction. */
  readonly initial?: Level;
  readonly description: string;
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

function parseLevel(text: string, where: string): Level {
  const t = text.trim();
  if (t === '0' || t === '1') return Number(t) as Level;
  throw new Error(`${where} holds ${JSON.stringify(t)}, not 0 or 1`);
}

/** After an export, udev may need a moment to create the files and set their permissions. */
async function whenWritable(path: string, write: () => void): Promise<void> {
  const deadline = Date.now() + 1000;
  for (;;) {
    try {
      write();
      return;
    } catch (e) {
      if ((errno(e) !== 'EACCES' && errno(e) !== 'ENOENT') || Date.now() > deadline) throw new Error(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
      await sleep(20);
    }
  }
}

/** Exports the line unless it already is; true when this call exported it. EBUSY means already exported. */
function exportLine(sysRoot: string, number: number): boolean {
  if (existsSync(join(gpioClassDir(sysRoot), `gpio${number}`))) return false;
  try {
    writeFileSync(join(gpioClassDir(sysRoot), 'export'), String(number));
    return true;
  } catch (e) {
    if (errno(e) === 'EBUSY') return false;
    const hint = errno(e) === 'EINVAL' ? ' (EINVAL: the kernel has no such GPIO number; is the chip base right?)' : errno(e) === 'EACCES' ? ' (EACCES: add the agent user to the gpio group)' : '';
    throw new Error(`cannot export GPIO ${number}: ${(e as Error).message}${hint}`, { cause: e });
  }
}

/** Reads and writes <sysRoot>/sys/class/gpio/gpioN/{direction,value} directly. */
export async function openSysfsLine(req: SysfsLineRequest): Promise<GpioLine> {
  const dir = join(gpioClassDir(req.sysRoot), `gpio${req.number}`);
  const exported = exportLine(req.sysRoot, req.number);
  const direction = join(dir, 'direction');
  const value = join(dir, 'value');
  if (req.direction === 'out') {
    // "low"/"high" set the direction and the level in one write, without a glitch
    await whenWritable(direction, () => writeFileSync(direction, req.initial === 1 ? 'high' : 'low'));
  } else if (exported) {
    await whenWritable(direction, () => writeFileSync(direction, 'in'));
  }
  // a line someone else exported is read as it is: its direction belongs to them
  let closed = false;
  return {
    description: req.description,
    backend: 'sysfs',
    read: async () => parseLevel(readFileSync(value, 'utf8'), value),
    write: async (v) => writeFileSync(value, String(v)),
    close: async () => {
      if (closed) return;
      closed = true;
      if (!exported) return;
      try {
        writeFileSync(join(gpioClassDir(req.sysRoot), 'unexport'), String(req.number));
      } catch {
        // already unexported, or the tree went away: nothing left to release
      }
    },
  };
}

interface OnoffGpio {
  read(): Promise<number>;
  write(value: number): Promise<void>;
  unexport(): void;
}
interface OnoffModule {
  Gpio: { new (gpio: number, direction: string, options?: { reconfigureDirection?: boolean }): OnoffGpio; readonly accessible: boolean };
}

/**
 * onoff on real hardware, for lines it can own (not exported by someone else); undefined when
 * onoff (an optional dependency with a native addon) is not installed or sysfs is not writable.
 */
export async function openOnoffLine(req: SysfsLineRequest, load: () => Promise<unknown> = async () => commonJsExports(await import('onoff'))): Promise<GpioLine | undefined> {
  if (req.sysRoot !== '/' || existsSync(join(gpioClassDir('/'), `gpio${req.number}`))) return undefined;
  let mod: OnoffModule;
  try {
    mod = (await load()) as OnoffModule;
    if (!mod.Gpio.accessible) return undefined;
  } catch {
    return undefined;
  }
  const gpio = new mod.Gpio(req.number, req.direction === 'out' ? (req.initial === 1 ? 'high' : 'low') : 'in');
  let closed = false;
  return {
    description: req.description,
    backend: 'onoff',
    read: async () => ((await gpio.read()) === 1 ? 1 : 0),
    write: (v) => gpio.write(v),
    close: async () => {
      if (closed) return;
      closed = true;
      gpio.unexport();
    },
  };
}
