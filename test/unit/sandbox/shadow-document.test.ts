// Device Shadow document semantics (pure): validation, merge, delta, metadata, versions, limits.
import t from 'tap';
import {
  VERSION_MEMORY_SECONDS,
  applyUpdate,
  computeDelta,
  deleteShadow,
  errorDocument,
  getDocument,
  mergeSection,
  metadataOf,
  type StoredShadow,
} from '../../../sandbox/iot/shadow-document.js';
import { MAX_STATE_BYTES, ShadowError, parseOptionalRequest, parseUpdateRequest, type JsonObject } from '../../../sandbox/iot/shadow-request.js';

const T0 = 1_700_000_000;

function rejection(fn: () => unknown): { status: number; message: string; clientToken?: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ShadowError) return { status: e.status, message: e.message, ...(e.clientToken !== undefined ? { clientToken: e.clientToken } : {}) };
    throw e;
  }
  throw new Error('expected a ShadowError');
}

/** Apply a sequence of (request, time) updates from nothing. */
function history(...steps: [JsonObject, number][]): StoredShadow | undefined {
  let s: StoredShadow | undefined;
  for (const [req, ts] of steps) s = applyUpdate(s, parseUpdateRequest(JSON.stringify(req)), ts).shadow;
  return s;
}

t.test('request validation: AWS status codes and messages', async (t) => {
  const cases: [string, string | Buffer, number, string][] = [
    ['not JSON', '{"state":', 400, 'Invalid JSON'],
    ['not an object', '[1]', 400, 'Invalid JSON'],
    ['no state', '{"clientToken":"a"}', 400, 'Missing required node: state'],
    ['state not an object', '{"state":3}', 400, 'State node must be an object'],
    ['state null', '{"state":null}', 400, 'State node must be an object'],
    ['desired not an object', '{"state":{"desired":[1]}}', 400, 'Desired node must be an object'],
    ['reported not an object', '{"state":{"reported":"on"}}', 400, 'Reported node must be an object'],
    ['unknown state node', '{"state":{"delta":{}}}', 400, 'State contains an invalid node'],
    ['null inside an array', '{"state":{"desired":{"c":[null,"RED"]}}}', 400, 'State contains an invalid node'],
    ['version not an integer', '{"state":{},"version":"3"}', 400, 'Invalid version'],
    ['negative version', '{"state":{},"version":-1}', 400, 'Invalid version'],
    ['clientToken not a string', '{"state":{},"clientToken":5}', 400, 'Invalid clientToken'],
    ['clientToken over 64 bytes', JSON.stringify({ state: {}, clientToken: 'x'.repeat(65) }), 400, 'Invalid clientToken'],
    ['7 levels of nesting', '{"state":{"reported":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}', 400, 'JSON contains too many levels of nesting; maximum is 6'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 415, 'Unsupported documented encoding; supported encoding is UTF-8'],
  ];
  for (const [name, payload, status, message] of cases) {
    t.match(rejection(() => parseUpdateRequest(payload)), { status, message }, name);
  }
  t.same(parseUpdateRequest('{"state":{"reported":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}').state.reported, { a: { b: { c: { d: { e: { f: 1 } } } } } }, '6 levels are fine');
  t.equal(rejection(() => parseUpdateRequest('{"state":7,"clientToken":"tok"}')).clientToken, 'tok', 'the clientToken is echoed in rejections');
  t.same(parseUpdateRequest('{"state":{"desired":null},"version":4,"clientToken":"c","other":1}'), { state: { desired: null }, clientToken: 'c', version: 4 });
  t.same(parseOptionalRequest(undefined), {});
  t.same(parseOptionalRequest(Buffer.alloc(0)), {});
  t.same(parseOptionalRequest('{"clientToken":"g"}'), { clientToken: 'g' });
  t.match(rejection(() => parseOptionalRequest('nope')), { status: 400, message: 'Invalid JSON' });
});

t.test('merge: null deletes, objects merge, arrays and scalars replace, empty objects vanish', async (t) => {
  const cases: [string, JsonObject | undefined, JsonObject, JsonObject | undefined][] = [
    ['into nothing', undefined, { a: 1 }, { a: 1 }],
    ['adds a key', { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
    ['replaces a scalar', { a: 1 }, { a: 'x' }, { a: 'x' }],
    ['null deletes', { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ['deleting the last key empties the section', { a: 1 }, { a: null }, undefined],
    ['nested merge', { o: { x: 1, y: 2 } }, { o: { y: 3, z: 4 } }, { o: { x: 1, y: 3, z: 4 } }],
    ['nested delete prunes the emptied parent', { o: { x: 1 }, k: 1 }, { o: { x: null } }, { k: 1 }],
    ['arrays replace whole', { c: ['RED', 'GREEN', 'BLUE'] }, { c: ['RED'] }, { c: ['RED'] }],
    ['object replaces a scalar', { a: 1 }, { a: { b: 1 } }, { a: { b: 1 } }],
    ['scalar replaces an object', { a: { b: 1 } }, { a: false }, { a: false }],
    ['an empty object adds nothing', { a: 1 }, { e: {} }, { a: 1 }],
    ['__proto__ is an ordinary key', {}, JSON.parse('{"__proto__":{"p":1}}') as JsonObject, JSON.parse('{"__proto__":{"p":1}}') as JsonObject],
  ];
  for (const [name, base, patch, expected] of cases) {
    const got = mergeSection(base, undefined, patch, T0).value;
    t.same(got === undefined ? undefined : JSON.parse(JSON.stringify(got)), expected, name);
  }
  t.equal(({} as { p?: number }).p, undefined, 'no prototype was polluted');
});

t.test('metadata mirrors the value with per-leaf timestamps, updated only where written', async (t) => {
  t.same(metadataOf({ a: 1, o: { b: 'x' }, arr: [1, { c: 2 }] }, T0), { a: { timestamp: T0 }, o: { b: { timestamp: T0 } }, arr: [{ timestamp: T0 }, { c: { timestamp: T0 } }] });
  const s = history([{ state: { reported: { a: 1, o: { b: 1, c: 1 } } } }, T0], [{ state: { reported: { o: { c: 2 } } } }, T0 + 10]);
  t.same(s?.metadata.reported, { a: { timestamp: T0 }, o: { b: { timestamp: T0 }, c: { timestamp: T0 + 10 } } });
  const cleared = history([{ state: { desired: { a: 1 }, reported: { a: 1 } } }, T0], [{ state: { desired: null } }, T0 + 1]);
  t.same(cleared?.state, { reported: { a: 1 } }, 'desired: null removes the section');
  t.same(cleared?.metadata, { reported: { a: { timestamp: T0 } } });
});

t.test('delta: desired keys whose value differs from reported, recursively', async (t) => {
  const cases: [string, JsonObject | undefined, JsonObject | undefined, JsonObject | undefined][] = [
    ['no desired', undefined, { a: 1 }, undefined],
    ['equal', { a: 1 }, { a: 1 }, undefined],
    ['differs', { a: 1, b: 2 }, { a: 1, b: 3 }, { b: 2 }],
    ['missing from reported', { a: 1 }, undefined, { a: 1 }],
    ['reported-only keys are left out', { a: 1 }, { a: 1, z: 9 }, undefined],
    ['nested', { o: { x: 1, y: 2 } }, { o: { x: 1, y: 5 } }, { o: { y: 2 } }],
    ['arrays compare whole', { c: [1, 2] }, { c: [1, 2] }, undefined],
    ['arrays differ', { c: [1, 2] }, { c: [2, 1] }, { c: [1, 2] }],
    ['object vs scalar', { o: { x: 1 } }, { o: 3 }, { o: { x: 1 } }],
  ];
  for (const [name, desired, reported, expected] of cases) t.same(computeDelta(desired, reported), expected, name);
});

t.test('update: versions, accepted/documents/delta documents, clientToken', async (t) => {
  const first = applyUpdate(undefined, parseUpdateRequest('{"state":{"desired":{"color":"red"}},"clientToken":"c1"}'), T0);
  t.equal(first.shadow.version, 1, 'a new shadow starts at version 1');
  t.same(first.accepted, { state: { desired: { color: 'red' } }, metadata: { desired: { color: { timestamp: T0 } } }, version: 1, timestamp: T0, clientToken: 'c1' });
  t.same(first.documents, { current: { state: { desired: { color: 'red' } }, metadata: { desired: { color: { timestamp: T0 } } }, version: 1 }, timestamp: T0, clientToken: 'c1' }, 'no previous for a new shadow');
  t.same(first.delta, { version: 1, timestamp: T0, state: { color: 'red' }, metadata: { color: { timestamp: T0 } }, clientToken: 'c1' });

  const second = applyUpdate(first.shadow, parseUpdateRequest('{"state":{"reported":{"color":"red"}},"version":1}'), T0 + 5);
  t.equal(second.shadow.version, 2);
  t.equal(second.delta, undefined, 'a reported-only update publishes no delta');
  t.same((second.documents as { previous: unknown }).previous, { state: { desired: { color: 'red' } }, metadata: { desired: { color: { timestamp: T0 } } }, version: 1 });
  t.notOk('clientToken' in second.accepted, 'no clientToken when none was sent');

  const third = applyUpdate(second.shadow, parseUpdateRequest('{"state":{"desired":{"color":"red","mode":"eco"}}}'), T0 + 6);
  t.same(third.delta?.['state'], { mode: 'eco' }, 'the delta holds only the differing keys');

  t.match(rejection(() => applyUpdate(second.shadow, parseUpdateRequest('{"state":{},"version":1,"clientToken":"v"}'), T0)), { status: 409, message: 'Version conflict', clientToken: 'v' });
  t.match(rejection(() => applyUpdate(undefined, parseUpdateRequest('{"state":{},"version":3}'), T0)), { status: 409 }, 'a new shadow has version 0');
  t.equal(applyUpdate(undefined, parseUpdateRequest('{"state":{},"version":0}'), T0).shadow.version, 1);
  t.same(third.accepted['state'], { desired: { color: 'red', mode: 'eco' } }, 'accepted echoes the request state');
  const nulled = applyUpdate(third.shadow, parseUpdateRequest('{"state":{"desired":{"mode":null}}}'), T0 + 7);
  t.same(nulled.accepted['state'], { desired: { mode: null } });
  t.same(nulled.accepted['metadata'], { desired: { mode: { timestamp: T0 + 7 } } });
});

t.test('size limit: 8 KB of desired + reported state (metadata does not count)', async (t) => {
  const big = 'x'.repeat(MAX_STATE_BYTES - 40);
  const ok = applyUpdate(undefined, parseUpdateRequest(JSON.stringify({ state: { reported: { big } } })), T0);
  t.ok(Buffer.byteLength(JSON.stringify(ok.shadow.state)) <= MAX_STATE_BYTES);
  t.match(rejection(() => applyUpdate(ok.shadow, parseUpdateRequest(JSON.stringify({ state: { desired: { more: 'y'.repeat(100) } }, clientToken: 's' })), T0)), {
    status: 413,
    message: 'The payload exceeds the maximum size allowed',
    clientToken: 's',
  });
  t.ok(applyUpdate(ok.shadow, parseUpdateRequest(JSON.stringify({ state: { reported: { big: 'small' } } })), T0), 'shrinking is fine');
});

t.test('get and delete: 404 when absent, versions continue after a delete for 48 hours', async (t) => {
  t.match(rejection(() => getDocument(undefined, 'rpi-01', T0)), { status: 404, message: "No shadow exists with name: 'rpi-01'" });
  const s = history([{ state: { desired: { a: 1 }, reported: { a: 2 } } }, T0]);
  t.same(getDocument(s, 'rpi-01', T0 + 1, 'g'), {
    state: { desired: { a: 1 }, reported: { a: 2 }, delta: { a: 1 } },
    metadata: { desired: { a: { timestamp: T0 } }, reported: { a: { timestamp: T0 } } },
    version: 1,
    timestamp: T0 + 1,
    clientToken: 'g',
  });
  t.match(rejection(() => deleteShadow(s, 'rpi-01', { version: 7 }, T0)), { status: 409 });
  const del = deleteShadow(s, 'rpi-01', { clientToken: 'd' }, T0 + 2);
  t.same(del.accepted, { version: 1, timestamp: T0 + 2, clientToken: 'd' });
  t.match(rejection(() => getDocument(del.shadow, 'rpi-01', T0 + 3)), { status: 404 });
  t.match(rejection(() => deleteShadow(del.shadow, 'rpi-01', {}, T0 + 3)), { status: 404 });
  const again = applyUpdate(del.shadow, parseUpdateRequest('{"state":{"reported":{"b":1}}}'), T0 + 4);
  t.equal(again.shadow.version, 2, 're-created within 48 h: the version continues');
  t.same(again.shadow.state, { reported: { b: 1 } }, 'nothing of the deleted state survives');
  t.notOk('previous' in again.documents);
  t.equal(applyUpdate(del.shadow, parseUpdateRequest('{"state":{}}'), T0 + 2 + VERSION_MEMORY_SECONDS).shadow.version, 1, 'after 48 h it starts over');
  t.same(errorDocument(new ShadowError(409, 'Version conflict', 'k'), T0), { code: 409, message: 'Version conflict', timestamp: T0, clientToken: 'k' });
});
