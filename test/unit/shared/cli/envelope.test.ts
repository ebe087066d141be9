import t from 'tap';
import { envelope, errorEnvelope, errorLine, jsonText, schemaName } from '../../../../shared/cli/envelope.js';
import { EdgeError } from '../../../../shared/errors.js';

t.test('schema names program, command and version; the data stays beside it', async (t) => {
  t.equal(schemaName('fleetctl', 'sandbox.start', 1), 'fleetctl.sandbox.start/v1');
  const doc = envelope('edge-agent', 'status', 2, { schemaVersion: 1, schema: 'old', rootDir: '/r', running: false });
  t.same(doc, { schema: 'edge-agent.status/v2', rootDir: '/r', running: false }, 'an own schema or schemaVersion is replaced');
  t.equal(Object.keys(doc)[0], 'schema', 'schema comes first');
  t.equal(jsonText({ a: 1 }), '{\n  "a": 1\n}\n');
});

t.test('errors: code, message, action, exit, details; anything else is INTERNAL', async (t) => {
  const e = new EdgeError('CONFIG_NOT_FOUND', 'no file', { details: { path: '/x' } });
  t.same(errorEnvelope('fleetctl', 'register', 1, e), {
    schema: 'fleetctl.register/v1',
    error: { code: 'CONFIG_NOT_FOUND', message: 'no file', action: e.action, exit: 2, details: { path: '/x' } },
  });
  t.match(errorEnvelope('fleetctl', 'ls', 1, new Error('boom')), { error: { code: 'INTERNAL', message: 'boom', exit: 1 } });
  t.notOk('details' in errorEnvelope('fleetctl', 'ls', 1, new EdgeError('CLI_USAGE', 'x')).error, 'no empty details');
  t.match(errorLine(e), /^ERROR: no file \[CONFIG_NOT_FOUND\] Create it/);
});
