// A gate command's environment: the controller's, plus the rollout, wave and target, and the
// target's outputs one variable each (names upper-cased, other characters as _) and as JSON.
import t from 'tap';
import { commandEnv, outputVariable } from '../../../../../controller/rollout/gates/command-env.js';
import { stackTarget } from './gate-fixtures.js';

t.test('output variable names', async (t) => {
  t.same(['ApiUrl', 'api-url', 'a.b c', 'x_1'].map(outputVariable), [
    'FLEETCTL_OUTPUT_APIURL',
    'FLEETCTL_OUTPUT_API_URL',
    'FLEETCTL_OUTPUT_A_B_C',
    'FLEETCTL_OUTPUT_X_1',
  ]);
});

t.test('the environment of one target', async (t) => {
  const env = commandEnv(
    { PATH: '/bin', KEEP: 'yes', FLEETCTL_OUTPUT_OLD: 'from an enclosing rollout', GONE: undefined },
    {
      rolloutId: 'app@v1@prod',
      version: 'v1',
      environment: 'prod',
      wave: 'canary',
      target: stackTarget('t1', '300000000000'),
      outputs: { Url: 'https://t1', 'api-key': 'k\0ey' },
    },
  );
  t.same(env, {
    PATH: '/bin',
    KEEP: 'yes',
    FLEETCTL_OUTPUT_URL: 'https://t1',
    FLEETCTL_OUTPUT_API_KEY: 'key',
    FLEETCTL_ROLLOUT_ID: 'app@v1@prod',
    FLEETCTL_RELEASE: 'v1',
    FLEETCTL_ENVIRONMENT: 'prod',
    FLEETCTL_WAVE: 'canary',
    FLEETCTL_TARGET: 't1',
    FLEETCTL_TARGET_KIND: 'stack',
    FLEETCTL_ACCOUNT: '300000000000',
    FLEETCTL_REGION: 'eu-west-1',
    FLEETCTL_OUTPUTS_JSON: '{"Url":"https://t1","api-key":"k\\u0000ey"}',
  });
});
