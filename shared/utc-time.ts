// ISO 8601 timestamps in UTC without Date.prototype.toISOString.
//
// On Node 20 (V8 11.3) the first toISOString() (or JSON.stringify of a Date) initialises ICU's
// time-zone data to compute a local offset it then does not use: about 640 KiB of the node binary's
// ICU tables become resident, for good. The idle daemon formats a time on every poll (its state file,
// the SigV4 signing date), so it would pay that for nothing; formatting from the UTC fields does not
// touch ICU. Measured by scripts/bench-daemon.ts (idle RSS); checked by test/unit/shared/utc-time.test.ts.

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `new Date(ms).toISOString()`, e.g. "2026-12-07T02:16:28.123Z"; RangeError for an invalid time, as toISOString. */
export function isoUtc(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (Number.isNaN(year)) throw new RangeError('Invalid time value');
  // years outside 0000..9999 take the expanded six-digit form; rare enough to leave to V8
  if (year < 0 || year > 9999) return Date.prototype.toISOString.call(d);
  return `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

/**
 * A Date whose toISOString() (and so toJSON(), which calls it) uses isoUtc: for libraries that format
 * a Date they are given (the SigV4 signer formats its signing date with toISOString).
 */
export class UtcDate extends Date {
  override toISOString(): string {
    return isoUtc(this.getTime());
  }
}
