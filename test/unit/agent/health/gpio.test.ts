// GPIO numbering and access against fake sysfs trees (legacy base 0, kernel 6.6 base 512, Pi 5
// pinctrl-rp1) and, without sysfs, through fake libgpiod v1/v2 tools on PATH.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { toolRunner } from '../../../../agent/health/exec.js';
import { GpioAccess } from '../../../../agent/health/gpio.js';
import { chooseChip, parseGpiodetect, readSysfsChips } from '../../../../agent/health/gpio-chips.js';
import { parseGpiodMajor, parseGpiogetOutput } from '../../../../agent/health/gpio-cli.js';
import { fakeTools, KERNEL66_PI4, LEGACY_PI4, makeFakeSysfs, PI5_OTHER, PI5_RP1, until } from './fake-sysfs.js';

const access = (sysRoot: string, path = '/nonexistent', defaultChip?: string): GpioAccess =>
  new GpioAccess({ sysRoot, run: toolRunner({ PATH: path }), env: { PATH: path }, ...(defaultChip ? { defaultChip } : {}) });

for (const [name, chips, expected] of [
  ['legacy kernel, base 0', [LEGACY_PI4], 4],
  ['kernel 6.6 on a Pi 4, base 512', [KERNEL66_PI4], 516],
  ['Pi 5: pinctrl-rp1 among other chips', [PI5_OTHER, PI5_RP1], 575],
] as const) {
  t.test(`${name}: BCM 4 is sysfs gpio${expected}; export, direction, read, unexport`, async (t) => {
    const fs = makeFakeSysfs(chips, '1');
    t.teardown(fs.stop);
    const opened = await access(fs.root).open({ line: 4, direction: 'in' });
    if (!opened.ok) throw new Error(opened.reason);
    t.equal(opened.line.backend, 'sysfs', 'a fake tree is driven through the files, not onoff');
    t.match(opened.line.description, `sysfs gpio${expected}`);
    t.same(fs.exported, [expected], 'exported base + offset');
    t.equal(readFileSync(join(fs.gpioDir, `gpio${expected}`, 'direction'), 'utf8'), 'in');
    t.equal(await opened.line.read(), 1);
    fs.setValue(expected, '0');
    t.equal(await opened.line.read(), 0);
    await opened.line.close();
    await opened.line.close();
    await until(() => fs.unexported.length > 0, 'the unexport');
    t.same(fs.unexported, [expected], 'unexported once');
  });
}

t.test('a line exported by someone else is read as it is and left exported', async (t) => {
  const fs = makeFakeSysfs([KERNEL66_PI4]);
  t.teardown(fs.stop);
  fs.preExport(516, '1', 'out');
  const opened = await access(fs.root).open({ line: 4, direction: 'in' });
  if (!opened.ok) throw new Error(opened.reason);
  t.equal(await opened.line.read(), 1);
  t.equal(readFileSync(join(fs.gpioDir, 'gpio516', 'direction'), 'utf8'), 'out', 'its direction is not touched');
  await opened.line.close();
  t.same([fs.exported, fs.unexported], [[], []]);
  t.equal(readFileSync(join(fs.gpioDir, 'unexport'), 'utf8'), '', 'nothing written to unexport (not even unconsumed)');
});

t.test('an output line is set low or high with its direction, then written', async (t) => {
  const fs = makeFakeSysfs([KERNEL66_PI4], '0');
  t.teardown(fs.stop);
  const opened = await access(fs.root).open({ line: 17, direction: 'out', initial: 1 });
  if (!opened.ok) throw new Error(opened.reason);
  t.equal(readFileSync(join(fs.gpioDir, 'gpio529', 'direction'), 'utf8'), 'high');
  await opened.line.write(0);
  t.equal(readFileSync(fs.valueFile(529), 'utf8'), '0');
  await opened.line.close();
});

t.test('chip choice: by label, by the default chip, and the errors that say what to set', async (t) => {
  const fs = makeFakeSysfs([PI5_OTHER, PI5_RP1]);
  t.teardown(fs.stop);
  t.same(readSysfsChips(fs.root)?.map((c) => c.label), ['gpio-brcmstb@107d508500', 'pinctrl-rp1'], 'sorted by base');
  const other = await access(fs.root).open({ line: 3, chip: 'gpio-brcmstb@107d508500', direction: 'in' });
  t.ok(other.ok && other.line.description.includes('gpio515'), 'line 3 on the chip at base 512');
  if (other.ok) await other.line.close();
  const viaDefault = await access(fs.root, undefined, 'gpio-brcmstb@107d508500').open({ line: 3, direction: 'in' });
  t.ok(viaDefault.ok && viaDefault.line.description.includes('gpio515'), 'health.gpio_chip is the default');
  if (viaDefault.ok) await viaDefault.line.close();
  const missing = await access(fs.root).open({ line: 4, chip: 'pinctrl-bcm2711', direction: 'in' });
  t.match(missing, { ok: false, unavailable: false, reason: /no GPIO chip labelled pinctrl-bcm2711 .*pinctrl-rp1.*set chip: or health.gpio_chip/ });
  const tooHigh = await access(fs.root).open({ line: 60, direction: 'in' });
  t.match(tooHigh, { ok: false, reason: /line 60 does not exist on pinctrl-rp1 \(54 lines: 0-53\)/ });
  t.match(chooseChip([PI5_OTHER, { ...PI5_OTHER, name: 'gpiochip600', label: 'x', base: 600 }], undefined), { ok: false, reason: /cannot tell which GPIO chip/ });
});

t.test('no sysfs GPIO and no libgpiod tools: unavailable, saying what to install', async (t) => {
  const fs = makeFakeSysfs(undefined);
  t.teardown(fs.stop);
  const r = await access(fs.root, fakeTools(t, {})).open({ line: 4, direction: 'in' });
  t.match(r, { ok: false, unavailable: true, reason: /apt-get install gpiod/ });
});

const gpiodScripts = (major: 1 | 2, argsLog: string): Record<string, string> => ({
  gpioget: `[ "$1" = --version ] && { echo "gpioget (libgpiod) v${major === 1 ? '1.6.3' : '2.1.1'}"; exit 0; }\necho "$*" >> ${argsLog}\n${major === 1 ? 'echo 1' : 'echo "\\"4\\"=active"'}`,
  gpiodetect: 'echo "gpiochip0 [pinctrl-bcm2711] (58 lines)"\necho "gpiochip1 [raspberrypi-exp-gpio] (8 lines)"',
  gpioset: `echo "$*" >> ${argsLog}.set\nexec sleep 30`,
});

for (const major of [1, 2] as const) {
  t.test(`no sysfs GPIO: libgpiod v${major} tools, with the right arguments`, async (t) => {
    const fs = makeFakeSysfs(undefined);
    t.teardown(fs.stop);
    const log = join(fs.root, 'args.log');
    const tools = fakeTools(t, gpiodScripts(major, log));
    const gpio = access(fs.root, tools);
    const r = await gpio.open({ line: 4, direction: 'in' });
    if (!r.ok) throw new Error(r.reason);
    t.equal(r.line.backend, `gpiod-v${major}`);
    t.equal(await r.line.read(), 1);
    t.equal(readFileSync(log, 'utf8').trim(), major === 1 ? 'gpiochip0 4' : '-a -c gpiochip0 4');
    const out = await gpio.open({ line: 17, direction: 'out' });
    if (!out.ok) throw new Error(out.reason);
    await out.line.write(1);
    await until(() => existsSync(`${log}.set`) && readFileSync(`${log}.set`, 'utf8') !== '', 'gpioset to start');
    t.equal(readFileSync(`${log}.set`, 'utf8').trim(), major === 1 ? '--mode=signal gpiochip0 17=1' : '-c gpiochip0 17=1', 'gpioset holds the level');
    await out.line.close();
    const wrongChip = await gpio.open({ line: 4, chip: 'pinctrl-rp1', direction: 'in' });
    t.match(wrongChip, { ok: false, unavailable: false, reason: /no GPIO chip labelled pinctrl-rp1/ });
  });
}

t.test('libgpiod output parsing', async (t) => {
  t.equal(parseGpiodMajor('gpioget (libgpiod) v1.6.3\nCopyright'), 1);
  t.equal(parseGpiodMajor('gpioget (libgpiod) v2.1.1'), 2);
  t.equal(parseGpiodMajor('something else'), undefined);
  t.equal(parseGpiogetOutput('0\n'), 0);
  t.equal(parseGpiogetOutput('"17"=inactive\n'), 0);
  t.equal(parseGpiogetOutput('17=active'), 1);
  t.equal(parseGpiogetOutput('garbage'), undefined);
  t.same(parseGpiodetect('gpiochip0 [pinctrl-bcm2711] (58 lines)\ngpiochip1 [raspberrypi-exp-gpio] (8 lines)\n'), [
    { name: 'gpiochip0', label: 'pinctrl-bcm2711', base: 0, ngpio: 58 },
    { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', base: 0, ngpio: 8 },
  ]);
});
