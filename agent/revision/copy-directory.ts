// DownloadBundle for the Local Directory bundle type (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb), done in-process with fs.cp.
// Rules match archive extraction: symlinks are copied as links with their target text unchanged
// (never followed, never rewritten to absolute paths); modes are kept but setuid/setgid/sticky are
// dropped; mtimes are kept; ownership is the agent's. Devices, fifos and sockets are refused.
import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { EdgeError, isEdgeError } from '../../shared/errors.js';

function specialKind(st: Stats): string | undefined {
  if (st.isFile() || st.isDirectory() || st.isSymbolicLink()) return undefined;
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'special file';
}

/**
 * Copy the contents of directory `src` into `dest` (created if missing; existing files are replaced).
 * `src` itself may be a symlink to a directory (it is resolved once); links inside are not followed.
 */
export async function copyDirectory(src: string, dest: string): Promise<void> {
  let root: string;
  try {
    root = await fs.realpath(src);
  } catch (e) {
    throw new EdgeError('BUNDLE_NOT_FOUND', `the bundle directory ${src} does not exist`, { cause: e, details: { bundlePath: src } });
  }
  if (!(await fs.stat(root)).isDirectory()) {
    throw new EdgeError('BUNDLE_TYPE_MISMATCH', `the bundle ${src} is not a directory (type directory)`, { details: { bundlePath: src } });
  }
  const modeFixes: Array<[string, number]> = [];
  try {
    await fs.cp(root, dest, {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
      force: true,
      errorOnExist: false,
      filter: async (from: string, to: string): Promise<boolean> => {
        const st = await fs.lstat(from);
        const kind = specialKind(st);
        if (kind !== undefined) {
          const entry = path.relative(root, from);
          throw new EdgeError('ARCHIVE_SPECIAL_ENTRY', `the bundle directory holds a ${kind} at '${entry}'; only files, directories and links are allowed`, {
            details: { entry, kind },
          });
        }
        if (!st.isSymbolicLink() && (st.mode & 0o7000) !== 0) modeFixes.push([to, st.mode & 0o777]);
        return true;
      },
    });
    for (const [p, mode] of modeFixes) {
      if (!(await fs.lstat(p)).isSymbolicLink()) await fs.chmod(p, mode);
    }
  } catch (e) {
    if (isEdgeError(e)) throw e;
    throw new EdgeError('INTERNAL', `could not copy the bundle directory ${src} to ${dest}: ${(e as Error).message}`, {
      cause: e,
      details: { bundlePath: src },
    });
  }
}
