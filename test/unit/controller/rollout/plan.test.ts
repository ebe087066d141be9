import t from 'tap';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import { failureBudgetTargets, parseRolloutId, planRollout, rolloutIdOf } from '../../../../controller/rollout/plan.js';
import { FLEET_YML } from './fixtures.js';

const config = (() => {
  const r = parseRolloutConfig(FLEET_YML);
  if (!r.ok) throw new Error('fixture');
  return r.config;
})();

t.test('a production release: devices first, then the gold tenants', async (t) => {
  const r = planRollout(config, 'v1.2.0');
  if (!r.ok) throw new Error(r.reason);
  t.equal(r.plan.rolloutId, 'air-quality@v1.2.0@production');
  t.same(
    r.plan.waves.map((w) => [w.name, w.targets.map((x) => x.name), w.concurrency, w.maxFailedTargets]),
    [
      ['devices', ['lab-pis', 'eu-pis'], 2, 0],
      ['gold-tenants', ['unicorn', 'unicorn-web'], 2, 1],
    ],
  );
});

t.test('the rollout id is deterministic and reversible', async (t) => {
  const a = planRollout(config, 'v1.2.0-rc1');
  const b = planRollout(config, 'v1.2.0-rc1');
  t.same(a, b);
  t.equal(a.ok && a.plan.rolloutId, rolloutIdOf('air-quality', 'v1.2.0-rc1', 'staging'));
  t.same(parseRolloutId('air-quality@v1.2.0-rc1@staging'), { application: 'air-quality', version: 'v1.2.0-rc1', environment: 'staging' });
  t.equal(parseRolloutId('air-quality@../x@staging'), undefined);
});

t.test('failure budgets as counts and percentages', async (t) => {
  t.equal(failureBudgetTargets({ count: 3 }, 10), 3);
  t.equal(failureBudgetTargets({ percent: 10 }, 25), 2);
  t.equal(failureBudgetTargets({ percent: 10 }, 9), 0);
  t.equal(failureBudgetTargets({ percent: 10 }, 10), 1);
  t.equal(failureBudgetTargets({ percent: 100 }, 7), 7);
});

t.test('an unmapped release plans nothing', async (t) => {
  t.match(planRollout(config, 'nightly-5'), { ok: false, reason: /matches no environment/ });
});
