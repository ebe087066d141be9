// DownloadBundle, step 4 (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb): the leading-directory strip that makes GitHub tarballs
// and zips of a folder work. If archiveDir holds exactly one entry, that entry is a directory, and
// its listing has a name matching /appspec/i, the directory's contents become archiveDir.
import fs from 'node:fs/promises';
import path from 'node:path';
import { EdgeError } from '../../shared/errors.js';
import { resolveWithin } from './unpack-paths.js';

const APPSPEC_NAME = /appspec/i;

/**
 * Refuse the strip when a relative symlink inside `dir` climbs to the old top level:
 * `proj/x -> ../proj/y` is inside the archive before the strip but would point beside it after.
 */
async function assertLinksStayInside(dir: string, stripped: string): Promise<void> {
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    for (const ent of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const childRel = rel === '' ? ent.name : `${rel}/${ent.name}`;
      if (ent.isDirectory()) {
        pending.push(childRel);
      } else if (ent.isSymbolicLink()) {
        const target = await fs.readlink(path.join(dir, childRel));
        const base = childRel.split('/').slice(0, -1);
        // Absolute targets mean the same after the strip (and extractArchive never creates them).
        if (!target.startsWith('/') && resolveWithin(base, target) === null) {
          throw new EdgeError('ARCHIVE_LINK_ESCAPE',
            `symlink '${stripped}/${childRel}' -> '${target}' would point outside the revision once the leading directory '${stripped}' is stripped`,
            { details: { entry: `${stripped}/${childRel}`, target } });
        }
      }
    }
  }
}

/**
 * Strip a single leading directory that holds the AppSpec. Returns whether it stripped.
 * A single entry that is a symlink to a directory is NOT stripped (we never follow links out of the
 * archive). A leftover `<archiveDir>-temp` from an interrupted run is removed first.
 */
export async function stripLeadingDirectory(archiveDir: string): Promise<boolean> {
  const entries = await fs.readdir(archiveDir, { withFileTypes: true });
  if (entries.length !== 1) return false;
  const only = entries[0];
  if (only === undefined || !only.isDirectory()) return false;
  const inner = path.join(archiveDir, only.name);
  const listing = await fs.readdir(inner);
  if (!listing.some((name) => APPSPEC_NAME.test(name))) return false;
  await assertLinksStayInside(inner, only.name);

  const temp = `${archiveDir}-temp`;
  await fs.rm(temp, { recursive: true, force: true });
  await fs.rename(archiveDir, temp);
  try {
    await fs.rename(path.join(temp, only.name), archiveDir);
  } catch (e) {
    await fs.rename(temp, archiveDir).catch(() => undefined); // put things back as they were
    throw e;
  }
  await fs.rmdir(temp);
  return true;
}
