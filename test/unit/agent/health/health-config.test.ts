// The `health:` section of the agent config: defaults, merging over the built-in checks, and
// errors that name the key.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { checkConfig, renderCheckConfig } from '../../../../agent/cli/check-config.js';
import { parseAgentConfig } from '../../../../agent/config/agent-config.js';
import { DEFAULT_HEALTH_CONFIG, parseChecksFile, parseHealthSection, selectChecks } from '../../../../agent/health/health-config.js';

const CONFIG = `
root_dir: /srv/root
health:
  sys_root: /tmp/fake/
  gpio_chip: pinctrl-rp1
  checks:
    cpu_temperature: { warn_above: 65 }
    cpu_load: false
    dht11_line: { type: gpio, line: 4, expect: 1 }
    humidity: { type: file, path: readings.json, field: humidity, fail_below: 0, fail_above: 100, max_age_seconds: 60 }
    pm25: { type: command, command: "echo 7", timeout_seconds: 3 }
  gate: { checks: [cpu_temperature, dht11_line], fail_on: degraded }
  led: { line: 17, active_low: true }
`;

t.test('a full health section', async (t) => {
  const { config, warnings } = parseAgentConfig(CONFIG, 'agent.yml');
  t.same(warnings, []);
  const h = config.health;
  if (!h) throw new Error('no health section');
  t.equal(h.sysRoot, '/tmp/fake');
  t.equal(h.gpioChip, 'pinctrl-rp1');
  t.same(h.checks.map((c) => c.name), ['cpu_temperature', 'memory_available', 'disk_free', 'uptime', 'throttling', 'dht11_line', 'humidity', 'pm25']);
  t.match(h.checks[0], { type: 'cpu_temperature', thresholds: { warnAbove: 65, failAbove: 80 }, ifUnavailable: 'skip' }, 'thresholds merge over the built-in ones');
  t.match(h.checks.find((c) => c.name === 'dht11_line'), { type: 'gpio', line: 4, expect: 1, ifUnavailable: 'error' });
  t.match(h.checks.find((c) => c.name === 'humidity'), { type: 'file', source: 'readings.json', field: 'humidity', maxAgeSeconds: 60, thresholds: { failBelow: 0, failAbove: 100 } });
  t.match(h.checks.find((c) => c.name === 'pm25'), { type: 'command', source: 'echo 7', timeoutSeconds: 3 });
  t.same(h.gate, { enabled: true, failOn: 'degraded', checks: ['cpu_temperature', 'dht11_line'] });
  t.same(h.led, { line: 17, activeLow: true, healthIntervalSeconds: 60 });
  t.equal(parseAgentConfig('root_dir: /x\n', 'a.yml').config.health, undefined, 'no section: unset (the defaults apply)');
  t.same(parseHealthSection({ gate: true }).gate, { enabled: true, failOn: 'unhealthy' });
  t.equal(parseHealthSection(null), DEFAULT_HEALTH_CONFIG);
});

t.test('errors name the key and say what is expected', async (t) => {
  const bad: [string, RegExp][] = [
    ['health: 3', /config key health: expected a map of keys/],
    ['health: { sysroot: / }', /config key health.sysroot: unknown key \(allowed here: sys_root, gpio_chip, checks, gate, led\)/],
    ['health: { sys_root: relative }', /config key health.sys_root: expected an absolute path/],
    ['health: { checks: { fan: { line: 4 } } }', /config key health.checks.fan.type: missing: a check that is not built in needs a type/],
    ['health: { checks: { fan: { type: relay } } }', /config key health.checks.fan.type: expected one of .*gpio, file, command/],
    ['health: { checks: { fan: { type: gpio, line: -1 } } }', /config key health.checks.fan.line: expected a whole number of at least 0/],
    ['health: { checks: { fan: { type: gpio, line: 4, expect: high } } }', /config key health.checks.fan.expect: expected 0 or 1/],
    ['health: { checks: { h: { type: file, path: x, fail_above: lots } } }', /config key health.checks.h.fail_above: expected a number/],
    ['health: { checks: { cpu_temperature: { warn_above: 90 } } }', /config key health.checks.cpu_temperature.warn_above: must not be above fail_above \(80\)/],
    ['health: { checks: { h: { type: file } } }', /config key health.checks.h.path: expected a non-empty string/],
    ['health: { checks: { "9x": { type: gpio, line: 1 } } }', /config key health.checks.9x: a check name/],
    ['health: { gate: { checks: [nope] } }', /config key health.gate.checks: names checks that are not configured \(nope\); configured: cpu_temperature/],
    ['health: { gate: { fail_on: sometimes } }', /config key health.gate.fail_on: expected unhealthy or degraded/],
    ['health: { led: { pin: 17 } }', /config key health.led.pin: unknown key/],
  ];
  for (const [yaml, message] of bad) t.throws(() => parseAgentConfig(yaml, 'agent.yml'), { code: 'CONFIG_INVALID', message }, yaml);
});

t.test('a checks file merges over the configured checks; --check selects', async (t) => {
  const base = DEFAULT_HEALTH_CONFIG.checks;
  const merged = parseChecksFile({ checks: { pm25: { type: 'file', path: 'r.json', field: 'pm25' }, uptime: false } }, 'checks file x.yml', base);
  t.ok(merged.some((c) => c.name === 'pm25'));
  t.notOk(merged.some((c) => c.name === 'uptime'));
  t.throws(() => parseChecksFile({ gate: true }, 'checks file x.yml', base), { message: /config key checks file x.yml.gate: unknown key \(allowed here: checks\)/ });
  t.same(selectChecks(merged, ['pm25', 'nope']).unknown, ['nope']);
  t.same(selectChecks(merged, ['pm25']).selected.map((c) => c.name), ['pm25']);
});

t.test('check-config prints the section', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'agent.yml'), CONFIG);
  const outcome = await checkConfig({ config: join(dir, 'agent.yml') }, { defaultOnPremisesPaths: [], exists: () => false });
  const text = renderCheckConfig(outcome.data);
  t.match(text, /health\.checks\.dht11_line:\s+gpio line 4 expect 1/);
  t.match(text, /health\.checks\.cpu_temperature:\s+cpu_temperature warn>65 fail>80/);
  t.match(text, /health\.gate\.fail_on:\s+degraded/);
  t.match(text, /health\.led:\s+line 17 active-low, health every 60 s/);
});
