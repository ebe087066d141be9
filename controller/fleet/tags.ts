// Tags as people write them (Key=Value,Key2=Value2) and the difference between what a device has
// and what it should have.
import { MAX_TAGS_PER_INSTANCE, type Tag } from './model.js';

/** Parses `K=V<sep>K2=V2`; returns the tags or the reason the text is not a tag list. */
export function parseTagList(text: string, separator: string): { tags: Tag[] } | { error: string } {
  const tags: Tag[] = [];
  const trimmed = text.trim();
  if (trimmed === '') return { tags };
  for (const part of trimmed.split(separator)) {
    const p = part.trim();
    const eq = p.indexOf('=');
    if (eq <= 0) return { error: `'${p}' is not Key=Value` };
    tags.push({ Key: p.slice(0, eq).trim(), Value: p.slice(eq + 1).trim() });
  }
  return { tags };
}

/** Why a tag set is not valid for an on-premises instance, or undefined. */
export function tagsProblem(tags: readonly Tag[]): string | undefined {
  const seen = new Set<string>();
  for (const t of tags) {
    if (t.Key.length === 0 || t.Key.length > 128) return `tag key '${t.Key}' must be 1-128 characters`;
    if (t.Value.length > 256) return `tag ${t.Key}: the value must be at most 256 characters`;
    if (seen.has(t.Key)) return `tag key ${t.Key} appears twice`;
    seen.add(t.Key);
  }
  if (tags.length > MAX_TAGS_PER_INSTANCE) return `${tags.length} tags: an instance may have at most ${MAX_TAGS_PER_INSTANCE}`;
  return undefined;
}

/** Later tags win over earlier ones with the same key. */
export function mergeTags(...sets: readonly (readonly Tag[])[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const set of sets) for (const t of set) byKey.set(t.Key, t);
  return [...byKey.values()];
}

export const sortTags = (tags: readonly Tag[]): Tag[] => [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));

/** A stable key for grouping devices that need the same tag call. */
export const tagSetKey = (tags: readonly Tag[]): string => JSON.stringify(sortTags(tags).map((t) => [t.Key, t.Value]));

export const formatTags = (tags: readonly Tag[]): string => sortTags(tags).map((t) => `${t.Key}=${t.Value}`).join(',');

/** What to add (new or changed values) and remove (keys the device should not have). */
export function diffTags(current: readonly Tag[], desired: readonly Tag[]): { add: Tag[]; remove: Tag[] } {
  const have = new Map(current.map((t) => [t.Key, t.Value] as const));
  const want = new Set(desired.map((t) => t.Key));
  return {
    add: sortTags(desired.filter((t) => have.get(t.Key) !== t.Value)),
    remove: sortTags(current.filter((t) => !want.has(t.Key))),
  };
}
