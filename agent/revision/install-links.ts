// Where an installed symlink will point. A link that stays inside the revision while it is unpacked
// (`app/pw -> ../sentinel/passwd`) can point anywhere once copied to a destination; hooks, and
// anything else that follows it, would then reach outside. Install refuses such links unless the
// agent config allows them (allow_external_symlinks).
// Resolution follows links the way the kernel will once Install is done: component by component,
// through the links this Install will create and through links already on disk, so `b/..` is the
// parent of b's target, not the folder holding b. Only reads the filesystem.
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EdgeError } from '../../shared/errors.js';
import { isSameOrUnder } from './cleanup-format.js';

/** Linux gives up after 40 links (ELOOP). */
const MAX_LINK_HOPS = 40;

export interface PlannedTree {
  /** Link path → link text, for every link this Install will create. */
  readonly links: ReadonlyMap<string, string>;
  /** Paths this Install will create as files or directories (whatever is on disk there now). */
  readonly nonLinks: ReadonlySet<string>;
}

function diskLink(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/** The canonical path `path` will resolve to after Install, or undefined for a link loop. */
export function resolveAfterInstall(path: string, tree: PlannedTree): string | undefined {
  const pending = path.split('/');
  let current = '/';
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    const target = tree.links.get(next) ?? (tree.nonLinks.has(next) ? undefined : diskLink(next));
    if (target === undefined) {
      current = next;
      continue;
    }
    if (++hops > MAX_LINK_HOPS) return undefined;
    pending.unshift(...target.split('/'));
    if (target.startsWith('/')) current = '/';
  }
  return current;
}

/**
 * Throws INSTALL_SYMLINK_ESCAPE for the first planned link whose target resolves outside every
 * destination (destinations are resolved the same way, so a destination reached through a link
 * of the device's own, e.g. /srv -> /data/srv, still counts).
 */
export function checkLinksStayInside(tree: PlannedTree, destinations: readonly string[]): void {
  const roots = destinations.map((d) => resolveAfterInstall(d, tree)).filter((d): d is string => d !== undefined);
  for (const [link, text] of [...tree.links].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const resolved = resolveAfterInstall(text.startsWith('/') ? text : `${dirname(link)}/${text}`, tree);
    if (resolved !== undefined && roots.some((r) => isSameOrUnder(r, resolved))) continue;
    const where = resolved === undefined ? 'a loop of links' : resolved;
    throw new EdgeError(
      'INSTALL_SYMLINK_ESCAPE',
      `The deployment failed because the revision installs the symlink ${link} -> ${text}, which resolves to ${where}, outside every destination in the files section of the AppSpec file. Remove the link from the revision or point it inside a destination (or set allow_external_symlinks: true in the agent config), and then try again.`,
      { details: { link, target: text, resolved: resolved ?? null } },
    );
  }
}
