// The words of gate results: output tails (bounded, control characters replaced, never half a
// character), bounded lists of lines, durations as a config writes them, thresholds.
import t from 'tap';
import { atMost, boundedLines, outputTail, showDuration } from '../../../../../controller/rollout/gates/text.js';

t.test('outputTail: control characters other than newlines replaced; tabs become spaces', async (t) => {
  t.equal(outputTail(Buffer.from('ok\n\x1b[31mred\r\n\ttab\x07\x7f\n'), 100, false), 'ok\n?[31mred?\n tab??\n');
  t.equal(outputTail(Buffer.from('héllo ✓\n'), 100, false), 'héllo ✓\n', 'UTF-8 kept');
});

t.test('outputTail: a cut output starts with … and fits its bytes, never half a character', async (t) => {
  const raw = Buffer.from('✓✓✓✓✓end\n').subarray(2); // starts inside a character
  const out = outputTail(raw, 100, true);
  t.equal(out, '…✓✓✓✓end\n');
  const small = outputTail(Buffer.from('✓✓✓✓✓end\n'), 10, false);
  t.ok(Buffer.byteLength(small) <= 10, 'within the bytes');
  t.equal(small, '…✓end\n', 'the marker and as many whole characters as fit');
  // invalid bytes decode to 3-byte replacement characters: still within the budget
  const binary = outputTail(Buffer.alloc(50, 0xff), 20, false);
  t.ok(Buffer.byteLength(binary) <= 20, `binary within 20 bytes (${Buffer.byteLength(binary)})`);
});

t.test('boundedLines: whole lines, then how many more', async (t) => {
  t.equal(boundedLines(['a', 'b'], 100), 'a\nb');
  t.equal(boundedLines(['aaaa', 'bbbb', 'cccc', 'dddd'], 20), 'aaaa\n… and 3 more');
  t.equal(boundedLines([], 10), '');
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
  const out = boundedLines(lines, 200);
  t.ok(Buffer.byteLength(out) <= 200);
  t.match(out, /^line 0\nline 1\n/);
  t.match(out, /\n… and \d+ more$/);
});

t.test('showDuration and atMost', async (t) => {
  t.same([120_000, 90_000, 5_400_000, 3_600_000, 250, 1500, 1000].map(showDuration), [
    '2m',
    '1m30s',
    '1h30m',
    '1h',
    '250ms',
    '1500ms',
    '1s',
  ]);
  t.equal(atMost({ count: 2 }, 10, 'failed'), 'at most 2 failed');
  t.equal(atMost({ percent: 10 }, 25, 'unhealthy'), 'at most 2 unhealthy (10% of 25)');
});
