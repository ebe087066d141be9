// The group's cleanup file (<root>/deployment-instructions/<group>-cleanup): what the last Install
// created, so the next Install can undo it. Pure: encoding and decoding only.
//
// Format v2 (ours): a header line, then one JSON array per line: [kind, path] or ["rename", path, tmp].
// JSON escapes every control character, so a name holding "\n" (or any other byte a file name can
// hold) is one record and can never be read as two paths. A torn last line (no "\n") is dropped.
//   dest     a destination of the AppSpec; cleanup deletes nothing outside these
//   mkdir    a directory this Install created (recorded after its mkdir succeeded)
//   tmp      a temp file about to be created with O_EXCL under an unpredictable name
//   rename   about to rename tmp onto path (if tmp is gone after a crash, path is ours)
//   file     path now holds the file or link this Install put there
//   semanage an SELinux file-context rule this Install added
// The official format (one path per line, `semanage\0<path>` lines) is read as "legacy" only.

export const CLEANUP_HEADER = '# edge-agent cleanup v2';

export type CleanupKind = 'dest' | 'mkdir' | 'tmp' | 'file' | 'semanage';

export type CleanupEntry =
  | { readonly kind: CleanupKind; readonly path: string }
  | { readonly kind: 'rename'; readonly path: string; readonly tmp: string };

export type ParsedCleanup =
  | { readonly format: 'v2'; readonly entries: readonly CleanupEntry[]; readonly unreadable: number }
  | { readonly format: 'legacy'; readonly lines: readonly string[] };

const KINDS: ReadonlySet<string> = new Set(['dest', 'mkdir', 'tmp', 'file', 'semanage']);

export function encodeCleanupEntry(entry: CleanupEntry): string {
  const fields = entry.kind === 'rename' ? [entry.kind, entry.path, entry.tmp] : [entry.kind, entry.path];
  return `${JSON.stringify(fields)}\n`;
}

/** Complete lines only: the slot after the last "\n" is either empty or a torn write. */
export function readCleanupLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((l) => l !== '');
}

const isAbsolutePath = (v: unknown): v is string => typeof v === 'string' && v.startsWith('/') && !v.includes('\0');

function decodeLine(line: string): CleanupEntry | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields)) return undefined;
  const [kind, path, tmp] = fields as unknown[];
  if (!isAbsolutePath(path)) return undefined;
  if (kind === 'rename' && fields.length === 3 && isAbsolutePath(tmp)) return { kind, path, tmp };
  if (typeof kind === 'string' && KINDS.has(kind) && fields.length === 2) return { kind: kind as CleanupKind, path };
  return undefined;
}

export function parseCleanupFile(text: string): ParsedCleanup {
  const lines = readCleanupLines(text);
  if (lines[0] !== CLEANUP_HEADER) return { format: 'legacy', lines };
  const entries: CleanupEntry[] = [];
  let unreadable = 0;
  for (const line of lines.slice(1)) {
    const entry = decodeLine(line);
    if (entry) entries.push(entry);
    else unreadable++;
  }
  return { format: 'v2', entries, unreadable };
}

/** Whether `child` is `parent` or lies below it (both absolute and normalised). */
export function isSameOrUnder(parent: string, child: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith('/') ? parent : `${parent}/`;
  return child.startsWith(prefix);
}
