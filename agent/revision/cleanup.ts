// Undo the previous Install of a deployment group by replaying its cleanup file (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/installer.rb), in
// reverse order. Cleanup may only remove what a deployment created:
// - only paths under a destination recorded for the group (v2 `dest` records; directories this
//   Install created above a destination may be rmdir'ed when empty);
// - never through a link: entries are lstat'ed and links unlinked (their targets untouched), and a
//   path whose parent below the destination is no longer a real directory is refused;
// - directories only with rmdir, so a directory that holds anything is kept;
// - a temp file is removed only if the record says it was ours (O_EXCL, unpredictable name).
// An official/old-format file (one path per line) is ambiguous: a name holding "\n" becomes two
// lines. Its lines are honoured only when they name exactly a path the group's install.json (JSON,
// unambiguous) says that Install created; everything else is refused and logged by the caller.
import { existsSync, lstatSync, readFileSync, rmdirSync, rmSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isSameOrUnder, parseCleanupFile, type CleanupEntry } from './cleanup-format.js';
import type { ProcessRunner } from './process-runner.js';

export { readCleanupLines } from './cleanup-format.js';

export interface CleanupResult {
  readonly removed: number;
  readonly keptNonEmptyDirs: number;
  /** Entries not acted on because they lie outside what the group installed (or behind a link). */
  readonly refused: readonly string[];
}

export interface ReplayOptions {
  /** The group's install.json: what the Install that wrote an old-format cleanup file created. */
  readonly installJsonFile?: string;
}

const SEMANAGE_PREFIX = 'semanage\0';

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

const isNormalAbsolute = (p: string): boolean => p.startsWith('/') && resolve(p) === p;

/** Every directory strictly between `top` and `path` is still a real directory (not a link, not gone). */
function realDirsBetween(top: string, path: string): boolean {
  const chain: string[] = [];
  for (let d = dirname(path); d !== top && isSameOrUnder(top, d); d = dirname(d)) chain.unshift(d);
  return chain.every((d) => lstatOrUndefined(d)?.isDirectory() === true);
}

class Replayer {
  removed = 0;
  keptNonEmptyDirs = 0;
  readonly refused: string[] = [];

  constructor(private readonly run: ProcessRunner) {}

  /** Remove a file or link (never a directory, never following a link). */
  removeNonDir(p: string): void {
    const st = lstatOrUndefined(p);
    if (!st) return;
    if (st.isDirectory()) {
      this.refused.push(p);
      return;
    }
    unlinkSync(p);
    this.removed++;
  }

  removeDir(p: string): void {
    const st = lstatOrUndefined(p);
    if (!st) return;
    if (!st.isDirectory()) {
      this.refused.push(p); // a link or file where our directory was: not ours any more
      return;
    }
    try {
      rmdirSync(p);
      this.removed++;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') this.keptNonEmptyDirs++;
      else throw e;
    }
  }

  async semanage(p: string): Promise<void> {
    await this.run('semanage', ['fcontext', '-d', p]);
  }
}

async function replayV2(entries: readonly CleanupEntry[], r: Replayer): Promise<void> {
  const roots = entries.filter((e) => e.kind === 'dest').map((e) => e.path).filter(isNormalAbsolute);
  /** The closest destination holding `p`; undefined if none does. */
  const rootOf = (p: string): string | undefined =>
    roots.filter((root) => isSameOrUnder(root, p)).sort((a, b) => b.length - a.length)[0];
  const confined = (p: string): boolean => {
    const root = isNormalAbsolute(p) ? rootOf(p) : undefined;
    if (root !== undefined && realDirsBetween(root, p)) return true;
    r.refused.push(p);
    return false;
  };
  const done = new Set<string>();
  for (const e of [...entries].reverse()) {
    switch (e.kind) {
      case 'dest':
        break;
      case 'semanage':
        // a context rule, not a file: recorded by its real path, which may lie behind a link
        if (isNormalAbsolute(e.path)) await r.semanage(e.path);
        break;
      case 'mkdir':
        // directories created above a destination (its missing ancestors) may go too, only when empty
        if (isNormalAbsolute(e.path) && roots.some((root) => isSameOrUnder(e.path, root))) r.removeDir(e.path);
        else if (confined(e.path)) r.removeDir(e.path);
        break;
      case 'tmp':
        if (confined(e.path)) r.removeNonDir(e.path);
        break;
      case 'file':
        if (done.has(e.path)) break;
        done.add(e.path);
        if (confined(e.path)) r.removeNonDir(e.path);
        break;
      case 'rename':
        if (done.has(e.path)) break;
        done.add(e.path);
        if (!confined(e.path) || !confined(e.tmp)) break;
        // the temp file still there: the rename never happened, and what sits at path is not ours
        if (lstatOrUndefined(e.tmp)) r.removeNonDir(e.tmp);
        else r.removeNonDir(e.path);
        break;
    }
  }
}

/** Paths the Install described by install.json created (copy destinations and mkdir directories). */
function installedPaths(installJsonFile: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!installJsonFile) return out;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(installJsonFile, 'utf8'));
  } catch {
    return out;
  }
  const instructions = (doc as { instructions?: unknown }).instructions;
  if (!Array.isArray(instructions)) return out;
  for (const i of instructions as Array<Record<string, unknown>>) {
    const p = i['type'] === 'copy' ? i['destination'] : i['type'] === 'mkdir' ? i['directory'] : i['type'] === 'semanage' ? i['file'] : undefined;
    if (typeof p === 'string' && isNormalAbsolute(p)) out.add(p);
  }
  return out;
}

async function replayLegacy(lines: readonly string[], installJsonFile: string | undefined, r: Replayer): Promise<void> {
  const allowed = installedPaths(installJsonFile);
  // a directory we created must still be a real directory for anything below it to be touched
  const behindLink = (p: string): boolean => {
    for (let d = dirname(p); d !== dirname(d); d = dirname(d)) {
      if (allowed.has(d) && lstatOrUndefined(d)?.isDirectory() === false) return true;
    }
    return false;
  };
  for (const line of [...lines].reverse()) {
    const semanage = line.startsWith(SEMANAGE_PREFIX);
    const p = semanage ? line.slice(SEMANAGE_PREFIX.length) : line;
    if (!allowed.has(p) || behindLink(p)) {
      r.refused.push(p);
      continue;
    }
    if (semanage) {
      await r.semanage(p);
      continue;
    }
    if (lstatOrUndefined(p)?.isDirectory()) r.removeDir(p);
    else r.removeNonDir(p);
  }
}

export async function replayCleanup(cleanupFile: string, run: ProcessRunner, opts: ReplayOptions = {}): Promise<CleanupResult> {
  if (!existsSync(cleanupFile)) return { removed: 0, keptNonEmptyDirs: 0, refused: [] };
  const parsed = parseCleanupFile(readFileSync(cleanupFile, 'utf8'));
  const r = new Replayer(run);
  if (parsed.format === 'v2') await replayV2(parsed.entries, r);
  else await replayLegacy(parsed.lines, opts.installJsonFile, r);
  rmSync(cleanupFile, { force: true });
  return { removed: r.removed, keptNonEmptyDirs: r.keptNonEmptyDirs, refused: r.refused };
}
