import { PassThrough } from 'node:stream';
import t from 'tap';
import { MAX_LINE_CHARS, captureLines } from '../../../../agent/hooks/output-lines.js';

t.test('splits lines, drops a trailing CR, flushes the last partial line at EOF', async (t) => {
  const stream = new PassThrough();
  const got: string[] = [];
  const cap = captureLines(stream, (lines) => got.push(...lines));
  stream.write('one\r\ntw');
  stream.write('o\n\nthr');
  stream.write(Buffer.from([0xe2, 0x82])); // a split UTF-8 euro sign
  stream.end(Buffer.from([0xac, 0x0d]));
  await cap.closed;
  t.ok(cap.ended);
  t.same(got, ['one', 'two', '', 'thr€']);
});

t.test('very long lines are delivered in pieces', async (t) => {
  const stream = new PassThrough();
  const got: string[] = [];
  const cap = captureLines(stream, (lines) => got.push(...lines));
  stream.end('x'.repeat(MAX_LINE_CHARS * 2 + 5));
  await cap.closed;
  t.same(got.map((l) => l.length), [MAX_LINE_CHARS, MAX_LINE_CHARS, 5]);
});

t.test('stop delivers the partial line and destroys the stream; errors end it too', async (t) => {
  const stream = new PassThrough();
  const got: string[] = [];
  const cap = captureLines(stream, (lines) => got.push(...lines));
  stream.write('partial');
  await new Promise((r) => setImmediate(r));
  t.notOk(cap.ended);
  cap.stop();
  await cap.closed;
  t.same(got, ['partial']);
  t.ok(stream.destroyed);
  const broken = new PassThrough();
  const cap2 = captureLines(broken, () => undefined);
  broken.destroy(new Error('boom'));
  await cap2.closed;
  t.ok(cap2.ended);
});
