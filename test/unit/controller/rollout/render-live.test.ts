import t from 'tap';
import { LiveView, liveMode } from '../../../../controller/rollout/render-live.js';

const waves = [{ name: 'devices', targets: ['lab', 'eu'] }];
const at = () => new Date('2030-01-01T00:00:00Z');

t.test('plain lines: one per change, repeated progress left out, control characters shown as ?', async (t) => {
  const out: string[] = [];
  const v = new LiveView({ isTTY: false, write: (s) => void out.push(s) }, 'lines', waves, at);
  v.onEvent({ type: 'wave', wave: 'devices', status: 'started' });
  v.onEvent({ type: 'target', target: 'lab', status: 'in-progress', detail: '1/5 devices' });
  v.onEvent({ type: 'target', target: 'lab', status: 'in-progress', detail: '1/5 devices' });
  v.onEvent({ type: 'target', target: 'eu', status: 'failed', detail: 'bad\x1b[2Jthing\nnext' });
  v.onEvent({ type: 'finished', outcome: 'halted', reason: 'wave devices' });
  t.same(out, ['wave devices: started\n', '  lab: in-progress 1/5 devices\n', '  eu: failed bad?[2Jthing next\n', 'rollout halted: wave devices\n']);
});

t.test('a terminal gets the block redrawn in place', async (t) => {
  const out: string[] = [];
  const v = new LiveView({ isTTY: true, write: (s) => void out.push(s) }, 'tty', waves, at);
  v.onEvent({ type: 'target', target: 'lab', status: 'succeeded' });
  v.onEvent({ type: 'target', target: 'eu', status: 'in-progress', detail: '2/3 devices' });
  t.match(out[0], /^wave devices pending\n {2}✓ lab\s+succeeded/);
  t.ok(out[1]?.startsWith('\x1b[3A\x1b[J'), 'cursor up 3 lines, clear below');
  t.match(out[1], /… eu\s+in-progress 2\/3 devices/);
});

t.test('--json: NDJSON events', async (t) => {
  const out: string[] = [];
  t.equal(liveMode(true, { isTTY: true, write: () => undefined }), 'ndjson');
  t.equal(liveMode(false, { isTTY: false, write: () => undefined }), 'lines');
  const v = new LiveView({ isTTY: false, write: (s) => void out.push(s) }, 'ndjson', waves, at);
  v.onEvent({ type: 'target', target: 'lab', status: 'deploying' });
  t.same(JSON.parse(out[0] ?? ''), { at: '2030-01-01T00:00:00.000Z', type: 'target', target: 'lab', status: 'deploying' });
});
