// The verdict rule and the duration estimate.
import t from 'tap';
import { estimateDuration, STEP_MS } from '../../../../../controller/rollout/rehearse/estimate.js';
import { mirrorEstate } from '../../../../../controller/rollout/rehearse/mirror.js';
import { parseFaults } from '../../../../../controller/rollout/rehearse/faults.js';
import { resolveFaults } from '../../../../../controller/rollout/rehearse/resolve.js';
import { faultWindows, judge } from '../../../../../controller/rollout/rehearse/verdict.js';
import { FACTS, FLEET_YML, loaded } from './fixture.js';

const DEVICES = new Map([
  ['pis@ring1', 2],
  ['pis@ring2', 6],
]);

function windowsOf(text: string, flags: Parameters<typeof parseFaults>[0]) {
  const { config, plan } = loaded(text);
  const estate = mirrorEstate(config, plan, FACTS);
  return { plan, windows: faultWindows(plan, resolveFaults(parseFaults(flags), plan, estate), DEVICES, estate.pipelineAccount) };
}

t.test('unhealthy canaries with a device health gate: halting at the canary wave is behaving', async (t) => {
  const { plan, windows } = windowsOf(FLEET_YML, { unhealthy: ['ring1:1'] });
  t.match(windows, [{ shows: 0, caughtBy: 0 }]);
  t.match(judge(plan, windows, { state: 'halted', haltedAt: 0 }), { behaved: true, haltBy: 0 });
  t.match(judge(plan, windows, { state: 'halted', haltedAt: 1 }), { behaved: false, text: /halted only at wave rest/ });
  t.match(judge(plan, windows, { state: 'succeeded' }), { behaved: false, text: /lets the bad release through/ });
});

t.test('without the gate nothing can catch it: only a halt in its own wave would be behaving', async (t) => {
  const text = FLEET_YML.replace('gates: { device_health: { max_unhealthy: 0, wait: 5m } }, ', '');
  const { plan, windows } = windowsOf(text, { unhealthy: ['ring1:1'] });
  t.match(windows, [{ shows: 0, why: /no device_health gate/ }]);
  t.equal(windows[0]?.caughtBy, undefined);
  t.match(judge(plan, windows, { state: 'succeeded' }), { behaved: false });
  // a gate that tolerates as many as were injected cannot see it either
  const lax = windowsOf(FLEET_YML.replace('max_unhealthy: 0', 'max_unhealthy: 1'), { unhealthy: ['ring1:1'] });
  t.match(lax.windows, [{ why: /tolerates 1 unhealthy of 2/ }]);
});

t.test('an alarm is caught by the first wave from its own on that watches it in its account', async (t) => {
  const early = windowsOf(FLEET_YML, { alarm: ['t1-web@canary'] });
  t.match(early.windows, [{ shows: 0, caughtBy: 2 }]);
  t.match(judge(early.plan, early.windows, { state: 'halted', haltedAt: 2 }), { behaved: true });
  const late = windowsOf(FLEET_YML, { alarm: ['t2-stack@tenants2'] });
  t.match(late.windows, [{ shows: 3, why: /no alarms gate/ }]);
});

t.test('a failing target is caught by its wave when over the failure budget', async (t) => {
  const { plan, windows } = windowsOf(FLEET_YML, { fail: ['t1-stack'] });
  t.match(windows, [{ shows: 2, caughtBy: 2 }]);
  const tolerant = windowsOf(FLEET_YML.replace('targets: [t1-stack, t1-web], ', 'targets: [t1-stack, t1-web], max_failed: 1, '), {
    fail: ['t1-stack'],
  });
  t.equal(tolerant.windows[0]?.caughtBy, undefined);
  t.match(judge(plan, windows, { state: 'halted', haltedAt: 2 }), { behaved: true });
});

t.test('no bad release: behaving is completing', async (t) => {
  const { plan } = loaded();
  t.match(judge(plan, [], { state: 'succeeded' }), { behaved: true });
  t.match(judge(plan, [], { state: 'halted', haltedAt: 1 }), { behaved: false, text: /yet the rollout halted at wave rest/ });
});

t.test('the estimate: real bakes of the waves that baked, deployment rounds by concurrency, the rollback', async (t) => {
  const { plan } = loaded();
  const steps = new Map([
    ['canary', { deployed: ['devices' as const], baked: true }],
    ['rest', { deployed: ['devices' as const], baked: false }],
    ['tenants', { deployed: ['stack' as const, 'web' as const], baked: false }],
  ]);
  const e = estimateDuration(plan, steps, ['devices']);
  t.equal(e.ms, 15 * 60_000 + STEP_MS.devices * 2 + STEP_MS.stack + STEP_MS.devices);
  t.same(
    e.waves.map((w) => w.rounds),
    [1, 1, 1],
  );
  const all = estimateDuration(plan, new Map([...steps, ['tenants2', { deployed: ['stack' as const], baked: false }]]), []);
  t.equal(all.approvals, 1);
});
