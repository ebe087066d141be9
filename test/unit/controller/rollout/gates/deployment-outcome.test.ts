// The deployment outcome gate: failed of finished devices (Succeeded, Failed, Skipped), judged only
// from min_finished finished devices, thresholds as counts or percents of the finished (rounded down).
import t from 'tap';
import { deploymentOutcomeResult } from '../../../../../controller/rollout/gates/deployment-outcome.js';
import type { DeploymentDevice } from '../../../../../controller/rollout/gates/device-verdicts.js';

const d = (name: string, status: string, failure?: string): DeploymentDevice => ({
  name,
  deploymentId: 'd-1',
  target: 'lab',
  status,
  ...(failure ? { failure } : {}),
});
const five = [
  d('a', 'Failed', 'ValidateService failed: exit 1'),
  d('b', 'Failed'),
  d('c', 'Succeeded'),
  d('d', 'Succeeded'),
  d('e', 'Skipped'),
  d('f', 'InProgress'),
];

t.test('failed of finished, percent rounded down', async (t) => {
  t.same(deploymentOutcomeResult({ maxFailed: { percent: 50 }, minFinished: 3 }, five), {
    gate: 'deployment-outcome',
    passed: true,
    value: '2 of 5 finished devices failed (40%)',
    threshold: 'at most 2 failed (50% of 5)',
    detail: 'failed a: ValidateService failed: exit 1\nfailed b: failed',
  });
  t.match(deploymentOutcomeResult({ maxFailed: { percent: 39 }, minFinished: 3 }, five), {
    passed: false,
    threshold: 'at most 1 failed (39% of 5)',
  });
  t.match(deploymentOutcomeResult({ maxFailed: { count: 1 }, minFinished: 1 }, five), { passed: false, threshold: 'at most 1 failed' });
  t.match(deploymentOutcomeResult({ maxFailed: { count: 0 }, minFinished: 1 }, [d('c', 'Succeeded'), d('e', 'Skipped')]), {
    passed: true,
    value: '0 of 2 finished devices failed (0%)',
  });
});

t.test('below min_finished the gate passes without judging', async (t) => {
  t.match(deploymentOutcomeResult({ maxFailed: { count: 0 }, minFinished: 6 }, five), {
    passed: true,
    value: '5 of 6 devices finished, fewer than min_finished 6: not judged',
    threshold: 'judged from 6 finished devices',
    detail: /failed a/,
  });
  t.match(deploymentOutcomeResult({ maxFailed: { count: 0 }, minFinished: 1 }, []), {
    passed: true,
    value: '0 of 0 devices finished, fewer than min_finished 1: not judged',
  });
});
