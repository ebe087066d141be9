// The words of gate results: thresholds, percentages, durations, and evidence cut to what a
// journal entry keeps (GATE_DETAIL_BYTES). Pure.
import { failureBudgetTargets } from '../plan.js';
import type { Threshold } from '../config-types.js';

/** How many of `size` a threshold allows (percentages round down, as a wave's max_failed does). */
export const allowedOf = (t: Threshold, size: number): number => failureBudgetTargets(t, size);

/** `at most 1 unhealthy (10% of 12)`. */
export function atMost(t: Threshold, size: number, what: string): string {
  const n = allowedOf(t, size);
  return 'percent' in t ? `at most ${n} ${what} (${t.percent}% of ${size})` : `at most ${n} ${what}`;
}

/** Whole percent of `of` (0 when there is nothing). */
export const percentOf = (n: number, of: number): number => (of === 0 ? 0 : Math.round((n * 100) / of));

/** `2m`, `1h30m`, `90s` → `1m30s`, `250ms`: how a config writes durations. */
export function showDuration(ms: number): string {
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  const units: [number, string][] = [[3600_000, 'h'], [60_000, 'm'], [1000, 's']];
  let rest = ms;
  let out = '';
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The last characters of `text` that fit in `maxBytes` of UTF-8 (never half a character). */
function utf8Tail(text: string, maxBytes: number): string {
  if (bytes(text) <= maxBytes) return text;
  const chars = [...text];
  let used = 0;
  let i = chars.length;
  while (i > 0 && used + bytes(chars[i - 1] ?? '') <= maxBytes) used += bytes(chars[--i] ?? '');
  return chars.slice(i).join('');
}

/**
 * A command's output as a journal keeps it: the end of it within `maxBytes`, decoded as UTF-8,
 * control characters other than newlines replaced (a terminal escape in a report must not act on
 * the reader's terminal; a tab becomes a space). A cut output starts with `…`.
 */
export function outputTail(raw: Buffer, maxBytes: number, cut: boolean): string {
  // a chunk cut in the middle of a character decodes to U+FFFD at the start: dropped
  let text = raw.toString('utf8');
  if (cut) text = text.replace(/^\uFFFD+/, '');
  // eslint-disable-next-line no-control-regex
  text = text.replace(/\t/g, ' ').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '?');
  // invalid bytes decode to 3-byte U+FFFD: cut again to the byte budget
  const marker = '…';
  if (!cut && bytes(text) <= maxBytes) return text;
  return marker + utf8Tail(text, maxBytes - bytes(marker));
}

/** Lines joined with newlines within `maxBytes`; those that do not fit are counted in a last line. */
export function boundedLines(lines: readonly string[], maxBytes: number): string {
  const kept: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const more = lines.length - i - 1;
    // room for this line, and for the `… and N more` line should later ones not fit
    const reserve = more > 0 ? bytes(`\n… and ${more} more`) : 0;
    const size = bytes(line) + (kept.length > 0 ? 1 : 0);
    if (used + size + reserve > maxBytes) {
      const last = `… and ${lines.length - i} more`;
      return [...kept, last].join('\n');
    }
    kept.push(line);
    used += size;
  }
  return kept.join('\n');
}

/** `pi-1 (cpu_temperature, disk)`, each part cut to a sensible length. */
export function clip(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
