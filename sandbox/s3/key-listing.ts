// The listing walk of ListObjects(V2): keys in UTF-8 binary order,
// filtered by prefix, rolled up into CommonPrefixes at the delimiter, cut at max-keys.

export interface KeyListing {
  readonly keys: string[];
  readonly commonPrefixes: string[];
  readonly truncated: boolean;
  /** The last key or common prefix returned (where the next page starts after). */
  readonly last?: string;
}

export interface ListingOptions {
  readonly prefix: string;
  readonly delimiter: string;
  /** Exclusive lower bound; a common prefix equal to it is not repeated. */
  readonly after: string;
  readonly maxKeys: number;
}

export const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].map((k) => ({ k, b: Buffer.from(k) })).sort((x, y) => Buffer.compare(x.b, y.b)).map((x) => x.k);
}

export function walkKeys(sorted: readonly string[], opts: ListingOptions): KeyListing {
  const keys: string[] = [];
  const commonPrefixes: string[] = [];
  let count = 0;
  let last: string | undefined;
  const after = Buffer.from(opts.after);
  for (const key of sorted) {
    if (!key.startsWith(opts.prefix)) continue;
    if (opts.after !== '' && Buffer.compare(Buffer.from(key), after) <= 0) continue;
    let entry = key;
    let isPrefix = false;
    if (opts.delimiter !== '') {
      const at = key.indexOf(opts.delimiter, opts.prefix.length);
      if (at >= 0) {
        entry = key.slice(0, at + opts.delimiter.length);
        isPrefix = true;
        if (entry === last || entry === opts.after) continue;
      }
    }
    if (count >= opts.maxKeys) return { keys, commonPrefixes, truncated: true, ...(last !== undefined ? { last } : {}) };
    (isPrefix ? commonPrefixes : keys).push(entry);
    count++;
    last = entry;
  }
  return { keys, commonPrefixes, truncated: false, ...(last !== undefined ? { last } : {}) };
}

/** encoding-type=url: S3 percent-encodes like a form, keeping '/'. */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
