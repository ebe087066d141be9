// Generate tar, tgz and zip archives for tests, including hostile ones no normal tool would write.
// No binary fixtures are committed: everything is built in memory and written to a temp dir.
// tar: raw ustar headers (pax for long names), so any path, type, mode or declared size can be
// expressed. zip: yazl, then the central directory and local headers are patched for what yazl
// refuses to write (absolute or '..' names, lying sizes, non-unix "made by").
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import yazl from 'yazl';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
export type ArchiveFormat = 'tar' | 'tgz' | 'zip';

export interface ArchiveEntry {
  path: string;
  /** Default: 'dir' when path ends with '/', else 'file'. */
  kind?: EntryKind;
  data?: string | Buffer;
  /** Permission bits, may include setuid/setgid/sticky. */
  mode?: number;
  mtime?: Date;
  /** Symlink or hardlink target. */
  target?: string;
  /** tar only: size written in the header instead of the data's length. */
  declaredSize?: number;
  /** tar only: raw typeflag overriding kind (e.g. 'S' GNU sparse). */
  typeflag?: string;
  /** tar only: owner uid/gid written in the header (default 0). */
  uid?: number;
  /** zip only: uncompressed size written in the central directory instead of the real one. */
  zipDeclaredSize?: number;
}

export const FIXED_MTIME = new Date('2024-01-02T03:04:05Z');

const kindOf = (e: ArchiveEntry): EntryKind => e.kind ?? (e.path.endsWith('/') ? 'dir' : 'file');
const dataOf = (e: ArchiveEntry): Buffer => (typeof e.data === 'string' ? Buffer.from(e.data) : e.data ?? Buffer.alloc(0));

// ---------------------------------------------------------------------------------- tar
const TYPEFLAG: Record<EntryKind, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len += 1;
  return `${len}${body}`;
}

function pad512(data: Buffer): Buffer {
  const rem = data.length % 512;
  return rem === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rem)]);
}

/** One raw 512-byte ustar header. Sizes past 8 GiB use the GNU base-256 encoding. */
export function tarHeader(h: { path: string; typeflag: string; size: number; mode?: number; mtime?: Date; linkpath?: string; uid?: number }): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.path, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode ?? 0o644);
  octal(b, 108, 8, h.uid ?? 0);
  octal(b, 116, 8, h.uid ?? 0);
  if (h.size > 0o77777777777) {
    b[124] = 0x80;
    b.writeBigUInt64BE(BigInt(h.size), 128);
  } else {
    octal(b, 124, 12, h.size);
  }
  octal(b, 136, 12, Math.floor((h.mtime ?? FIXED_MTIME).getTime() / 1000));
  b.write(h.typeflag, 156, 1, 'latin1');
  if (h.linkpath) b.write(h.linkpath, 157, 100, 'utf8');
  b.write('ustar\0', 257, 6, 'latin1');
  b.write('00', 263, 2, 'latin1');
  b.write('root', 265, 32, 'latin1');
  b.write('root', 297, 32, 'latin1');
  if (h.typeflag === '3' || h.typeflag === '4') {
    octal(b, 329, 8, 1);
    octal(b, 337, 8, 3);
  }
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** Build a tar archive. `endMarker: false` leaves off the two zero blocks (a truncated archive). */
export function buildTar(entries: readonly ArchiveEntry[], opts: { endMarker?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const kind = kindOf(e);
    const data = kind === 'file' ? dataOf(e) : Buffer.alloc(0);
    const records = [
      Buffer.byteLength(e.path) > 100 ? paxRecord('path', e.path) : '',
      e.target !== undefined && Buffer.byteLength(e.target) > 100 ? paxRecord('linkpath', e.target) : '',
    ].join('');
    if (records) {
      const pax = Buffer.from(records);
      blocks.push(tarHeader({ path: 'PaxHeader', typeflag: 'x', size: pax.length }), pad512(pax));
    }
    blocks.push(tarHeader({
      path: e.path.slice(0, 100),
      typeflag: e.typeflag ?? TYPEFLAG[kind],
      size: e.declaredSize ?? data.length,
      mode: e.mode ?? (kind === 'dir' ? 0o755 : kind === 'symlink' ? 0o777 : 0o644),
      mtime: e.mtime,
      linkpath: e.target?.slice(0, 100),
      uid: e.uid,
    }));
    if (data.length > 0) blocks.push(pad512(data));
  }
  return Buffer.concat(opts.endMarker === false ? blocks : [...blocks, Buffer.alloc(1024)]);
}

// ---------------------------------------------------------------------------------- zip
const ZIP_TYPE: Partial<Record<EntryKind, number>> = { file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000 };

function yazlRefuses(name: string, dir: boolean): boolean {
  return name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.includes('\\') || name.split('/').includes('..') || (!dir && name.endsWith('/'));
}

/** A harmless name of exactly the same byte length, for yazl to write before we patch it. */
function placeholder(name: string, dir: boolean): string {
  const len = Buffer.byteLength(name) - (dir ? 1 : 0);
  if (len < 1) throw new Error(`zip cannot express the name ${JSON.stringify(name)}`);
  return 'q'.repeat(len);
}

interface ZipPatch { name?: string; declaredSize?: number }

function patchCentralDirectory(buf: Buffer, patches: ReadonlyArray<ZipPatch>, dos: boolean): void {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  if (eocd < 0) throw new Error('no end of central directory');
  let at = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < buf.readUInt16LE(eocd + 10); i++) {
    const n = buf.readUInt16LE(at + 28);
    const localHeader = buf.readUInt32LE(at + 42);
    const p = patches[i] ?? {};
    if (p.name !== undefined) {
      buf.write(p.name, at + 46, n, 'utf8');
      buf.write(p.name, localHeader + 30, n, 'utf8');
    }
    if (p.declaredSize !== undefined) {
      buf.writeUInt32LE(p.declaredSize, at + 24);
      buf.writeUInt32LE(p.declaredSize, localHeader + 22);
    }
    if (dos) {
      const isDir = buf.toString('utf8', at + 46, at + 46 + n).endsWith('/');
      buf.writeUInt16LE(20, at + 4); // made by MS-DOS, spec 2.0
      buf.writeUInt32LE(isDir ? 0x10 : 0, at + 38);
    }
    at += 46 + n + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
}

/** Build a zip archive. `madeBy: 'dos'` removes unix modes (external attributes). */
export async function buildZip(entries: readonly ArchiveEntry[], opts: { madeBy?: 'unix' | 'dos' } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const patches: ZipPatch[] = [];
  for (const e of entries) {
    const kind = kindOf(e);
    const type = ZIP_TYPE[kind];
    if (type === undefined) throw new Error(`zip cannot hold a ${kind}`);
    const wanted = kind === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    const safe = yazlRefuses(wanted, kind === 'dir') ? placeholder(wanted, kind === 'dir') : wanted;
    patches.push({ name: safe === wanted ? undefined : wanted, declaredSize: e.zipDeclaredSize });
    const mtime = e.mtime ?? FIXED_MTIME;
    if (kind === 'dir') {
      zip.addEmptyDirectory(safe, { mtime, mode: type | (e.mode ?? 0o755) });
    } else {
      const data = kind === 'symlink' ? Buffer.from(e.target ?? '') : dataOf(e);
      zip.addBuffer(data, safe, { mtime, mode: type | (e.mode ?? (kind === 'symlink' ? 0o777 : 0o644)), compress: kind === 'file' });
    }
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  const buf = Buffer.concat(chunks);
  patchCentralDirectory(buf, patches, opts.madeBy === 'dos');
  return buf;
}

// ---------------------------------------------------------------------------------- files
export async function buildArchive(format: ArchiveFormat, entries: readonly ArchiveEntry[]): Promise<Buffer> {
  if (format === 'zip') return buildZip(entries);
  const tar = buildTar(entries);
  return format === 'tgz' ? gzipSync(tar) : tar;
}

/** Write an archive into `dir` (created) and return its path. */
export async function writeArchive(dir: string, fileName: string, format: ArchiveFormat, entries: readonly ArchiveEntry[]): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, fileName);
  await fs.writeFile(file, await buildArchive(format, entries));
  return file;
}

// ---------------------------------------------------------------------------------- tree checks
export interface Jail { root: string; dest: string; outside: string; bundles: string }

/** A test root with sentinels: root/sentinel/keep.txt, root/outside/victim.txt, and a destination
 * three levels down (root/jail/deploy/archive, not created) so '../../' escapes stay in the root. */
export async function makeJail(root: string): Promise<Jail> {
  const j = { root, dest: path.join(root, 'jail/deploy/archive'), outside: path.join(root, 'outside'), bundles: path.join(root, 'bundles') };
  await fs.mkdir(path.join(root, 'sentinel'), { recursive: true });
  await fs.writeFile(path.join(root, 'sentinel/keep.txt'), 'keep\n');
  await fs.mkdir(j.outside, { recursive: true });
  await fs.writeFile(path.join(j.outside, 'victim.txt'), 'victim\n');
  await fs.mkdir(path.dirname(j.dest), { recursive: true });
  await fs.mkdir(j.bundles, { recursive: true });
  return j;
}

/** Every path under root (except `exclude` subtrees) with its type, mode and content hash or link target. */
export async function snapshotTree(root: string, exclude: readonly string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const ent of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, ent.name);
      if (exclude.some((x) => path.resolve(x) === full)) continue;
      const st = await fs.lstat(full);
      const rel = path.relative(root, full);
      if (st.isSymbolicLink()) out.set(rel, `link:${await fs.readlink(full)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir:${(st.mode & 0o7777).toString(8)}`);
        await walk(full);
      } else if (st.isFile()) {
        const hash = createHash('sha256').update(await fs.readFile(full)).digest('hex');
        out.set(rel, `file:${(st.mode & 0o7777).toString(8)}:${hash}`);
      } else out.set(rel, 'special');
    }
  };
  await walk(path.resolve(root));
  return out;
}

/** Paths under root (outside `exclude`) whose base name contains `needle`. */
export async function findByName(root: string, needle: string, exclude: readonly string[] = []): Promise<string[]> {
  const snap = await snapshotTree(root, exclude);
  return [...snap.keys()].filter((rel) => path.basename(rel).includes(needle));
}

// ---------------------------------------------------------------------------------- bundles
export const NORMAL_APPSPEC = 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/install.sh\n';

/** A normal nested revision: AppSpec, an executable hook, a setuid file (bit must be dropped), a
 * nested config, empty directories and an internal relative symlink. `prefix` adds a leading dir. */
export function normalBundleEntries(prefix = ''): ArchiveEntry[] {
  const at = (p: string): string => `${prefix}${p}`;
  return [
    ...(prefix ? [{ path: prefix, kind: 'dir' as const }] : []),
    { path: at('appspec.yml'), data: NORMAL_APPSPEC },
    { path: at('scripts/'), mode: 0o755 },
    { path: at('scripts/install.sh'), data: '#!/bin/sh\necho installed\n', mode: 0o755 },
    { path: at('scripts/suid-tool'), data: '#!/bin/sh\n', mode: 0o4755 },
    { path: at('scripts/sgid-sticky'), data: '#!/bin/sh\n', mode: 0o3750 },
    { path: at('app/config/app.conf'), data: 'port=8080\n', mode: 0o640 },
    { path: at('app/current.conf'), kind: 'symlink', target: 'config/app.conf' },
    { path: at('app/data/'), mode: 0o750 },
    { path: at('a/b/c/deep.txt'), data: 'deep\n' },
    { path: at('logs/'), mode: 0o700 },
  ];
}

/** Many small files: an entry-count bomb. */
export const manyEntries = (n: number): ArchiveEntry[] => Array.from({ length: n }, (_, i) => ({ path: `f${i}.txt`, data: `${i}` }));

/** One highly compressible entry of `bytes` zeros; `zipDeclaredSize` makes a zip lie about it. */
export const compressibleEntry = (bytes: number, zipDeclaredSize?: number): ArchiveEntry =>
  ({ path: 'bomb.bin', data: Buffer.alloc(bytes), zipDeclaredSize });

// ---------------------------------------------------------------------------------- hostile corpus
export interface HostileCase {
  name: string;
  entries: ArchiveEntry[];
  /** The ARCHIVE_* code extraction must reject with. */
  code: string;
  /** A file name that must not appear anywhere outside the destination. */
  payload: string;
}

/**
 * Hostile archives. `outside` is an absolute directory outside the destination; the destination must
 * sit at least three levels below the test root so '../../' escapes land inside the test root.
 */
export function hostileCases(format: 'tar' | 'zip', outside: string): HostileCase[] {
  const c = (name: string, code: string, entries: ArchiveEntry[], payload = `PWNED-${name.replace(/\W+/g, '-')}`): HostileCase =>
    ({ name, code, entries: entries.map((e) => ({ ...e, path: e.path.replaceAll('$P', payload), target: e.target?.replaceAll('$P', payload) })), payload });
  const common = [
    c('absolute path', 'ARCHIVE_ABSOLUTE_PATH', [{ path: `${outside}/$P`, data: 'x' }]),
    c('dot-dot escape', 'ARCHIVE_PATH_ESCAPE', [{ path: '../../$P', data: 'x' }]),
    c('nested dot-dot escape', 'ARCHIVE_PATH_ESCAPE', [{ path: 'ok/', kind: 'dir' }, { path: 'ok/../../../$P', data: 'x' }]),
    c('dot-dot directory', 'ARCHIVE_PATH_ESCAPE', [{ path: '../$P/', kind: 'dir' }]),
    c('symlink to /etc', 'ARCHIVE_LINK_ESCAPE', [{ path: 'etc', kind: 'symlink', target: '/etc' }]),
    c('symlink climbing out', 'ARCHIVE_LINK_ESCAPE', [{ path: 'sub/up', kind: 'symlink', target: '../../..' }]),
    c('symlink out then write through', 'ARCHIVE_LINK_ESCAPE', [
      { path: 'link', kind: 'symlink', target: outside }, { path: 'link/$P', data: 'x' }]),
    c('write through an internal symlink', 'ARCHIVE_LINK_ESCAPE', [
      { path: 'real/', kind: 'dir' }, { path: 'inner', kind: 'symlink', target: 'real' }, { path: 'inner/$P', data: 'x' }]),
    c('directory replaced by a symlink then written through', 'ARCHIVE_LINK_ESCAPE', [
      { path: 'real/' }, { path: 'd/' }, { path: 'd', kind: 'symlink', target: 'real' }, { path: 'd/$P', data: 'x' }]),
    c('fifo', 'ARCHIVE_SPECIAL_ENTRY', [{ path: '$P', kind: 'fifo' }]),
    c('character device', 'ARCHIVE_SPECIAL_ENTRY', [{ path: '$P', kind: 'char' }]),
  ];
  if (format === 'zip') {
    return [...common,
      c('backslash dot-dot escape', 'ARCHIVE_PATH_ESCAPE', [{ path: '..\\..\\$P', data: 'x' }]),
    ];
  }
  return [...common,
    c('block device', 'ARCHIVE_SPECIAL_ENTRY', [{ path: '$P', kind: 'block' }]),
    c('hardlink outside', 'ARCHIVE_LINK_ESCAPE', [{ path: '$P', kind: 'hardlink', target: '../../../outside/victim.txt' }]),
    c('hardlink absolute', 'ARCHIVE_LINK_ESCAPE', [{ path: '$P', kind: 'hardlink', target: `${outside}/victim.txt` }]),
    c('hardlink to a symlink it would relocate', 'ARCHIVE_LINK_ESCAPE', [
      { path: 'a/b/s', kind: 'symlink', target: '../../x' }, { path: '$P', kind: 'hardlink', target: 'a/b/s' }]),
    c('unsupported sparse entry', 'ARCHIVE_SPECIAL_ENTRY', [{ path: '$P', typeflag: 'S', data: 'x' }]),
    c('huge declared size', 'ARCHIVE_TOO_LARGE', [{ path: '$P', declaredSize: 2 ** 40 }]),
  ];
}
