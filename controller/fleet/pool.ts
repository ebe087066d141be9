// Small helpers for running calls over many items: at most `width` in flight (in order of the items),
// fixed-size chunks for batch calls, and every page of a listing.
export async function forEachLimited<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
}

export const chunks = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** Every item of a paged listing: `fetch` is called with each page's token until a page has none. */
export async function allPages<T>(fetch: (nextToken: string | undefined) => Promise<{ items: readonly T[]; nextToken?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    token = page.nextToken;
  } while (token);
  return all;
}
