// Executes install instructions (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/installer.rb) and records what it created in the group's cleanup
// file (format in cleanup-format.ts), so the next Install (or the one after a crash) undoes it.
// Nothing is ever written through a path this Install did not just create or verify:
// - a copy goes to a temp file with an unpredictable name, created O_CREAT|O_EXCL (a link or file
//   already there makes it fail; it is never followed), then renamed onto the destination (rename
//   replaces a link, never writes through it);
// - a directory is recorded only after our own mkdir succeeded; one that already exists is not
//   ours (not recorded), and anything else in the way is an error ("Not a directory");
// - nothing is created below a link this Install created;
// - permissions never follow links (install-permissions.ts).
// Records are written (not fsynced) around each step; the file is fsynced when Install ends. On
// ext4 (data=ordered) the append commits no later than the file created after it.
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants as FS, copyFileSync, fsyncSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync,
  readlinkSync, renameSync, symlinkSync, writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import { CLEANUP_HEADER, encodeCleanupEntry, isSameOrUnder, type CleanupEntry } from './cleanup-format.js';
import { applyPermission } from './install-permissions.js';
import { notADirectoryError, type Instruction } from './install-plan.js';
import type { ProcessRunner } from './process-runner.js';

export { withBaseAcl } from './install-permissions.js';

export interface InstallExecutorDeps {
  readonly run: ProcessRunner;
  /** Whether copied files keep their owner (the official agent does so when running as root). */
  readonly preserveOwner: boolean;
  /** The AppSpec's destinations (absolute): cleanup will delete nothing outside them. */
  readonly destinations?: readonly string[];
}

class CleanupRecorder {
  private readonly fd: number;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w', 0o644);
    writeSync(this.fd, `${CLEANUP_HEADER}\n`);
  }

  record(entry: CleanupEntry): void {
    writeSync(this.fd, encodeCleanupEntry(entry));
  }

  close(): void {
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

class Execution {
  /** Links this Install created: nothing may be created below one. */
  private readonly links = new Set<string>();

  constructor(private readonly recorder: CleanupRecorder, private readonly deps: InstallExecutorDeps) {}

  private assertNotBelowOurLink(path: string): void {
    for (const link of this.links) {
      if (path !== link && isSameOrUnder(link, path)) {
        throw new EdgeError('INSTALL_SYMLINK_ESCAPE', `The deployment failed because ${path} would be created through the symlink ${link} that this deployment installed.`, {
          details: { path, link },
        });
      }
    }
  }

  mkdir(directory: string): void {
    this.assertNotBelowOurLink(directory);
    try {
      mkdirSync(directory);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // created by someone else since the plan: use it if it is a real directory, never record it
      if (!lstatSync(directory).isDirectory()) throw notADirectoryError(directory);
      return;
    }
    this.recorder.record({ kind: 'mkdir', path: directory });
  }

  copy(source: string, destination: string): void {
    this.assertNotBelowOurLink(destination);
    const st = lstatSync(source);
    const tmp = join(dirname(destination), `.edge-agent-${randomBytes(8).toString('hex')}.tmp`);
    this.recorder.record({ kind: 'tmp', path: tmp });
    if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), tmp); // EEXIST if anything is there; never follows
    } else {
      copyFileSync(source, tmp, FS.COPYFILE_EXCL); // O_CREAT|O_EXCL: never opens an existing file or link
      lutimesSync(tmp, st.atime, st.mtime);
      // as root, keep the file's owner (like cp -a); files the agent extracted are already ours
      if (this.deps.preserveOwner && (st.uid !== process.getuid?.() || st.gid !== process.getgid?.())) {
        try {
          lchownSync(tmp, st.uid, st.gid);
        } catch {
          // not permitted: ownership stays with the agent user
        }
      }
    }
    this.recorder.record({ kind: 'rename', path: destination, tmp });
    // rename replaces a file (or a link) atomically, and works on a running executable. If it fails,
    // the temp file stays (recorded): the next cleanup removes it and leaves the destination alone.
    renameSync(tmp, destination);
    this.recorder.record({ kind: 'file', path: destination });
    if (st.isSymbolicLink()) this.links.add(destination);
  }

  async permission(instr: Extract<Instruction, { type: 'chmod' | 'setfacl' | 'semanage' | 'chown' }>): Promise<void> {
    await applyPermission(instr, this.deps.run, (realPath) => this.recorder.record({ kind: 'semanage', path: realPath }));
  }
}

function targetOf(instr: Instruction): string {
  return instr.type === 'copy' ? instr.destination : instr.type === 'mkdir' ? instr.directory : instr.file;
}

export async function executeInstructions(instructions: readonly Instruction[], cleanupFile: string, deps: InstallExecutorDeps): Promise<void> {
  const recorder = new CleanupRecorder(cleanupFile);
  const run = new Execution(recorder, deps);
  try {
    for (const d of deps.destinations ?? []) recorder.record({ kind: 'dest', path: d });
    for (const instr of instructions) {
      try {
        if (instr.type === 'copy') run.copy(instr.source, instr.destination);
        else if (instr.type === 'mkdir') run.mkdir(instr.directory);
        else await run.permission(instr);
      } catch (e) {
        if (isEdgeError(e)) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR') throw notADirectoryError(dirname(targetOf(instr)));
        throw new EdgeError('INSTALL_IO', `The deployment failed while installing ${targetOf(instr)}: ${(e as Error).message}`, { cause: e });
      }
    }
  } finally {
    recorder.close();
  }
}

