import t from 'tap';
import { ERROR_CODES, EdgeError, isEdgeError, toEdgeError, describeError } from '../../../shared/errors.js';

t.test('every code has a diagnostic, an explicit retryable flag and an action', async (t) => {
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    t.match(code, /^[A-Z][A-Z0-9_]+$/, `${code} is SCREAMING_SNAKE`);
    t.ok(info.diagnostic >= 1 && info.diagnostic <= 7, `${code} diagnostic in 1..7`);
    t.type(info.retryable, 'boolean', `${code} retryable is explicit`);
    t.ok(info.action.length > 5, `${code} says what to do`);
  }
});

t.test('EdgeError carries code, diagnostic and details; guards test the code', async (t) => {
  const e = new EdgeError('HOOK_SCRIPT_TIMED_OUT', 'too slow', { details: { scriptName: 'a.sh' } });
  t.equal(e.diagnostic, 3);
  t.equal(e.retryable, false);
  t.ok(isEdgeError(e, 'HOOK_SCRIPT_TIMED_OUT'));
  t.notOk(isEdgeError(e, 'HOOK_SCRIPT_FAILED'));
  t.notOk(isEdgeError(new Error('x')));
  t.ok(isEdgeError({ name: 'EdgeError', code: 'INTERNAL' }), 'a copy from another module instance still matches');
  const wrapped = toEdgeError(new Error('boom'));
  t.equal(wrapped.code, 'INTERNAL');
  t.equal(wrapped.message, 'boom');
  t.equal(toEdgeError(e), e);
  t.match(describeError(e), /too slow \[HOOK_SCRIPT_TIMED_OUT\] /);
});
