import t from 'tap';
import { awsEnvironment, openFleetContext } from '../../../controller/context.js';
import type { Reporter } from '../../../controller/output/progress.js';

t.test('region: the flag, then AWS_REGION, then AWS_DEFAULT_REGION; absent when none', async (t) => {
  t.equal(awsEnvironment({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' }, { region: 'ap-south-1' }).region, 'ap-south-1');
  t.equal(awsEnvironment({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' }, {}).region, 'eu-west-1');
  t.equal(awsEnvironment({ AWS_DEFAULT_REGION: 'us-east-1' }, {}).region, 'us-east-1');
  t.notOk('region' in awsEnvironment({}, {}));
});

t.test('endpoints: --endpoint-url for every service, else AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL', async (t) => {
  const env = { AWS_ENDPOINT_URL: 'http://all', AWS_ENDPOINT_URL_IOT_DATA_PLANE: 'http://data', AWS_ENDPOINT_URL_CODEDEPLOY: 'http://cd' };
  const e = awsEnvironment(env, {});
  t.equal(e.endpoints.iotdata, 'http://data', 'the data plane endpoint skips discovery');
  t.equal(e.endpoints.codedeploy, 'http://cd');
  t.equal(e.endpoints.iam, 'http://all');
  t.same(new Set(Object.values(awsEnvironment(env, { endpointUrl: 'http://flag' }).endpoints)), new Set(['http://flag']));
  t.same(awsEnvironment({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, {}).endpoints, {});
  t.same(awsEnvironment({}, {}).endpoints, {});
});

t.test('EDGE_IOT_CA becomes the default IoT CA', async (t) => {
  t.equal(awsEnvironment({ EDGE_IOT_CA: '/ca.pem' }, {}).iotCa, '/ca.pem');
});

const reporter: Reporter = { progress: () => ({ tick: () => undefined, done: () => undefined }), note: () => undefined };

t.test('bad global flags are usage errors before any AWS work', async (t) => {
  await t.rejects(openFleetContext({ tps: 'nosuch=1' }, { env: {}, reporter, logStream: process.stderr }), { code: 'CLI_USAGE', message: /--tps: unknown service/ });
  await t.rejects(openFleetContext({ concurrency: 0 }, { env: {}, reporter, logStream: process.stderr }), { code: 'CLI_USAGE', message: /--concurrency/ });
});
