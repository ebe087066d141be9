// An independent cross-check of the sandbox's IoT response shapes: the same @aws-sdk/client-iot calls
// (iot-moto-scenario.ts) made against moto_server (a third-party AWS stand-in) and against the sandbox
// must parse into the same members with the same types, and fail with the same errors. Always against
// moto's recorded shapes (fixtures/moto-iot-shapes.json, made by record-moto-shapes.ts): moto is not
// packaged for Debian; and, when moto_server is on PATH, also against a live moto_server started here.
import t, { type Test } from 'tap';
import { IoTClient } from '@aws-sdk/client-iot';
import { startIotSandbox } from './iot-harness.js';
import { compareWithMoto, IOT_RECORDING, scenario, shapesOf, type Shapes } from './iot-moto-scenario.js';
import { liveMotoCrossCheck, MOTO_CREDENTIALS, readRecording } from './moto-server.js';

const recorded = readRecording<Shapes>(IOT_RECORDING);

async function sandboxShapes(t: Test): Promise<Shapes> {
  const { iot } = await startIotSandbox(t);
  return shapesOf(await scenario(iot));
}

t.test(`client-iot parses the sandbox and moto_server (${recorded.recordedWith}, recorded) alike`, async (t) => {
  compareWithMoto(t, await sandboxShapes(t), recorded.answers, 'recorded');
});

liveMotoCrossCheck(t, 'client-iot parses the sandbox and a live moto_server alike', recorded, async (t, url) => {
  const iot = new IoTClient({ endpoint: url, region: 'us-east-1', credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
  t.teardown(() => iot.destroy());
  const fromMoto = shapesOf(await scenario(iot));
  compareWithMoto(t, await sandboxShapes(t), fromMoto, 'live');
  return fromMoto;
});
