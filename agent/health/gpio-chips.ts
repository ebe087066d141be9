// GPIO numbering. Config names a line by its offset on a chip (the BCM number on a Pi's header) and
// the chip's label; sysfs wants a global number, base + offset, and the base differs by kernel and
// board: 0 on old kernels, 512 on a Pi 4 with kernel 6.6+, other values on a Pi 5 (pinctrl-rp1).
// So the base is read at run time from <sysRoot>/sys/class/gpio/gpiochip*/{base,label,ngpio}.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GpioChip {
  /** sysfs directory name (gpiochip512) or character device name (gpiochip0). */
  readonly name: string;
  readonly label: string;
  readonly base: number;
  readonly ngpio: number;
}

/** The chips that carry a Raspberry Pi's 40-pin header, newest board first. */
export const PI_HEADER_CHIP_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2712', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export const gpioClassDir = (sysRoot: string): string => join(sysRoot, 'sys', 'class', 'gpio');

/** The chips listed in sysfs; undefined when <sysRoot>/sys/class/gpio does not exist. */
export function readSysfsChips(sysRoot: string): GpioChip[] | undefined {
  const dir = gpioClassDir(sysRoot);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return undefined;
  }
  const chips: GpioChip[] = [];
  for (const name of names) {
    try {
      const read = (f: string): string => readFileSync(join(dir, name, f), 'utf8').trim();
      chips.push({ name, label: read('label'), base: Number(read('base')), ngpio: Number(read('ngpio')) });
    } catch {
      // a chip directory without its attributes is not usable; the others may be
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** `gpiodetect` lines (libgpiod v1 and v2): "gpiochip0 [pinctrl-bcm2711] (58 lines)". */
export function parseGpiodetect(output: string): GpioChip[] {
  const chips: GpioChip[] = [];
  for (const line of output.split('\n')) {
    const m = /^(\S+)\s+\[([^\]]*)\]\s+\((\d+) lines?\)/.exec(line.trim());
    if (m) chips.push({ name: m[1] as string, label: m[2] as string, base: 0, ngpio: Number(m[3]) });
  }
  return chips;
}

export type ChipChoice = { readonly ok: true; readonly chip: GpioChip } | { readonly ok: false; readonly reason: string };

/** The chip with `label`, or (no label) the Pi header chip, or the only chip. Pure. */
export function chooseChip(chips: readonly GpioChip[], label: string | undefined): ChipChoice {
  const labels = chips.map((c) => `${c.name} [${c.label}]`).join(', ') || 'none';
  if (label !== undefined) {
    const chip = chips.find((c) => c.label === label) ?? chips.find((c) => c.name === label);
    return chip ? { ok: true, chip } : { ok: false, reason: `no GPIO chip labelled ${label} (chips: ${labels}); set chip: or health.gpio_chip to one of these labels` };
  }
  for (const l of PI_HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === l);
    if (chip) return { ok: true, chip };
  }
  const only = chips.length === 1 ? chips[0] : undefined;
  if (only) return { ok: true, chip: only };
  return { ok: false, reason: `cannot tell which GPIO chip to use (chips: ${labels}); set chip: or health.gpio_chip to a chip label` };
}

/** The sysfs number of `offset` on `chip`; a reason when the chip has no such line. Pure. */
export function sysfsNumber(chip: GpioChip, offset: number): { ok: true; number: number } | { ok: false; reason: string } {
  if (offset >= chip.ngpio) return { ok: false, reason: `line ${offset} does not exist on ${chip.label} (${chip.ngpio} lines: 0-${chip.ngpio - 1})` };
  return { ok: true, number: chip.base + offset };
}
