// Pure: which registered on-premises instances a deployment group's tag filters select.
// CodeDeploy semantics: a flat `onPremisesInstanceTagFilters` list matches an instance carrying ANY
// of the filters; an `onPremisesTagSet` is up to 3 tag groups, OR inside a group, AND across groups.

export type TagFilterType = 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE';

export interface TagLike {
  readonly Key?: string | undefined;
  readonly Value?: string | undefined;
}

export interface TagFilterLike extends TagLike {
  readonly Type?: string | undefined;
}

export interface SelectableInstance {
  readonly instanceName: string;
  readonly registered: boolean;
  readonly tags: readonly TagLike[];
}

export interface TagSelection {
  /** A flat filter list: OR. */
  readonly tagFilters?: readonly TagFilterLike[] | undefined;
  /** Tag groups: AND across groups, OR inside each. Empty groups are ignored. */
  readonly tagSet?: readonly (readonly TagFilterLike[])[] | undefined;
}

/** The filter type, inferred from the fields present when `Type` is omitted. */
export function effectiveFilterType(filter: TagFilterLike): TagFilterType | undefined {
  if (filter.Type === 'KEY_ONLY' || filter.Type === 'VALUE_ONLY' || filter.Type === 'KEY_AND_VALUE') return filter.Type;
  if (filter.Type !== undefined) return undefined;
  if (filter.Key !== undefined && filter.Value !== undefined) return 'KEY_AND_VALUE';
  if (filter.Key !== undefined) return 'KEY_ONLY';
  if (filter.Value !== undefined) return 'VALUE_ONLY';
  return undefined;
}

export function matchesTagFilter(tags: readonly TagLike[], filter: TagFilterLike): boolean {
  switch (effectiveFilterType(filter)) {
    case 'KEY_ONLY':
      return tags.some((t) => t.Key === filter.Key);
    case 'VALUE_ONLY':
      return tags.some((t) => (t.Value ?? '') === (filter.Value ?? ''));
    case 'KEY_AND_VALUE':
      return tags.some((t) => t.Key === filter.Key && (t.Value ?? '') === (filter.Value ?? ''));
    default:
      return false;
  }
}

/** OR: the instance carries a tag matching at least one filter of the group. */
export function matchesTagGroup(tags: readonly TagLike[], group: readonly TagFilterLike[]): boolean {
  return group.some((f) => matchesTagFilter(tags, f));
}

export function matchesSelection(tags: readonly TagLike[], selection: TagSelection): boolean {
  const groups = (selection.tagSet ?? []).filter((g) => g.length > 0);
  if (groups.length > 0) return groups.every((g) => matchesTagGroup(tags, g));
  const flat = selection.tagFilters ?? [];
  return flat.length > 0 && matchesTagGroup(tags, flat);
}

/** Names of the registered instances the selection matches, sorted by name (the deploy order). */
export function selectInstances(instances: Iterable<SelectableInstance>, selection: TagSelection): string[] {
  const names: string[] = [];
  for (const inst of instances) {
    if (inst.registered && matchesSelection(inst.tags, selection)) names.push(inst.instanceName);
  }
  return names.sort();
}
