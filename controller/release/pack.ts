// Packs a release part reproducibly: the same folder gives the same bytes and SHA-256 on any
// machine (entries sorted by name, fixed times and owners, modes 0755/0644). Names are checked
// as hostile input: control characters, backslashes and links that leave the folder are refused.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ZipFile } from 'yazl';
import { EdgeError } from '../../shared/errors.js';
import { writeTar, type TarEntry } from './tar-writer.js';

/** 2000-01-01T00:00:00Z: one fixed instant for every entry (zip cannot store times before 1980). */
export const PACK_MTIME = 946_684_800;

export interface PackedFile {
  /** Path relative to the folder, `/`-separated. */
  readonly path: string;
  readonly type: 'dir' | 'file' | 'symlink';
  readonly executable: boolean;
  readonly size: number;
  readonly target?: string;
}

export interface Packed {
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly files: readonly PackedFile[];
}

const badName = (name: string): boolean => name === '' || name === '.' || name === '..' || name.includes('\\') || [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Every entry under `root`, sorted by path bytes, checked before anything is read into an archive. */
export function listFolder(root: string, opts: { allowLinks: boolean }): PackedFile[] {
  const found: PackedFile[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      if (badName(name)) throw invalid(`${posix.join(rel, name)}: a name with control characters or a backslash cannot be packed`, 'Rename the file.');
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(root, path));
      if (st.isDirectory()) {
        found.push({ path, type: 'dir', executable: true, size: 0 });
        walk(path);
      } else if (st.isFile()) {
        found.push({ path, type: 'file', executable: (st.mode & 0o111) !== 0, size: st.size });
      } else if (st.isSymbolicLink()) {
        const target = readlinkSync(join(root, path));
        if (!opts.allowLinks) throw invalid(`${path}: symbolic links cannot be packed into this part`, 'Replace the link with the file it points to.');
        const resolved = posix.normalize(posix.join(posix.dirname(path), target));
        if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) throw invalid(`${path}: the link points outside the folder (${target})`, 'Point links only at files inside the folder.');
        found.push({ path, type: 'symlink', executable: false, size: 0, target });
      } else {
        throw invalid(`${path}: devices, sockets and FIFOs cannot be packed`, 'Remove it from the folder.');
      }
    }
  };
  walk('');
  const byBytes = (a: PackedFile, b: PackedFile): number => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));
  return found.sort(byBytes);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A gzip-compressed tar of the folder (a CodeDeploy `tgz` bundle). */
export function packTgz(root: string): Packed {
  const files = listFolder(root, { allowLinks: true });
  const entries: TarEntry[] = files.map((f) =>
    f.type === 'dir' ? { type: 'dir', path: f.path } : f.type === 'symlink' ? { type: 'symlink', path: f.path, target: f.target ?? '' } : { type: 'file', path: f.path, data: readFileSync(join(root, f.path)), executable: f.executable },
  );
  const bytes = gzipSync(writeTar(entries, PACK_MTIME), { level: 9 });
  return { bytes, sha256: sha256(bytes), files };
}

/** A zip of the folder (e.g. a Lambda code package); links are refused. */
export async function packZip(root: string): Promise<Packed> {
  const files = listFolder(root, { allowLinks: false });
  const zip = new ZipFile();
  const mtime = new Date(PACK_MTIME * 1000);
  for (const f of files) {
    if (f.type === 'dir') zip.addEmptyDirectory(f.path, { mtime, mode: 0o40755 });
    else zip.addBuffer(readFileSync(join(root, f.path)), f.path, { mtime, mode: f.executable ? 0o100755 : 0o100644, compressionLevel: 9 });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => {
      const bytes = Buffer.concat(chunks);
      resolve({ bytes, sha256: sha256(bytes), files });
    });
  });
}

function invalid(message: string, action: string): EdgeError {
  return new EdgeError('RELEASE_PART_INVALID', `${message}. ${action}`);
}
