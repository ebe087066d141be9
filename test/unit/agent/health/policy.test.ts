// The health policy as a table: reading + thresholds → status and reason → verdict → exit code.
import t from 'tap';
import { DEFAULT_SYSTEM_CHECKS, type CheckSpec } from '../../../../agent/health/check-specs.js';
import { evaluate, evaluateCheck, gateAllows, gateRefusalMessage, healthExitCode, judgeThrottling, verdictOf, type Reading } from '../../../../agent/health/policy.js';
import type { HealthCheckResult } from '../../../../agent/health/types.js';

const system = (name: string): CheckSpec => DEFAULT_SYSTEM_CHECKS.find((c) => c.name === name) as CheckSpec;
const fileCheck: CheckSpec = { name: 'humidity', type: 'file', source: 'r.json', field: 'humidity', unit: '%', timeoutSeconds: 10, ifUnavailable: 'error', thresholds: { failBelow: 0, failAbove: 100 } };
const gpio: CheckSpec = { name: 'dht11_line', type: 'gpio', line: 4, expect: 1, ifUnavailable: 'error' };
const num = (value: number, detail?: string): Reading => ({ kind: 'number', value, ...(detail ? { detail } : {}) });

type Expected = { readonly [K in keyof HealthCheckResult]?: HealthCheckResult[K] | RegExp } | { readonly skipped: RegExp };
const table: readonly [string, CheckSpec, Reading, Expected][] = [
  ['temperature below warn', system('cpu_temperature'), num(55), { status: 'ok', value: 55, unit: '°C' }],
  ['temperature at the warn level is still ok', system('cpu_temperature'), num(70), { status: 'ok' }],
  ['temperature above warn', system('cpu_temperature'), num(72.25), { status: 'warn', reason: '72.3 °C is above the warning level of 70 °C (warn_above)' }],
  ['temperature above fail', system('cpu_temperature'), num(84), { status: 'fail', reason: '84 °C is above the limit of 80 °C (fail_above)' }],
  ['memory low', system('memory_available'), num(10, '400 MiB of 4 GiB available'), { status: 'warn', reason: '10% is below the warning level of 15% (warn_below); 400 MiB of 4 GiB available' }],
  ['disk nearly full', system('disk_free'), num(3), { status: 'fail', reason: /below the limit of 5% \(fail_below\)/ }],
  ['uptime has no thresholds', system('uptime'), num(12), { status: 'ok', unit: 's' }],
  ['built-in check without a sensor is skipped', system('cpu_temperature'), { kind: 'unavailable', reason: 'no sensor' }, { skipped: /no sensor/ }],
  ['configured check without its source is an error', gpio, { kind: 'unavailable', reason: 'install gpiod' }, { status: 'error', reason: 'install gpiod' }],
  ['gpio at the expected level', gpio, { kind: 'gpio', value: 1, detail: 'line 4' }, { status: 'ok', value: 1 }],
  ['gpio stuck low', gpio, { kind: 'gpio', value: 0, detail: 'line 4 on pinctrl-bcm2711' }, { status: 'fail', reason: /line 4 on pinctrl-bcm2711 reads 0, expected 1/ }],
  ['sensor value in range', fileCheck, num(48), { status: 'ok', value: 48, unit: '%' }],
  ['sensor value out of range', fileCheck, num(140), { status: 'fail', reason: '140% is above the limit of 100% (fail_above)' }],
  ['stale or garbled sensor value', fileCheck, { kind: 'invalid', reason: 'stale reading' }, { status: 'fail', reason: 'stale reading' }],
  ['probe error', fileCheck, { kind: 'error', reason: 'no reading' }, { status: 'error', reason: 'no reading' }],
  ['throttled now', system('throttling'), { kind: 'throttling', bits: 0x50005 }, { status: 'fail', value: '0x50005', reason: /under-voltage now.*throttled now.*under-voltage has occurred/ }],
  ['throttling only in the past', system('throttling'), { kind: 'throttling', bits: 0x50000 }, { status: 'warn', value: '0x50000' }],
  ['never throttled', system('throttling'), { kind: 'throttling', bits: 0 }, { status: 'ok', value: '0x0' }],
];

t.test('evaluateCheck', async (t) => {
  for (const [what, spec, reading, expected] of table) {
    const r = evaluateCheck(spec, reading);
    if ('skipped' in expected) t.match(r, { name: spec.name, reason: expected.skipped, status: undefined }, what);
    else t.match(r, { name: spec.name, ...expected }, what);
  }
});

t.test('verdict, exit code and gate', async (t) => {
  const ok: HealthCheckResult = { name: 'a', status: 'ok' };
  const warn: HealthCheckResult = { name: 'b', status: 'warn', reason: 'warm' };
  const error: HealthCheckResult = { name: 'c', status: 'error', reason: 'cannot read' };
  const fail: HealthCheckResult = { name: 'd', status: 'fail', reason: '84 °C is above the limit of 80 °C (fail_above)' };
  const rows: [HealthCheckResult[], string, number][] = [
    [[], 'healthy', 0],
    [[ok], 'healthy', 0],
    [[ok, warn], 'degraded', 0],
    [[ok, error], 'degraded', 2],
    [[warn, error, fail], 'unhealthy', 1],
    [[fail], 'unhealthy', 1],
  ];
  for (const [checks, verdict, code] of rows) {
    t.equal(verdictOf(checks), verdict, checks.map((c) => c.status).join(',') || 'none');
    t.equal(healthExitCode({ checks }), code);
  }
  t.ok(gateAllows('degraded', 'unhealthy'));
  t.notOk(gateAllows('unhealthy', 'unhealthy'));
  t.notOk(gateAllows('degraded', 'degraded'));
  t.ok(gateAllows('healthy', 'degraded'));
  const msg = gateRefusalMessage({ verdict: 'unhealthy', checks: [ok, warn, fail] }, 'unhealthy');
  t.match(msg, /the device is unhealthy/);
  t.match(msg, /\n- d \[fail\]: 84 °C is above the limit of 80 °C \(fail_above\)\n- b \[warn\]: warm\n/, 'worst first, with value and threshold');
  t.notMatch(msg, /- a \[ok\]/);
  t.match(msg, /edge-agent health/, 'says how to re-check');
});

t.test('evaluate collects skips and defaults a missing reading to an error', async (t) => {
  const r = evaluate([system('cpu_temperature'), system('uptime')], new Map([['cpu_temperature', { kind: 'unavailable', reason: 'none' } as Reading]]), new Date(0));
  t.same(r.skipped, [{ name: 'cpu_temperature', reason: 'none' }]);
  t.match(r.checks, [{ name: 'uptime', status: 'error' }]);
  t.equal(r.sampledAt, '1970-01-01T00:00:00.000Z');
  t.same(judgeThrottling(0x2), { status: 'warn', reason: 'ARM frequency capped now' });
});
