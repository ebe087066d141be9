// The pure core of the shadow reports: minimal deltas with nulls for removed keys, what the shadow
// holds after accepting one, and the reported state built from a health sample.
import t from 'tap';
import fc from 'fast-check';
import { applyReported, buildReportedState, jsonEqual, reportedDelta, withoutEmptyObjects, type JsonObject } from '../../../../agent/telemetry/shadow-reporter.js';

t.test('reportedDelta: changed keys only, nested, null for removed keys', async (t) => {
  const before: JsonObject = { agent: { version: '1.0.0' }, health: { verdict: 'healthy', checks: { a: { status: 'ok' }, b: { status: 'ok' } } }, tags: ['x'] };
  t.equal(reportedDelta(before, before), undefined, 'nothing changed: nothing to send');
  t.same(reportedDelta(undefined, before), before, 'unknown previous state: the full state');
  t.same(reportedDelta(before, { ...before, health: { verdict: 'degraded', checks: { a: { status: 'warn' } } } }), { health: { verdict: 'degraded', checks: { a: { status: 'warn' }, b: null } } });
  t.same(reportedDelta(before, { agent: { version: '1.0.0' }, tags: ['x', 'y'] }), { health: null, tags: ['x', 'y'] }, 'arrays are whole values');
  t.same(reportedDelta({ a: 1 }, { a: { b: 1 } }), { a: { b: 1 } }, 'a scalar replaced by an object');
  t.same(reportedDelta({ a: { b: 1 } }, { a: {} }), { a: null }, 'an empty object counts as absent');
});

t.test('applying the delta to the previous state gives the next state (property)', async (t) => {
  const leaf = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', 'y'), fc.boolean());
  const obj = fc.letrec<{ o: JsonObject }>((tie) => ({ o: fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof({ maxDepth: 3 }, leaf, tie('o'))) })).o;
  fc.assert(
    fc.property(obj, obj, (prev, next) => {
      const delta = reportedDelta(prev, next);
      const after = delta === undefined ? withoutEmptyObjects(prev) : applyReported(prev, delta);
      return jsonEqual(withoutEmptyObjects(after), withoutEmptyObjects(next));
    }),
    { numRuns: 500 },
  );
  t.pass('applyReported(prev, reportedDelta(prev, next)) equals next');
});

t.test('buildReportedState: checks keyed by name, readings rounded, no empty objects, no sample time', async (t) => {
  const state = buildReportedState({
    agentVersion: '1.2.3',
    identity: { thingName: 'rpi-01', mode: 'iot-certificate', hostIdentifier: 'arn:aws:sts::1:assumed-role/r/s' },
    health: { verdict: 'healthy', sampledAt: '2030-01-01T00:00:00Z', checks: [{ name: 'cpu_temperature', status: 'ok', value: 47.26, unit: '°C' }, { name: 'fan', status: 'ok', value: true }] },
    deployment: { last: { deploymentId: 'd-1', commandName: 'ValidateService', at: 't', status: 'Succeeded' } },
  });
  t.same(state, {
    agent: { version: '1.2.3' },
    identity: { thingName: 'rpi-01', mode: 'iot-certificate', hostIdentifier: 'arn:aws:sts::1:assumed-role/r/s' },
    health: { verdict: 'healthy', checks: { cpu_temperature: { status: 'ok', value: 47.3, unit: '°C' }, fan: { status: 'ok', value: true } } },
    deployment: { last: { deploymentId: 'd-1', command: 'ValidateService', at: 't', status: 'Succeeded' } },
  });
  t.notOk('deployment' in buildReportedState({ agentVersion: '1', identity: { thingName: 'x', mode: 'iam-user' } }), 'no deployment yet: no key');
});
