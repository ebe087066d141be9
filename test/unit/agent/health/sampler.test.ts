// One sample over a fake sysfs tree: thermal zone, firmware throttling flags (sysfs, then a fake
// vcgencmd), a GPIO input, and application values from a file and a command.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseHealthSection } from '../../../../agent/health/health-config.js';
import { createHealthSampler } from '../../../../agent/health/sampler.js';
import { addThermalZone, fakeTools, KERNEL66_PI4, makeFakeSysfs, setThrottled } from './fake-sysfs.js';

t.test('a Pi-like tree: every kind of check', async (t) => {
  const fs = makeFakeSysfs([KERNEL66_PI4], '0');
  t.teardown(fs.stop);
  addThermalZone(fs.root, 'cpu-thermal', 83_500);
  setThrottled(fs.root, '50005');
  const readings = join(fs.root, 'readings.json');
  writeFileSync(readings, JSON.stringify({ temperature: 21.5, humidity: 48, pm25: null }));
  const health = parseHealthSection({
    sys_root: fs.root,
    checks: {
      cpu_load: false,
      dht11_line: { type: 'gpio', line: 4, expect: 1 },
      humidity: { type: 'file', path: readings, field: 'humidity', fail_below: 0, fail_above: 100 },
      pm25: { type: 'file', path: readings, field: 'pm25' },
      stale: { type: 'file', path: readings, field: 'humidity', max_age_seconds: 60 },
      missing: { type: 'file', path: join(fs.root, 'nope.json') },
      cmd: { type: 'command', command: 'echo \'{"v": {"x": "12.5"}}\'', field: 'v.x', warn_above: 10 },
      cmd_fails: { type: 'command', command: 'echo broken >&2; exit 3' },
    },
  });
  utimesSync(readings, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
  const sampler = createHealthSampler(health, { rootDir: fs.root, env: { PATH: '/nonexistent' }, deviceInfo: true });
  const r = await sampler.sample();
  sampler.close();
  const by = (name: string): unknown => r.checks.find((c) => c.name === name);
  t.equal(r.verdict, 'unhealthy');
  t.match(by('cpu_temperature'), { status: 'fail', value: 83.5, unit: '°C' });
  t.match(by('throttling'), { status: 'fail', value: '0x50005', reason: /under-voltage now/ });
  t.match(by('dht11_line'), { status: 'fail', value: 0, reason: /line 4 on pinctrl-bcm2711 \(sysfs gpio516, base 512\) reads 0, expected 1/ });
  t.match(by('humidity'), { status: 'ok', value: 48 });
  t.match(by('pm25'), { status: 'fail', reason: /has no value for pm25/ });
  t.match(by('stale'), { status: 'fail', reason: /stale reading: .* last written 3600 s ago \(max_age_seconds 60\)/ });
  t.match(by('missing'), { status: 'error', reason: /nope.json does not exist/ });
  t.match(by('cmd'), { status: 'warn', value: 12.5 });
  t.match(by('cmd_fails'), { status: 'error', reason: /exited with 3: broken/ });
  t.match(by('disk_free'), { status: /ok|warn|fail/, unit: '%' });
  t.match(r.device, { platform: 'linux', hostname: String });
  t.type(r.durationMs, 'number');
  await t.rejects(sampler.sample({ checks: ['nope'] }), { code: 'HEALTH_CHECK_UNKNOWN', message: /no health check named nope is configured; configured checks: cpu_temperature/ });
});

t.test('throttling through vcgencmd when sysfs has no flags; skipped when neither exists', async (t) => {
  const fs = makeFakeSysfs(undefined);
  t.teardown(fs.stop);
  const health = parseHealthSection({ sys_root: fs.root });
  const tools = fakeTools(t, { vcgencmd: '[ "$1" = get_throttled ] && echo throttled=0x20000' });
  const viaTool = await createHealthSampler(health, { rootDir: fs.root, env: { PATH: tools } }).sample({ checks: ['throttling', 'cpu_temperature'] });
  t.match(viaTool.checks, [{ name: 'throttling', status: 'warn', value: '0x20000', reason: 'ARM frequency capping has occurred since boot' }]);
  t.match(viaTool.skipped, [{ name: 'cpu_temperature', reason: /no CPU temperature sensor/ }], 'a fake tree without thermal zone: skipped');
  const none = await createHealthSampler(health, { rootDir: fs.root, env: { PATH: '/nonexistent' } }).sample({ checks: ['throttling'] });
  t.same(none.checks, []);
  t.match(none.skipped, [{ name: 'throttling', reason: /not a Raspberry Pi/ }]);
  t.equal(none.verdict, 'healthy');
});
