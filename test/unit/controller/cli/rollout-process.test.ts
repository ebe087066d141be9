// The rollout commands' process effects: interrupts() turns SIGINT/SIGTERM into an aborted signal
// (once each, so a second signal still ends the process), and only when a command asks for it.
import t from 'tap';
import { processRolloutDeps } from '../../../../controller/cli/rollout-process.js';

const facts = { env: {}, stderr: { write: () => true }, self: ['node', 'main.js'], pid: 1 };

t.test('interrupts() registers SIGINT and SIGTERM once and aborts on either', async (t) => {
  const handlers = new Map<string, () => void>();
  const deps = processRolloutDeps({ ...facts, onceSignal: (sig, fn) => void handlers.set(sig, fn) });
  t.same([...handlers.keys()], [], 'nothing registered until a command asks');
  const signal = deps.interrupts?.();
  t.same([...handlers.keys()], ['SIGINT', 'SIGTERM']);
  t.equal(signal?.aborted, false);
  handlers.get('SIGTERM')?.();
  t.equal(signal?.aborted, true);
  t.match(signal?.reason, { message: 'interrupted (SIGTERM)' });
});

t.test('without signal handling there are no interrupts', async (t) => {
  t.equal(processRolloutDeps(facts).interrupts, undefined);
});
