// SELinux MLS ranges as the official RangeInfo parses them: s<low>[-s<high>][:c<a>[.c<b>](,c<a>[.c<b>])*].
// high >= low; categories 0..1023; a category range must ascend; no category twice. Messages and the order of the
// checks are RangeInfo's (its short texts such as "invalid sensitivity s-1" are the official ones).
// One deliberate difference: a category list with no entries at all (e.g. "s0:,") is rejected; Ruby would accept it
// and emit the malformed range "s0:".

import { APPSPEC_MESSAGES } from './messages.js';
import type { AppSpecIssue } from './types.js';

export interface SelinuxRange {
  readonly lowSensitivity: bigint;
  readonly highSensitivity: bigint;
  /** Sorted, unique; undefined when the range has no ':' part. */
  readonly categories?: readonly number[];
}

export type SelinuxRangeResult = { readonly ok: true; readonly range: SelinuxRange } | { readonly ok: false; readonly issue: AppSpecIssue };

class SelinuxRangeFailure extends Error {}

const fail = (message: string): never => {
  throw new SelinuxRangeFailure(message);
};

/** Ruby `input.split(sep, 2)` after checking both halves are non-empty (RangeInfo#ensure_parts). */
function ensureParts(input: string, sep: string): string[] {
  const idx = input.indexOf(sep);
  const parts = input === '' ? [] : idx === -1 ? [input] : [input.slice(0, idx), input.slice(idx + sep.length)];
  if (parts.length !== (idx === -1 ? 1 : 2) || parts.some((p) => p === '')) fail(APPSPEC_MESSAGES.selinuxRangePart(input));
  return parts;
}

function levelNumber(text: string, prefix: 's' | 'c'): bigint {
  const message = prefix === 's' ? APPSPEC_MESSAGES.selinuxSensitivity(text) : APPSPEC_MESSAGES.selinuxCategory(text);
  if (text.length < 2 || !text.startsWith(prefix)) fail(message);
  const digits = text.slice(1);
  if (!/^[0-9]+$/.test(digits)) fail(message);
  return BigInt(digits);
}

function categoryNumber(text: string): number {
  const n = levelNumber(text, 'c');
  if (n > 1023n) fail(APPSPEC_MESSAGES.selinuxCategory(text));
  return Number(n);
}

/** Ruby `str.split(',')`: trailing empty fields are dropped, inner ones kept. */
function rubySplitComma(s: string): string[] {
  const parts = s.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function categoryNumbers(text: string, range: string): number[] {
  const parts = rubySplitComma(text);
  if (parts.length === 0) fail(APPSPEC_MESSAGES.selinuxRangePart(range));
  const seen = new Uint8Array(1024);
  let duplicate = false;
  const add = (c: number): void => {
    if (seen[c] === 1) duplicate = true;
    seen[c] = 1;
  };
  for (const part of parts) {
    if (part.includes('.')) {
      const [lowText, highText] = ensureParts(part, '.') as [string, string];
      const low = categoryNumber(lowText);
      const high = categoryNumber(highText);
      if (high < low) fail(APPSPEC_MESSAGES.selinuxCategoryRange(lowText, highText));
      for (let c = low; c <= high; c++) add(c);
    } else {
      add(categoryNumber(part));
    }
  }
  if (duplicate) fail(APPSPEC_MESSAGES.selinuxDuplicateCategories());
  const categories: number[] = [];
  seen.forEach((flag, c) => {
    if (flag === 1) categories.push(c);
  });
  return categories;
}

export function parseSelinuxRange(range: string): SelinuxRangeResult {
  try {
    const parts = ensureParts(range, ':');
    const sensitivities = ensureParts(parts[0] as string, '-');
    const lowSensitivity = levelNumber(sensitivities[0] as string, 's');
    let highSensitivity = lowSensitivity;
    if (sensitivities.length === 2) {
      highSensitivity = levelNumber(sensitivities[1] as string, 's');
      if (highSensitivity < lowSensitivity) fail(APPSPEC_MESSAGES.selinuxRange(range));
    }
    const categories = parts.length === 2 ? categoryNumbers(parts[1] as string, range) : undefined;
    return { ok: true, range: categories ? { lowSensitivity, highSensitivity, categories } : { lowSensitivity, highSensitivity } };
  } catch (e) {
    if (e instanceof SelinuxRangeFailure) return { ok: false, issue: { code: 'APPSPEC_SELINUX_RANGE', message: e.message } };
    throw e;
  }
}

/** Canonical text (RangeInfo#get_range): consecutive categories collapse, e.g. "s3-s5:c0.c7,c13". */
export function formatSelinuxRange(range: SelinuxRange): string {
  let out = `s${range.lowSensitivity}`;
  if (range.highSensitivity !== range.lowSensitivity) out += `-s${range.highSensitivity}`;
  if (range.categories === undefined) return out;
  const runs: string[] = [];
  const cats = range.categories;
  for (let i = 0; i < cats.length; ) {
    const low = cats[i] as number;
    let j = i + 1;
    while (j < cats.length && cats[j] === low + (j - i)) j++;
    const high = cats[j - 1] as number;
    runs.push(low === high ? `c${low}` : `c${low}.c${high}`);
    i = j;
  }
  return `${out}:${runs.join(',')}`;
}
