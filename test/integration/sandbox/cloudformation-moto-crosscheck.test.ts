// An independent cross-check of the sandbox's CloudFormation: the same @aws-sdk/client-cloudformation
// scenario (cloudformation-moto-scenario.ts) against the sandbox and against moto_server (a
// third-party AWS stand-in) must agree on what moto implements. Always against moto's recorded
// answers (fixtures/moto-cloudformation.json, made by record-moto-shapes.ts): moto is not packaged
// for Debian; and, when moto_server is on PATH, also against a live moto_server started here.
import t, { type Test } from 'tap';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { CFN_RECORDING, cfnScenario, compareWithMoto, type CfnAnswers } from './cloudformation-moto-scenario.js';
import { liveMotoCrossCheck, MOTO_CREDENTIALS, readRecording } from './moto-server.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const recorded = readRecording<CfnAnswers>(CFN_RECORDING);

/** The scenario's answers from a fresh sandbox, closed when `t` ends. */
async function sandboxAnswers(t: Test): Promise<CfnAnswers> {
  const sb = await startSandbox({ cloudformationDelayMs: 20 });
  t.teardown(() => sb.close());
  const credentials = { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey };
  const cfn = new CloudFormationClient({ endpoint: sb.url, region: sb.region, maxAttempts: 1, credentials });
  t.teardown(() => cfn.destroy());
  return cfnScenario(cfn, () => sb.cloudformation.idle());
}

t.test(`client-cloudformation: the sandbox agrees with moto_server (${recorded.recordedWith}, recorded)`, async (t) => {
  compareWithMoto(t, await sandboxAnswers(t), recorded.answers, 'recorded');
});

liveMotoCrossCheck(t, 'client-cloudformation: the sandbox agrees with a live moto_server', recorded, async (t, url) => {
  const cfn = new CloudFormationClient({ endpoint: url, region: 'us-east-1', credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
  t.teardown(() => cfn.destroy());
  const fromMoto = await cfnScenario(cfn, async () => undefined);
  compareWithMoto(t, await sandboxAnswers(t), fromMoto, 'live');
  return fromMoto;
});
