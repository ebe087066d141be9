// What a virtual host does per command: durations, failure decisions, the agent's diagnostics JSON,
// and the shadow document with edge-agent's keys.
import t from 'tap';
import {
  SUCCESS_PAYLOAD,
  commandFailure,
  eventDuration,
  failurePayload,
  matchesPattern,
  seededDraw,
  shadowUpdate,
  verdictOf,
} from '../../../../sandbox/virtual-hosts/virtual-host-behaviour.js';
import { parseVirtualHostGroup, type VirtualHostBehaviour } from '../../../../sandbox/virtual-hosts/virtual-host-config.js';

const behaviour = (v: Record<string, unknown>): VirtualHostBehaviour => parseVirtualHostGroup({ names: ['h1', 'h2'], ...v }, 'vh', (p, r) => new Error(`${p}: ${r}`)).behaviour;
const ctx = (event: string, revisionKey = 'releases/v1.tgz', host = 'h1', deploymentId = 'd-AAAAAAAAA') => ({ host, deploymentId, revisionKey, event });

t.test('durations per event with a default', async (t) => {
  const b = behaviour({ eventMs: { default: 7, Install: 90 } });
  t.equal(eventDuration(b, 'Install'), 90);
  t.equal(eventDuration(b, 'ValidateService'), 7);
  t.equal(eventDuration(behaviour({}), 'Install'), 100);
});

t.test('patterns: * any run (slashes too), ? one character, the rest literal', async (t) => {
  t.ok(matchesPattern('releases/bad-*', 'releases/bad-2.tgz'));
  t.ok(matchesPattern('*', 'a/b/c'));
  t.ok(matchesPattern('v?.tgz', 'v1.tgz'));
  t.notOk(matchesPattern('v?.tgz', 'v10.tgz'));
  t.notOk(matchesPattern('releases/v1.tgz', 'releasesXv1.tgz'), 'a dot is literal');
  t.notOk(matchesPattern('(a|b)', 'a'));
});

t.test('failure decisions: failEvents alone, failHosts, failOnRevision, seeded probability', async (t) => {
  t.equal(commandFailure(behaviour({}), ctx('ValidateService')), undefined, 'healthy by default');
  t.match(commandFailure(behaviour({ failEvents: ['AfterInstall'] }), ctx('AfterInstall')), /listed in failEvents/);
  t.equal(commandFailure(behaviour({ failEvents: ['AfterInstall'] }), ctx('Install')), undefined);
  const named = behaviour({ failHosts: ['h2'] });
  t.match(commandFailure(named, ctx('ValidateService', 'k', 'h2')), /listed in failHosts/, 'ValidateService by default');
  t.equal(commandFailure(named, ctx('ValidateService', 'k', 'h1')), undefined);
  const bad = behaviour({ failOnRevision: 'releases/bad-*' });
  t.match(commandFailure(bad, ctx('ValidateService', 'releases/bad-1.tgz')), /matches failOnRevision/);
  t.equal(commandFailure(bad, ctx('ValidateService', 'releases/good-1.tgz')), undefined);
  const canaryOnly = behaviour({ failOnRevision: 'releases/bad-*', failHosts: ['h1'] });
  t.equal(commandFailure(canaryOnly, ctx('ValidateService', 'releases/bad-1.tgz', 'h2')), undefined, 'who and when combine');
  const p = behaviour({ failureProbability: 0.3, seed: 'fleet' });
  let failed = 0;
  for (let i = 0; i < 2000; i++) if (commandFailure(p, ctx('ValidateService', 'k', `host-${i}`))) failed++;
  t.ok(failed > 500 && failed < 700, `about 30% of hosts fail (${failed}/2000)`);
  t.equal(commandFailure(p, ctx('ValidateService', 'k', 'host-7')), commandFailure(p, ctx('ValidateService', 'k', 'host-7')), 'deterministic');
  t.equal(seededDraw('a', 'b'), seededDraw('a', 'b'));
  t.not(seededDraw('a', 'b'), seededDraw('ab', ''), 'parts are separated');
});

t.test("diagnostics in the agent's JSON (keys in order)", async (t) => {
  t.equal(SUCCESS_PAYLOAD, '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}');
  const hook = JSON.parse(failurePayload(ctx('AfterInstall'), 'why')) as Record<string, unknown>;
  t.same(Object.keys(hook), ['error_code', 'script_name', 'message', 'log']);
  t.match(hook, { error_code: 4, script_name: 'scripts/AfterInstall.sh', message: 'Script at specified location: scripts/AfterInstall.sh failed with exit code 1' });
  t.equal(hook['log'], 'LifecycleEvent - AfterInstall\nScript - scripts/AfterInstall.sh\n[stderr]virtual host h1: injected failure: why\n');
  t.same(JSON.parse(failurePayload(ctx('DownloadBundle'), 'why')), { error_code: 5, script_name: '', message: 'virtual host h1: injected DownloadBundle failure: why', log: '' });
});

t.test('the shadow report: verdicts, unhealthyOnRevision, deployment.last', async (t) => {
  const base = { host: 'h1', hostIdentifier: 'arn:aws:iam::200000000000:user/virtual-hosts/h1' };
  t.equal(verdictOf({ ...base, behaviour: behaviour({}) }), 'healthy');
  t.equal(verdictOf({ ...base, behaviour: behaviour({ health: 'stale' }) }), 'healthy');
  t.equal(verdictOf({ ...base, behaviour: behaviour({ health: 'unhealthy' }) }), 'unhealthy');
  const hot = behaviour({ unhealthyOnRevision: '*hot*' });
  t.equal(verdictOf({ ...base, behaviour: hot, deployedRevision: 'releases/hot.tgz' }), 'unhealthy');
  t.equal(verdictOf({ ...base, behaviour: hot, deployedRevision: 'releases/cool.tgz' }), 'healthy');
  const doc = JSON.parse(shadowUpdate({ ...base, behaviour: behaviour({ health: 'degraded' }), last: { deploymentId: 'd-1', command: 'ValidateService', at: '2026-01-01T00:00:00.000Z', status: 'Succeeded' } }));
  t.match(doc, {
    state: {
      reported: {
        agent: { version: '0.1.0-virtual' },
        identity: { thingName: 'h1', mode: 'iam-user', hostIdentifier: base.hostIdentifier },
        health: { verdict: 'degraded', checks: { cpu_temperature: { status: 'warn', unit: '°C', reason: /above the warning level of 70 °C/ }, disk_free: { status: 'ok', reason: null } } },
        deployment: { current: null, last: { deploymentId: 'd-1', command: 'ValidateService', status: 'Succeeded' } },
      },
    },
  });
  t.notOk('deployment' in JSON.parse(shadowUpdate({ ...base, behaviour: behaviour({}) })).state.reported, 'no deployment yet: no key');
});
