// Records what moto_server (a third-party AWS stand-in, Python) answers to the cross-checks'
// scenarios: the IoT calls' shapes into fixtures/moto-iot-shapes.json and the CloudFormation
// scenario's answers into fixtures/moto-cloudformation.json. iot-moto-crosscheck.test.ts and
// cloudformation-moto-crosscheck.test.ts always compare the sandbox with these recordings (the
// suite needs no moto: it is not packaged for Debian) and, where moto_server is on PATH, with the
// live moto too. Re-record after upgrading moto or changing a scenario, on a machine with it
// (`pip install 'moto[server]'`):
//   node --import tsx test/integration/sandbox/record-moto-shapes.ts
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { IoTClient } from '@aws-sdk/client-iot';
import { fileURLToPath } from 'node:url';
import { CFN_RECORDING, cfnScenario } from './cloudformation-moto-scenario.js';
import { IOT_RECORDING, scenario, shapesOf } from './iot-moto-scenario.js';
import { MOTO_CREDENTIALS, motoVersion, startMotoServer, writeRecording } from './moto-server.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

async function record(): Promise<void> {
  const version = motoVersion();
  if (!version) throw new Error("moto is not installed (pip install 'moto[server]'): python3 cannot import it");
  const client = { region: 'us-east-1', credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
  // one fresh moto per scenario: each starts from an empty account
  for (const [file, run] of [
    [IOT_RECORDING, async (url: string) => {
      const iot = new IoTClient({ ...client, endpoint: url });
      try {
        return shapesOf(await scenario(iot));
      } finally {
        iot.destroy();
      }
    }],
    [CFN_RECORDING, async (url: string) => {
      const cfn = new CloudFormationClient({ ...client, endpoint: url });
      try {
        return await cfnScenario(cfn, async () => undefined);
      } finally {
        cfn.destroy();
      }
    }],
  ] as const) {
    const moto = await startMotoServer();
    try {
      const answers = await run(moto.url);
      writeRecording(file, { recordedWith: version, answers });
      process.stdout.write(`recorded ${Object.keys(answers).length} answers from ${version} into ${fileURLToPath(file)}\n`);
    } finally {
      await moto.stop();
    }
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  record().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
