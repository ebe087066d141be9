// The IoT data plane over HTTPS against startSandbox, with the real @aws-sdk/client-iot-data-plane:
// classic and named shadows, versions, errors as the SDK's modeled exceptions, persistence.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  InvalidRequestException,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  PublishCommand,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

function dataClient(sb: Sandbox, secretAccessKey = sb.root.secretAccessKey): IoTDataPlaneClient {
  return new IoTDataPlaneClient({ endpoint: sb.url, region: sb.region, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey }, maxAttempts: 1 });
}

const decode = (payload: Uint8Array | undefined): Record<string, unknown> => JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
const body = (doc: unknown): Uint8Array => Buffer.from(JSON.stringify(doc));

async function rejects<T extends Error>(t: Test, p: Promise<unknown>, type: new (...args: never[]) => T, message: RegExp | string, what: string): Promise<T | undefined> {
  try {
    await p;
    t.fail(`${what}: expected ${type.name}`);
  } catch (e) {
    t.type(e, type, what);
    t.match((e as Error).message, message, `${what}: message`);
    return e as T;
  }
  return undefined;
}

// One in-memory sandbox for the tests below (each uses its own things).
const sb = await startSandbox();
t.teardown(() => sb.close());
const iot = dataClient(sb);
t.teardown(() => iot.destroy());

t.test('classic shadow: update, get with delta, version conflict, delete', async (t) => {

  await rejects(t, iot.send(new GetThingShadowCommand({ thingName: 'rpi-01' })), ResourceNotFoundException, "No shadow exists with name: 'rpi-01'", 'get before any update');

  const up = await iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: body({ state: { desired: { color: 'red', power: 'on' } }, clientToken: 'tok-1' }) }));
  const accepted = decode(up.payload);
  t.match(accepted, { state: { desired: { color: 'red', power: 'on' } }, version: 1, clientToken: 'tok-1' });
  t.type(accepted['timestamp'], 'number');
  t.type((accepted['metadata'] as { desired: { color: { timestamp: unknown } } }).desired.color.timestamp, 'number');

  await iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: body({ state: { reported: { color: 'red', power: 'off' } }, version: 1 }) }));
  const got = decode((await iot.send(new GetThingShadowCommand({ thingName: 'rpi-01' }))).payload);
  t.match(got, { state: { desired: { color: 'red', power: 'on' }, reported: { color: 'red', power: 'off' }, delta: { power: 'on' } }, version: 2 });

  const conflict = await rejects(t, iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: body({ state: { reported: { power: 'on' } }, version: 1 }) })), ConflictException, 'Version conflict', 'stale version');
  t.equal(conflict?.$metadata.httpStatusCode, 409);

  await rejects(t, iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: Buffer.from('{"state":') })), InvalidRequestException, 'Invalid JSON', 'invalid JSON');
  await rejects(t, iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: body({ desired: {} }) })), InvalidRequestException, 'Missing required node: state', 'no state');
  const tooBig = await rejects(
    t,
    iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: body({ state: { reported: { blob: 'x'.repeat(9000) } } }) })),
    RequestEntityTooLargeException,
    'The payload exceeds the maximum size allowed',
    'over 8 KB of state',
  );
  t.equal(tooBig?.$metadata.httpStatusCode, 413);
  await rejects(t, iot.send(new GetThingShadowCommand({ thingName: 'bad/name' })), InvalidRequestException, /Invalid thing name/, 'invalid thing name');

  const del = decode((await iot.send(new DeleteThingShadowCommand({ thingName: 'rpi-01' }))).payload);
  t.match(del, { version: 2 });
  t.type(del['timestamp'], 'number');
  await rejects(t, iot.send(new GetThingShadowCommand({ thingName: 'rpi-01' })), ResourceNotFoundException, /No shadow exists/, 'get after delete');
  await rejects(t, iot.send(new DeleteThingShadowCommand({ thingName: 'rpi-01' })), ResourceNotFoundException, /No shadow exists/, 'delete twice');
  const recreated = decode((await iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-01', payload: body({ state: { reported: { b: 1 } } }) }))).payload);
  t.equal(recreated['version'], 3, 'the version continues after a delete');
});

t.test('named shadows: separate documents, listed with pagination', async (t) => {

  for (const name of ['telemetry', 'config', 'agent']) {
    await iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-02', shadowName: name, payload: body({ state: { reported: { name } } }) }));
  }
  await iot.send(new UpdateThingShadowCommand({ thingName: 'rpi-02', payload: body({ state: { reported: { classic: true } } }) }));
  const config = decode((await iot.send(new GetThingShadowCommand({ thingName: 'rpi-02', shadowName: 'config' }))).payload);
  t.match(config, { state: { reported: { name: 'config' } }, version: 1 });
  t.notOk('classic' in (config['state'] as { reported: object }).reported, 'named shadows are separate from the classic one');
  await rejects(t, iot.send(new GetThingShadowCommand({ thingName: 'rpi-02', shadowName: 'nope' })), ResourceNotFoundException, "No shadow exists with name: 'nope'", 'unknown named shadow');

  const all = await iot.send(new ListNamedShadowsForThingCommand({ thingName: 'rpi-02' }));
  t.same(all.results, ['agent', 'config', 'telemetry'], 'sorted; the classic shadow is not listed');
  t.equal(all.nextToken, undefined);
  t.type(all.timestamp, 'number');
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListNamedShadowsForThingCommand({ thingName: 'rpi-02', pageSize: 2, ...(nextToken ? { nextToken } : {}) }));
    t.ok((page.results ?? []).length <= 2);
    names.push(...(page.results ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  t.same(names, ['agent', 'config', 'telemetry'], 'pages add up to the whole list');

  await iot.send(new DeleteThingShadowCommand({ thingName: 'rpi-02', shadowName: 'agent' }));
  t.same((await iot.send(new ListNamedShadowsForThingCommand({ thingName: 'rpi-02' }))).results, ['config', 'telemetry'], 'deleted shadows are not listed');
  t.same((await iot.send(new ListNamedShadowsForThingCommand({ thingName: 'no-shadows' }))).results, []);
});

t.test('Publish is accepted; requests need a valid SigV4 signature', async (t) => {
  const out = await iot.send(new PublishCommand({ topic: 'dt/rpi-01/health', qos: 1, payload: body({ cpu: 3 }) }));
  t.equal(out.$metadata.httpStatusCode, 200);
  await rejects(t, iot.send(new PublishCommand({ topic: 'dt/+/health', payload: body({}) })), InvalidRequestException, /wildcards/, 'wildcard topic');

  const forged = dataClient(sb, 'not-the-secret');
  t.teardown(() => forged.destroy());
  try {
    await forged.send(new GetThingShadowCommand({ thingName: 'rpi-01' }));
    t.fail('a bad signature must be refused');
  } catch (e) {
    t.equal((e as { name: string }).name, 'InvalidSignatureException');
    t.equal((e as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode, 403);
  }
});

t.test('shadows survive a sandbox restart with a state dir', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iot-shadows-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await startSandbox({ dir });
  const a = dataClient(first);
  await a.send(new UpdateThingShadowCommand({ thingName: 'rpi-03', payload: body({ state: { reported: { fw: '1.2.3' } } }) }));
  await a.send(new UpdateThingShadowCommand({ thingName: 'rpi-03', shadowName: 'cfg', payload: body({ state: { desired: { interval: 60 } } }) }));
  a.destroy();
  await first.close();

  const second = await startSandbox({ dir });
  t.teardown(() => second.close());
  const b = dataClient(second);
  t.teardown(() => b.destroy());
  t.match(decode((await b.send(new GetThingShadowCommand({ thingName: 'rpi-03' }))).payload), { state: { reported: { fw: '1.2.3' } }, version: 1 });
  t.match(decode((await b.send(new GetThingShadowCommand({ thingName: 'rpi-03', shadowName: 'cfg' }))).payload), { state: { desired: { interval: 60 }, delta: { interval: 60 } } });
  const next = decode((await b.send(new UpdateThingShadowCommand({ thingName: 'rpi-03', payload: body({ state: { reported: { fw: '1.2.4' } }, version: 1 }) }))).payload);
  t.equal(next['version'], 2, 'the version continues after the restart');
});
