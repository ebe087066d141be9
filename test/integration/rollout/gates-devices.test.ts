// The device gates against the sandbox, through the real pool and a cross-account role: deployments
// of virtual hosts, shadows written through the IoT data plane (or by the hosts themselves, as
// edge-agent does after a deployment). Health counts only shadows written after a device's deployment
// ended and waits for the others; the outcome counts the hosts that failed the revision.
import t from 'tap';
import { createGateChecker, type GateResult } from '../../../controller/rollout/gates/index.js';
import type { DeviceHealthGate } from '../../../controller/rollout/config-types.js';
import { gateInput, startGateEstate, type GateEstate } from './gates-fixture.js';

t.setTimeout(180_000);

let e: GateEstate;
t.before(async () => {
  e = await startGateEstate(t);
});

const gate = (over: Partial<DeviceHealthGate> = {}): DeviceHealthGate => ({
  maxUnhealthy: { count: 0 },
  degradedIsUnhealthy: false,
  unknown: 'fail',
  waitMs: 300_000,
  ...over,
});
const noWait = async (): Promise<void> => {
  throw new Error('the gate was not expected to wait');
};
const checker = (sleep: (ms: number) => Promise<void> = noWait, now = () => Date.now()) => createGateChecker({ pool: e.pool, sleep, now });
const brief = (r: GateResult | undefined) => r && { passed: r.passed, value: r.value, ...(r.detail ? { detail: r.detail } : {}) };

t.test('device health: only shadows written after the deployment ended; degraded and unknown policies', async (t) => {
  const id = await e.deploy(e.lab, 'v1.0.0');
  const health = (g: DeviceHealthGate, phase: 'deployed' | 'bake' = 'bake', c = checker()) =>
    c
      .check(gateInput([e.lab], { lab: { ref: { kind: 'deployment', deploymentId: id } } }, { deviceHealth: g }, phase))
      .then((r) => brief(r[0]));
  t.match(await health(gate()), {
    passed: false,
    value: '0 of 5 devices unhealthy (0%), 5 unknown (counted as unhealthy)',
    detail: /unknown pi-a-001: no shadow/,
  });
  t.match(await health(gate({ unknown: 'ignore' })), { passed: true, value: '0 of 5 devices unhealthy (0%), 5 unknown' });

  for (const d of ['pi-a-001', 'pi-b-001', 'pi-b-002']) await e.report(d, 'healthy');
  await e.report('pi-a-002', 'unhealthy', ['app_running']);
  await e.report('pi-a-003', 'degraded');
  t.same(await health(gate(), 'deployed'), {
    passed: false,
    value: '1 of 5 devices unhealthy (20%), 0 unknown',
    detail: 'unhealthy pi-a-002: unhealthy: app_running',
  });
  t.match(await health(gate({ maxUnhealthy: { percent: 20 } })), { passed: true });
  t.match(await health(gate({ maxUnhealthy: { percent: 20 }, degradedIsUnhealthy: true })), {
    passed: false,
    value: '2 of 5 devices unhealthy (40%), 0 unknown',
  });

  // the next deployment: every shadow is from before it (an earlier second), so the gate waits for the devices to report
  const next = await e.deploy(e.lab, 'v1.1.0');
  let slept = 0;
  const reportOnSleep = async (): Promise<void> => {
    slept++;
    for (const d of ['pi-a-001', 'pi-a-002', 'pi-a-003', 'pi-b-001', 'pi-b-002']) await e.report(d, 'healthy');
  };
  const waited = await checker(reportOnSleep).check(
    gateInput([e.lab], { lab: { ref: { kind: 'deployment', deploymentId: next } } }, { deviceHealth: gate() }, 'deployed'),
  );
  // a report in the very second the deployment ended does not count: the gate looks until a later one
  t.ok(slept >= 1 && slept <= 40, `waited until the devices reported in a later second (${slept} looks)`);
  t.same(brief(waited[0]), { passed: true, value: '0 of 5 devices unhealthy (0%), 0 unknown' });

  // devices that never report: the gate gives up `wait` after they finished (a virtual clock)
  const silent = await e.deploy(e.lab, 'v1.2.0');
  let offset = 0;
  const clockSleep = async (ms: number): Promise<void> => void (offset += ms);
  const r = await checker(clockSleep, () => Date.now() + offset).check(
    gateInput(
      [e.lab],
      { lab: { ref: { kind: 'deployment', deploymentId: silent } } },
      { deviceHealth: gate({ waitMs: 60_000 }) },
      'deployed',
    ),
  );
  t.ok(offset > 0 && offset <= 60_000, `waited, at most a minute (${offset} ms)`);
  t.match(brief(r[0]), {
    passed: false,
    value: '0 of 5 devices unhealthy (0%), 5 unknown (counted as unhealthy)',
    detail: /no shadow update since its deployment ended/,
  });
});

t.test('device health from hosts that report their own shadow as their deployment ends', async (t) => {
  const input = (id: string) =>
    gateInput([e.reporting], { reporting: { ref: { kind: 'deployment', deploymentId: id } } }, { deviceHealth: gate() }, 'deployed');
  const sick = await e.deploy(e.reporting, 'v2.0.0-sick');
  t.match(brief((await checker().check(input(sick)))[0]), {
    passed: false,
    value: '3 of 3 devices unhealthy (100%), 0 unknown',
    detail: /^unhealthy pi-c-001: unhealthy/,
  });
  const fine = await e.deploy(e.reporting, 'v2.0.1');
  t.same(brief((await checker().check(input(fine)))[0]), { passed: true, value: '0 of 3 devices unhealthy (0%), 0 unknown' });
});

t.test('deployment outcome: failed of finished devices, judged from min_finished', async (t) => {
  const id = await e.deploy(e.lab, 'v3.0.0-bad');
  const outcome = (maxFailed: { percent: number } | { count: number }, minFinished: number) =>
    checker()
      .check(
        gateInput(
          [e.lab],
          { lab: { status: 'failed', ref: { kind: 'deployment', deploymentId: id } } },
          { deploymentOutcome: { maxFailed, minFinished } },
          'bake',
        ),
      )
      .then((r) => r[0]);
  t.match(await outcome({ percent: 50 }, 3), {
    gate: 'deployment-outcome',
    passed: true,
    value: '2 of 5 finished devices failed (40%)',
    threshold: 'at most 2 failed (50% of 5)',
    detail: /^failed pi-b-001: ValidateService failed.*\nfailed pi-b-002: ValidateService failed/,
  });
  t.match(await outcome({ percent: 20 }, 3), { passed: false, threshold: 'at most 1 failed (20% of 5)' });
  t.match(await outcome({ count: 0 }, 6), { passed: true, value: '5 of 5 devices finished, fewer than min_finished 6: not judged' });
});
