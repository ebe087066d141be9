// Add/RemoveTags take one tag list for up to 10 instances: devices needing the same change share a
// call. Members are grouped by (operation, tags); a group is sent when it has 10 names, when its
// first member has waited `maxAgeMs`, or on flush(). A failed call is retried name by name so one
// bad device does not fail its neighbours.
import type { CodeDeployPort } from '../aws/ports.js';
import { TAG_CALL_LIMIT, type Tag } from '../fleet/model.js';
import { tagSetKey } from '../fleet/tags.js';

export type TagOp = 'add' | 'remove';
export type TagCall = (op: TagOp, names: readonly string[], tags: readonly Tag[]) => Promise<void>;

interface Member {
  readonly name: string;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

interface Group {
  readonly op: TagOp;
  readonly tags: readonly Tag[];
  members: Member[];
  timer?: ReturnType<typeof setTimeout>;
}

export class TagBatcher {
  private readonly groups = new Map<string, Group>();
  constructor(
    private readonly call: TagCall,
    private readonly maxAgeMs = 200,
  ) {}

  /** Resolves when the device's tags are changed (or rejects with that device's error). */
  enqueue(op: TagOp, name: string, tags: readonly Tag[]): Promise<void> {
    const key = `${op}:${tagSetKey(tags)}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { op, tags, members: [] };
      this.groups.set(key, g);
    }
    const group = g;
    const done = new Promise<void>((resolve, reject) => group.members.push({ name, resolve, reject }));
    if (group.members.length >= TAG_CALL_LIMIT) this.send(key, group);
    else group.timer ??= setTimeout(() => this.send(key, group), this.maxAgeMs);
    return done;
  }

  flush(): void {
    for (const [key, g] of this.groups) this.send(key, g);
  }

  private send(key: string, g: Group): void {
    if (g.timer) clearTimeout(g.timer);
    if (this.groups.get(key) === g) this.groups.delete(key);
    const members = g.members.splice(0);
    if (members.length === 0) return;
    this.call(g.op, members.map((m) => m.name), g.tags).then(
      () => members.forEach((m) => m.resolve()),
      (e: unknown) => {
        if (members.length === 1) return (members[0] as Member).reject(e);
        for (const m of members) this.call(g.op, [m.name], g.tags).then(m.resolve, m.reject);
      },
    );
  }
}

/** A batcher whose calls are CodeDeploy's Add/RemoveTagsToOnPremisesInstances. */
export function createTagBatcher(codedeploy: Pick<CodeDeployPort, 'addTagsToOnPremisesInstances' | 'removeTagsFromOnPremisesInstances'>, maxAgeMs: number): TagBatcher {
  return new TagBatcher(
    (op, names, tags) => (op === 'add' ? codedeploy.addTagsToOnPremisesInstances(names, tags) : codedeploy.removeTagsFromOnPremisesInstances(names, tags)),
    maxAgeMs,
  );
}
