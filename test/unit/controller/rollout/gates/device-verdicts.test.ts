// The device health judgement: a shadow counts only when written after the device's deployment ended
// (same second, or its agent naming this deployment's last event); verdicts as edge-agent reports them,
// degraded optionally unhealthy, unknown devices failing or ignored, thresholds as counts or percents
// (rounded down), when waiting can stop, and evidence bounded.
import t from 'tap';
import { healthFromShadow } from '../../../../../controller/fleet/fleet-state.js';
import {
  deviceHealthResult,
  doneWaiting,
  isFresh,
  judgeDevice,
  judgedDevices,
  lastCommandOf,
  type DeploymentDevice,
  type DeviceJudgement,
  type ShadowReading,
} from '../../../../../controller/rollout/gates/device-verdicts.js';
import { GATE_DETAIL_BYTES } from '../../../../../controller/rollout/gates/types.js';
import { healthGate, shadowDoc } from './gate-fixtures.js';

const FINISHED = Date.parse('2025-01-01T00:00:10.500Z');
const device = (over: Partial<DeploymentDevice> = {}): DeploymentDevice => ({
  name: 'pi-1',
  deploymentId: 'd-1',
  target: 'lab',
  status: 'Succeeded',
  finishedAt: FINISHED,
  lastEvent: 'ValidateService',
  ...over,
});
const shadow = (verdict: string, at: string, opts: Parameters<typeof shadowDoc>[2] = {}): ShadowReading => {
  const doc = shadowDoc(verdict, new Date(at), opts);
  const lastCommand = lastCommandOf(doc);
  return { health: healthFromShadow(doc), ...(lastCommand ? { lastCommand } : {}) };
};
const j = (name: string, state: DeviceJudgement['state'], waiting = false): DeviceJudgement => ({ name, state, why: state, waiting });

t.test('a shadow is fresh when written after the second the device finished', async (t) => {
  t.notOk(isFresh(device(), shadow('healthy', '2025-01-01T00:00:10Z')), 'same second: may carry health sampled before the install');
  t.ok(isFresh(device(), shadow('healthy', '2025-01-01T00:00:11Z')), 'the next second');
  t.ok(isFresh(device(), shadow('healthy', '2025-01-01T00:05:00Z')), 'later');
  t.notOk(isFresh(device(), shadow('healthy', '2025-01-01T00:00:09Z')), 'the second before');
  t.ok(
    isFresh(device(), shadow('healthy', '2025-01-01T00:00:09Z', { last: { deploymentId: 'd-1', command: 'ValidateService' } })),
    'its agent ran our last event',
  );
  t.notOk(
    isFresh(device(), shadow('healthy', '2025-01-01T00:00:09Z', { last: { deploymentId: 'd-1', command: 'Install' } })),
    'mid-deployment report',
  );
  t.notOk(
    isFresh(device(), shadow('healthy', '2025-01-01T00:00:09Z', { last: { deploymentId: 'd-0', command: 'ValidateService' } })),
    'an older deployment',
  );
});

t.test('each device: verdicts, degraded policy, stale and missing shadows, unfinished devices', async (t) => {
  const gate = healthGate();
  const at = '2025-01-01T00:01:00Z';
  t.match(judgeDevice(gate, device(), shadow('healthy', at)), { state: 'healthy', waiting: false });
  t.match(judgeDevice(gate, device(), shadow('unhealthy', at, { failing: ['disk', 'fan'] })), {
    state: 'unhealthy',
    why: 'unhealthy: disk, fan',
  });
  t.match(judgeDevice(gate, device(), shadow('degraded', at)), { state: 'healthy', why: 'degraded' });
  t.match(judgeDevice(healthGate({ degradedIsUnhealthy: true }), device(), shadow('degraded', at)), { state: 'unhealthy' });
  t.match(judgeDevice(gate, device(), null), { state: 'unknown', why: 'no shadow', waiting: true });
  t.match(judgeDevice(gate, device(), shadow('healthy', '2025-01-01T00:00:01Z')), {
    state: 'unknown',
    waiting: true,
    why: 'no shadow update since its deployment ended (last 2025-01-01T00:00:01.000Z)',
  });
  t.match(judgeDevice(gate, device({ status: 'InProgress' }), shadow('healthy', at)), {
    state: 'unknown',
    waiting: true,
    why: /has not ended \(InProgress\)/,
  });
  // a fresh shadow without health (no health section): waiting will not help
  const noHealth: ShadowReading = {
    health: healthFromShadow({
      state: { reported: { agent: { version: '1' } } },
      metadata: { reported: { agent: { version: { timestamp: FINISHED / 1000 + 5 } } } },
    }),
  };
  t.match(judgeDevice(gate, device(), noHealth), { state: 'unknown', waiting: false, why: /no health verdict \(unknown\)/ });
});

t.test('only devices that ran the release are judged', async (t) => {
  const ds = ['Succeeded', 'Failed', 'Skipped', 'InProgress'].map((status, i) => device({ name: `pi-${i}`, status }));
  t.same(
    judgedDevices(ds).map((d) => d.name),
    ['pi-0', 'pi-1'],
  );
});

t.test('the result: counts, percentages rounded down, unknown policy', async (t) => {
  const three = [j('pi-1', 'unhealthy'), j('pi-2', 'healthy'), j('pi-3', 'unknown')];
  t.match(deviceHealthResult(healthGate(), three, 0), {
    gate: 'device-health',
    passed: false,
    value: '1 of 3 devices unhealthy (33%), 1 unknown (counted as unhealthy)',
    threshold: 'at most 0 unhealthy',
  });
  t.match(deviceHealthResult(healthGate({ maxUnhealthy: { count: 1 }, unknown: 'ignore' }), three, 0), {
    passed: true,
    value: '1 of 3 devices unhealthy (33%), 1 unknown',
    threshold: 'at most 1 unhealthy',
  });
  t.match(deviceHealthResult(healthGate({ maxUnhealthy: { count: 1 } }), three, 0), { passed: false }, 'unknown counts: 2 > 1');
  t.match(deviceHealthResult(healthGate({ maxUnhealthy: { count: 2 } }), three, 0), { passed: true });
  t.match(deviceHealthResult(healthGate({ maxUnhealthy: { percent: 34 }, unknown: 'ignore' }), three, 0), {
    passed: true,
    threshold: 'at most 1 unhealthy (34% of 3)',
  });
  t.match(deviceHealthResult(healthGate({ maxUnhealthy: { percent: 33 }, unknown: 'ignore' }), three, 0), {
    passed: false,
    threshold: 'at most 0 unhealthy (33% of 3)',
  });
  t.match(deviceHealthResult(healthGate(), [], 2), {
    passed: true,
    value: 'no devices ran this release',
    detail: '2 skipped devices not judged (they did not run the release)',
  });
});

t.test('the detail names the unhealthy and unknown devices with why, bounded', async (t) => {
  const r = deviceHealthResult(
    healthGate(),
    [{ name: 'pi-1', state: 'unhealthy', why: 'unhealthy: disk', waiting: false }, j('pi-2', 'healthy'), j('pi-3', 'unknown')],
    1,
  );
  t.equal(r.detail, 'unhealthy pi-1: unhealthy: disk\nunknown pi-3: unknown\n1 skipped device not judged (they did not run the release)');
  const many = Array.from({ length: 2000 }, (_, i) => ({
    name: `pi-${i}`,
    state: 'unhealthy' as const,
    why: 'unhealthy: cpu_temperature, disk',
    waiting: false,
  }));
  const big = deviceHealthResult(healthGate(), many, 0);
  t.ok(Buffer.byteLength(big.detail ?? '') <= GATE_DETAIL_BYTES, 'within GATE_DETAIL_BYTES');
  t.match(big.detail, /^unhealthy pi-0: unhealthy: cpu_temperature, disk\n/);
  t.match(big.detail, /\n… and \d+ more$/);
  t.equal(big.value, '2000 of 2000 devices unhealthy (100%), 0 unknown');
});

t.test('waiting stops when nothing is awaited, or the devices judged already exceed the threshold', async (t) => {
  t.ok(doneWaiting(healthGate(), [j('a', 'healthy'), j('b', 'unknown')]), 'an unknown that waiting cannot change');
  t.notOk(doneWaiting(healthGate(), [j('a', 'healthy'), j('b', 'unknown', true)]));
  t.ok(doneWaiting(healthGate(), [j('a', 'unhealthy'), j('b', 'unknown', true)]), '1 unhealthy > 0 allowed');
  t.notOk(doneWaiting(healthGate({ maxUnhealthy: { count: 1 } }), [j('a', 'unhealthy'), j('b', 'unknown', true)]));
  t.ok(
    doneWaiting(healthGate({ maxUnhealthy: { count: 1 } }), [j('a', 'unhealthy'), j('c', 'unknown'), j('b', 'unknown', true)]),
    'a fixed unknown counts (fail)',
  );
  t.notOk(
    doneWaiting(healthGate({ maxUnhealthy: { count: 1 }, unknown: 'ignore' }), [
      j('a', 'unhealthy'),
      j('c', 'unknown'),
      j('b', 'unknown', true),
    ]),
  );
  t.ok(doneWaiting(healthGate(), []), 'no devices');
});
