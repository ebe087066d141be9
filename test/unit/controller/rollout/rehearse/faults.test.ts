// The rehearsal's fault flags: their shapes, and what they name checked against the plan (usage errors, exit 2).
import t from 'tap';
import { isEdgeError } from '../../../../../shared/errors.js';
import {
  parseAlarm,
  parseFailRate,
  parseFaults,
  parseTimeScale,
  parseUnhealthy,
} from '../../../../../controller/rollout/rehearse/faults.js';
import { mirrorEstate } from '../../../../../controller/rollout/rehearse/mirror.js';
import { resolveFaults, UNWATCHED_ALARM } from '../../../../../controller/rollout/rehearse/resolve.js';
import { FACTS, FLEET_YML, loaded, T1 } from './fixture.js';

const FLEET_NO_ALARMS = FLEET_YML.replace('gates: { alarms: [t-errors] }', 'concurrency: 1');

/** `fn` throws CLI_USAGE (exit 2) with a message matching `re`. */
function usage(fn: () => unknown, re: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  t.ok(isEdgeError(thrown, 'CLI_USAGE'), `a usage error: ${String(thrown)}`);
  t.match((thrown as Error | undefined)?.message ?? '', re);
}

t.test('--unhealthy shapes', async (t) => {
  t.same(parseUnhealthy('ring1:2'), { raw: 'ring1:2', ring: 1, count: 2 });
  t.same(parseUnhealthy('pis@ring2:1'), { raw: 'pis@ring2:1', target: 'pis@ring2', count: 1 });
  t.same(parseUnhealthy('lab-a:3'), { raw: 'lab-a:3', target: 'lab-a', count: 3 });
  usage(() => parseUnhealthy('ring1'), /expected ringN:K/);
  usage(() => parseUnhealthy('ring0:1'), /start at 1/);
  usage(() => parseUnhealthy('lab-a:0'), /expected/);
});

t.test('--alarm, --fail-rate and --time-scale shapes', async (t) => {
  t.same(parseAlarm('t1-stack@wave3'), { raw: 't1-stack@wave3', target: 't1-stack', wave: 'wave3' });
  t.same(parseAlarm('pis@ring1@canary'), { raw: 'pis@ring1@canary', target: 'pis@ring1', wave: 'canary' });
  usage(() => parseAlarm('t1-stack'), /TARGET@WAVE/);
  usage(() => parseAlarm('pis@ring1'), /TARGET@WAVE/);
  t.equal(parseFailRate(undefined), 0);
  t.equal(parseFailRate('0.05'), 0.05);
  usage(() => parseFailRate('0.9'), /from 0 to 0.5/);
  usage(() => parseFailRate('lots'), /probability/);
  t.equal(parseTimeScale(undefined), 0.001);
  t.equal(parseTimeScale('0.01'), 0.01);
  usage(() => parseTimeScale('0'), /above 0/);
  usage(() => parseTimeScale('2'), /at most 1/);
});

t.test('faults resolved against the plan: waves, deterministic hosts, alarms', async (t) => {
  const { config, plan } = loaded();
  const estate = mirrorEstate(config, plan, FACTS);
  const specs = parseFaults({ unhealthy: ['ring1:1'], alarm: ['t1-web@3'], fail: ['t2-stack'], failRate: '0.05' });
  const r = resolveFaults(specs, plan, estate);
  t.equal(r.failRate, 0.05);
  const [u] = r.unhealthy;
  t.equal(u?.target, 'pis@ring1');
  t.equal(u?.wave, 0);
  t.equal(u?.hosts.length, 1);
  t.same(resolveFaults(specs, plan, estate).unhealthy[0]?.hosts, u?.hosts, 'the same hosts every time');
  t.same(r.alarms[0], { fault: 't1-web@3', target: 't1-web', wave: 2, account: T1, region: 'us-east-1', alarms: ['t-errors'] });
  t.match(r.fail[0], { target: 't2-stack', kind: 'stack', wave: 3 });
  // a target in no wave with an alarms gate: the config's alarms; none at all: an unwatched one
  t.same(resolveFaults(parseFaults({ alarm: ['t2-stack@tenants2'] }), plan, estate).alarms[0]?.alarms, ['t-errors']);
  const bare = loaded(FLEET_NO_ALARMS);
  const bareEstate = mirrorEstate(bare.config, bare.plan, FACTS);
  t.same(resolveFaults(parseFaults({ alarm: ['t1-stack@2'] }), bare.plan, bareEstate).alarms[0]?.alarms, [UNWATCHED_ALARM]);
});

t.test('names the plan does not have are usage errors', async () => {
  const { config, plan } = loaded();
  const estate = mirrorEstate(config, plan, FACTS);
  usage(() => resolveFaults(parseFaults({ unhealthy: ['nope@ring1:1'] }), plan, estate), /no target nope@ring1/);
  usage(() => resolveFaults(parseFaults({ unhealthy: ['ring1:3'] }), plan, estate), /has 2 device/);
  usage(() => resolveFaults(parseFaults({ unhealthy: ['t1-stack:1'] }), plan, estate), /stack target/);
  usage(() => resolveFaults(parseFaults({ alarm: ['t1-stack@wave9'] }), plan, estate), /no wave wave9/);
  usage(() => resolveFaults(parseFaults({ fail: ['t1-web'] }), plan, estate), /web target/);
});
