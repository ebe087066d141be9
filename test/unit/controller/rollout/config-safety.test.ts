// The safety part of fleet.yml: approval, bake and gates per wave, rollback per environment.
import t from 'tap';
import { parseRolloutConfig, formatProblems } from '../../../../controller/rollout/config-parse.js';
import { parseDuration } from '../../../../controller/rollout/config-safety.js';

const yml = (wave: string, env = ''): string => `application: aq
region: us-east-1
release: { bucket: acme-releases, parts: { device: ./device } }
targets:
  pis: { kind: devices, deployment_group: g, select: { fleet: aq } }
environments:
  - name: production
    match: 'v*'
${env}    waves:
      - name: canary
        targets: [pis]
${wave}`;

t.test('durations', async (t) => {
  t.equal(parseDuration('90s'), 90_000);
  t.equal(parseDuration('15m'), 900_000);
  t.equal(parseDuration('1h30m'), 5_400_000);
  t.equal(parseDuration('500ms'), 500);
  t.match(parseDuration('15'), /expected a duration/);
  t.match(parseDuration('1d'), /expected a duration/);
  t.match(parseDuration('25h'), /at most 24h/);
});

t.test('every gate, the bake, the approval and the rollback policy', async (t) => {
  const r = parseRolloutConfig(
    yml(
      `        approval: manual
        bake: 15m
        gates:
          device_health: { max_unhealthy: 10%, degraded: unhealthy, unknown: ignore, wait: 2m }
          deployment_outcome: { max_failed: 1, min_finished: 5 }
          alarms: [api-5xx, 'latency p99']
          command: { run: 'curl -fsS "$FLEETCTL_OUTPUT_URL"', timeout: 30s }
`,
      '    rollback: wave\n',
    ),
  );
  if (!r.ok) return t.fail(JSON.stringify(r.problems));
  const env = r.config.environments[0];
  const w = env?.waves[0];
  t.equal(env?.rollback, 'wave');
  t.equal(w?.approval, 'manual');
  t.equal(w?.bakeMs, 900_000);
  t.same(w?.gates, {
    deviceHealth: { maxUnhealthy: { percent: 10 }, degradedIsUnhealthy: true, unknown: 'ignore', waitMs: 120_000 },
    deploymentOutcome: { maxFailed: { count: 1 }, minFinished: 5 },
    alarms: ['api-5xx', 'latency p99'],
    command: { run: 'curl -fsS "$FLEETCTL_OUTPUT_URL"', timeoutMs: 30_000 },
  });
});

t.test('defaults: no gates, no bake, rollback all, health gate strict', async (t) => {
  const r = parseRolloutConfig(yml('        gates: { device_health: {} }\n'));
  if (!r.ok) return t.fail(JSON.stringify(r.problems));
  t.equal(r.config.environments[0]?.rollback, 'all');
  const w = r.config.environments[0]?.waves[0];
  t.same(w?.gates.deviceHealth, { maxUnhealthy: { count: 0 }, degradedIsUnhealthy: false, unknown: 'fail', waitMs: 300_000 });
  t.equal(w?.bakeMs, undefined);
  t.equal(w?.approval, undefined);
});

t.test('bad values are problems with their line', async (t) => {
  const r = parseRolloutConfig(
    yml(
      `        approval: sometimes
        bake: forever
        gates:
          device_health: { max_unhealthy: lots, unknown: maybe }
          alarms: []
          command: { timeout: 5m }
          smoke: yes
`,
      '    rollback: some\n',
    ),
  );
  t.notOk(r.ok);
  if (r.ok) return;
  const text = formatProblems('fleet.yml', r.problems);
  t.match(text, /fleet\.yml:9: environments\[0\]\.rollback: expected one of none, failed, wave, all/);
  t.match(text, /approval: expected manual or none/);
  t.match(text, /bake: expected a duration/);
  t.match(text, /max_unhealthy: expected a count/);
  t.match(text, /unknown: expected fail or ignore/);
  t.match(text, /alarms: expected a list of CloudWatch alarm names/);
  t.match(text, /command\.run: required/);
  t.match(text, /smoke/);
});
