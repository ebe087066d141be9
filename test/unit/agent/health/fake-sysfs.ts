// A fake sysfs tree for the GPIO, thermal and throttling probes, and a fake "kernel" that reacts
// to writes to gpio/export and gpio/unexport like the real one (creating and removing gpioN/).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir, type Teardowns } from '../../../helpers/temp-dir.js';

export interface FakeChip {
  readonly name: string;
  readonly label: string;
  readonly base: number;
  readonly ngpio: number;
}

export const LEGACY_PI4: FakeChip = { name: 'gpiochip0', label: 'pinctrl-bcm2711', base: 0, ngpio: 58 };
export const KERNEL66_PI4: FakeChip = { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 };
export const PI5_RP1: FakeChip = { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 };
export const PI5_OTHER: FakeChip = { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 };

export interface FakeSysfs {
  readonly root: string;
  readonly gpioDir: string;
  /** gpioN/value of a global number. */
  valueFile(n: number): string;
  /** Numbers written to export / unexport, in order. */
  readonly exported: number[];
  readonly unexported: number[];
  /** Pretend the line is already exported (by someone else), reading `value`. */
  preExport(n: number, value: '0' | '1', direction?: 'in' | 'out'): void;
  /** Sets what an exported line reads. */
  setValue(n: number, value: '0' | '1'): void;
  stop(): void;
}

/** `chips` undefined: no /sys/class/gpio at all (a kernel without sysfs GPIO). */
export function makeFakeSysfs(chips: readonly FakeChip[] | undefined, initialValue: '0' | '1' = '1'): FakeSysfs {
  const root = mkdtempSync(join(tmpdir(), 'fake-sysfs-'));
  const gpioDir = join(root, 'sys', 'class', 'gpio');
  const exported: number[] = [];
  const unexported: number[] = [];
  const line = (n: number): string => join(gpioDir, `gpio${n}`);
  const create = (n: number, value: string, direction: string): void => {
    mkdirSync(line(n), { recursive: true });
    writeFileSync(join(line(n), 'direction'), direction);
    writeFileSync(join(line(n), 'value'), value);
  };
  let timer: NodeJS.Timeout | undefined;
  if (chips) {
    mkdirSync(gpioDir, { recursive: true });
    for (const c of chips) {
      mkdirSync(join(gpioDir, c.name));
      writeFileSync(join(gpioDir, c.name, 'base'), `${c.base}\n`);
      writeFileSync(join(gpioDir, c.name, 'label'), `${c.label}\n`);
      writeFileSync(join(gpioDir, c.name, 'ngpio'), `${c.ngpio}\n`);
    }
    writeFileSync(join(gpioDir, 'export'), '');
    writeFileSync(join(gpioDir, 'unexport'), '');
    // the "kernel": polls the control files (our code writes them with writeFileSync)
    timer = setInterval(() => {
      for (const [file, list] of [['export', exported], ['unexport', unexported]] as const) {
        const text = readFileSync(join(gpioDir, file), 'utf8').trim();
        if (text === '') continue;
        writeFileSync(join(gpioDir, file), '');
        const n = Number(text);
        list.push(n);
        if (file === 'export') create(n, initialValue, 'in');
        else rmSync(line(n), { recursive: true, force: true });
      }
    }, 5);
  }
  return {
    root,
    gpioDir,
    exported,
    unexported,
    valueFile: (n) => join(line(n), 'value'),
    preExport: (n, value, direction = 'in') => create(n, value, direction),
    setValue: (n, value) => writeFileSync(join(line(n), 'value'), value),
    stop: () => {
      if (timer) clearInterval(timer);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function addThermalZone(root: string, type: string, milliC: number, zone = 0): void {
  const dir = join(root, 'sys', 'class', 'thermal', `thermal_zone${zone}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'type'), `${type}\n`);
  writeFileSync(join(dir, 'temp'), `${milliC}\n`);
}

export function setThrottled(root: string, hex: string): void {
  const dir = join(root, 'sys', 'devices', 'platform', 'soc', 'soc:firmware');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'get_throttled'), `${hex}\n`);
}

/** A directory with fake programs (sh scripts) to put on PATH, removed when the test ends. */
export function fakeTools(t: Teardowns, scripts: Readonly<Record<string, string>>): string {
  const dir = tempDir(t, 'fake-tools');
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}


/** Polls `cond` every 10 ms until it holds (60 s bound: a loaded machine is slow, never wrong). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
