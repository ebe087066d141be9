// The device health gate's reads over time (a virtual clock; shadows from a stand-in account): it
// waits for devices that have not reported since their deployment ended, reads again only those,
// stops as soon as the threshold is exceeded, never waits past `wait` after the last device
// finished, and does not wait at all during the bake.
import t from 'tap';
import { checkDeviceHealth, waitUntil, type SessionDevice } from '../../../../../controller/rollout/gates/device-health.js';
import type { DeploymentDevice } from '../../../../../controller/rollout/gates/device-verdicts.js';
import { healthGate, shadowDoc, StubAccount } from './gate-fixtures.js';

const T0 = Date.parse('2025-01-01T00:00:10Z');

function setup(names: string[]) {
  const account = new StubAccount();
  const session = account.session('k', '200000000000', 'eu-west-1');
  const devices: SessionDevice[] = names.map((name) => ({
    session,
    device: { name, deploymentId: 'd-1', target: 'lab', status: 'Succeeded', finishedAt: T0, lastEvent: 'ValidateService' },
  }));
  let clock = T0 + 1000;
  const slept: number[] = [];
  let onSleep = (): void => undefined;
  const deps = {
    now: () => clock,
    sleep: async (ms: number) => {
      slept.push(ms);
      clock += ms;
      onSleep();
    },
  };
  const reads = (name: string) => account.calls.filter((c) => c === `GetThingShadow ${name}`).length;
  return { account, devices, deps, slept, reads, at: () => new Date(clock), setOnSleep: (f: () => void) => (onSleep = f) };
}

t.test('waits for a device that has not reported yet, reading only it again', async (t) => {
  const s = setup(['pi-1', 'pi-2']);
  s.account.shadows.set('pi-1', shadowDoc('healthy', s.at()));
  s.account.shadows.set('pi-2', shadowDoc('healthy', new Date(T0 - 60_000))); // from before the deployment
  let sleeps = 0;
  s.setOnSleep(() => {
    if (++sleeps === 2) s.account.shadows.set('pi-2', shadowDoc('unhealthy', s.at(), { failing: ['disk'] }));
  });
  const r = await checkDeviceHealth(s.deps, healthGate(), 'deployed', s.devices);
  t.same(s.slept, [5000, 5000]);
  t.equal(s.reads('pi-1'), 1, 'a fresh device is read once');
  t.equal(s.reads('pi-2'), 3);
  t.match(r, { passed: false, value: '1 of 2 devices unhealthy (50%), 0 unknown', detail: 'unhealthy pi-2: unhealthy: disk' });
});

t.test('stops waiting once the devices judged exceed the threshold', async (t) => {
  const s = setup(['pi-1', 'pi-2']);
  s.account.shadows.set('pi-1', shadowDoc('unhealthy', s.at()));
  const r = await checkDeviceHealth(s.deps, healthGate(), 'deployed', s.devices);
  t.same(s.slept, [], 'no wait');
  t.match(r, {
    passed: false,
    value: '1 of 2 devices unhealthy (50%), 1 unknown (counted as unhealthy)',
    detail: /unknown pi-2: no shadow/,
  });
});

t.test('waits at most `wait` after the last device finished; then the silent devices are unknown', async (t) => {
  const s = setup(['pi-1', 'pi-2']);
  s.account.shadows.set('pi-1', shadowDoc('healthy', s.at()));
  const r = await checkDeviceHealth(
    { ...s.deps, pollMs: 7000 },
    healthGate({ waitMs: 20_000, maxUnhealthy: { count: 1 } }),
    'deployed',
    s.devices,
  );
  // the clock starts 1 s after the devices finished: 19 s left
  t.same(s.slept, [7000, 7000, 5000]);
  t.match(r, { passed: true, value: '0 of 2 devices unhealthy (0%), 1 unknown (counted as unhealthy)' });
  const ignore = setup(['pi-1']);
  t.match(await checkDeviceHealth(ignore.deps, healthGate({ waitMs: 1000, unknown: 'ignore' }), 'baked', ignore.devices), {
    passed: true,
    value: /1 unknown$/,
  });
});

t.test('no waiting during the bake, nor for devices that finished longer than `wait` ago', async (t) => {
  const s = setup(['pi-1']);
  t.match(await checkDeviceHealth(s.deps, healthGate(), 'bake', s.devices), {
    passed: false,
    value: '0 of 1 devices unhealthy (0%), 1 unknown (counted as unhealthy)',
  });
  t.same(s.slept, []);
  const gate = healthGate({ waitMs: 60_000 });
  const d = (finishedAt?: number): DeploymentDevice => ({
    name: 'x',
    deploymentId: 'd',
    target: 'lab',
    status: 'Succeeded',
    ...(finishedAt ? { finishedAt } : {}),
  });
  t.equal(waitUntil(gate, [d(T0), d(T0 + 5000)], T0 + 10_000), T0 + 65_000, 'wait after the last one finished');
  t.equal(waitUntil(gate, [d(T0)], T0 + 3600_000), T0 + 60_000, 'long past: no wait');
  t.equal(waitUntil(gate, [d()], T0), T0 + 60_000, 'never longer than wait from now');
});

t.test('skipped devices are not read or judged', async (t) => {
  const s = setup(['pi-1']);
  s.account.shadows.set('pi-1', shadowDoc('healthy', s.at()));
  const skipped: SessionDevice = {
    session: s.devices[0]!.session,
    device: { name: 'pi-9', deploymentId: 'd-1', target: 'lab', status: 'Skipped', finishedAt: T0 },
  };
  const r = await checkDeviceHealth(s.deps, healthGate(), 'deployed', [...s.devices, skipped]);
  t.match(r, {
    passed: true,
    value: '0 of 1 devices unhealthy (0%), 0 unknown',
    detail: '1 skipped device not judged (they did not run the release)',
  });
  t.equal(s.reads('pi-9'), 0);
});
