// Opens a GPIO line by (chip label, offset) with the best means this device has:
// sysfs present → onoff (real device) or the sysfs files directly (any sysRoot, or no onoff);
// sysfs absent → libgpiod's gpioget/gpioset; neither → "unavailable", saying what to install.
import { detectGpiod, openGpiodLine, type GpiodTools, type ToolRunner } from './gpio-cli.js';
import { chooseChip, readSysfsChips, sysfsNumber } from './gpio-chips.js';
import { openOnoffLine, openSysfsLine, type GpioLine, type Level } from './gpio-sysfs.js';

export interface GpioAccessDeps {
  readonly sysRoot: string;
  /** Chip label for lines that name none (health.gpio_chip); unset: the Pi header chip. */
  readonly defaultChip?: string;
  readonly run: ToolRunner;
  /** Environment of gpioset processes (PATH). */
  readonly env: NodeJS.ProcessEnv;
  /** Loads onoff; tests and non-Pi machines never reach it (only used with sysRoot "/"). */
  readonly loadOnoff?: () => Promise<unknown>;
}

export interface LineRequest {
  readonly line: number;
  readonly chip?: string;
  readonly direction: 'in' | 'out';
  readonly initial?: Level;
}

export type OpenResult =
  | { readonly ok: true; readonly line: GpioLine }
  | { readonly ok: false; readonly unavailable: boolean; readonly reason: string };

export class GpioAccess {
  private gpiod: Promise<Awaited<ReturnType<typeof detectGpiod>>> | undefined;

  constructor(private readonly deps: GpioAccessDeps) {}

  async open(req: LineRequest): Promise<OpenResult> {
    const { deps } = this;
    const label = req.chip ?? deps.defaultChip;
    const chips = readSysfsChips(deps.sysRoot);
    if (chips !== undefined) {
      if (chips.length === 0) return { ok: false, unavailable: true, reason: `${deps.sysRoot.replace(/\/$/, '')}/sys/class/gpio lists no GPIO chips: this machine has no GPIO controller` };
      const choice = chooseChip(chips, label);
      if (!choice.ok) return { ok: false, unavailable: false, reason: choice.reason };
      const n = sysfsNumber(choice.chip, req.line);
      if (!n.ok) return { ok: false, unavailable: false, reason: n.reason };
      const sysfsReq = {
        sysRoot: deps.sysRoot,
        number: n.number,
        direction: req.direction,
        description: `line ${req.line} on ${choice.chip.label} (sysfs gpio${n.number}, base ${choice.chip.base})`,
        ...(req.initial !== undefined ? { initial: req.initial } : {}),
      };
      try {
        const line = (await openOnoffLine(sysfsReq, deps.loadOnoff)) ?? (await openSysfsLine(sysfsReq));
        return { ok: true, line };
      } catch (e) {
        return { ok: false, unavailable: false, reason: (e as Error).message };
      }
    }
    this.gpiod ??= detectGpiod(deps.run);
    const gpiod = await this.gpiod;
    if (!gpiod.ok) return { ok: false, unavailable: true, reason: gpiod.reason };
    if (gpiod.tools.chips.length === 0) return { ok: false, unavailable: true, reason: 'gpiodetect lists no GPIO chips: this machine has no GPIO controller (or /dev/gpiochip* is not accessible to the agent user)' };
    return this.openWithTools(gpiod.tools, req, label);
  }

  private openWithTools(tools: GpiodTools, req: LineRequest, label: string | undefined): OpenResult {
    const opened = openGpiodLine({ tools, chipLabel: label, offset: req.line, run: this.deps.run, env: this.deps.env, description: `line ${req.line}` });
    return 'error' in opened ? { ok: false, unavailable: false, reason: opened.error } : { ok: true, line: opened };
  }
}
