// Executes install instructions (§3.4 step 6). Every created path is appended to the group's
// cleanup file BEFORE it is created, so an interrupted Install is undone by the next one.
import { chmodSync, chownSync, closeSync, copyFileSync, fsyncSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { Instruction } from './install-plan.js';
import type { ProcessRunner } from './process-runner.js';

export interface InstallExecutorDeps {
  readonly run: ProcessRunner;
  /** Whether copied files keep their owner (the official agent does so when running as root). */
  readonly preserveOwner: boolean;
}

class CleanupRecorder {
  private readonly fd: number;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w', 0o644);
  }

  /**
   * Written (not fsynced) before the path is created. An fsync here would force every copied
   * file's data to disk too (ext4 commits them in the same journal transaction) and cost more
   * than the copy; the ordering the crash guarantee needs comes from the filesystem instead:
   * this append's size change commits no later than the later file creation (ext4 data=ordered).
   */
  record(line: string): void {
    writeSync(this.fd, `${line}\n`);
  }

  close(): void {
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

function copyPreserving(source: string, destination: string, preserveOwner: boolean): void {
  const st = lstatSync(source);
  const tmp = join(dirname(destination), `.${basename(destination)}.edge-agent-tmp`);
  if (st.isSymbolicLink()) {
    rmSync(tmp, { force: true });
    symlinkSync(readlinkSync(source), tmp);
  } else {
    // copyFileSync replaces a stale tmp from an interrupted run and gives it the source's mode
    copyFileSync(source, tmp);
    utimesSync(tmp, st.atime, st.mtime);
    // as root, keep the file's owner (like cp -a); files the agent extracted are already ours
    if (preserveOwner && (st.uid !== process.getuid?.() || st.gid !== process.getgid?.())) {
      try {
        chownSync(tmp, st.uid, st.gid);
      } catch {
        // not permitted: ownership stays with the agent user
      }
    }
  }
  // rename replaces a file (or a symlink) atomically, and works on a running executable
  renameSync(tmp, destination);
}

async function lookupId(run: ProcessRunner, db: 'passwd' | 'group', name: string, file: string): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  const res = await run('getent', [db, name]);
  const id = res.code === 0 ? Number(res.stdout.split(':')[2]) : NaN;
  if (!Number.isInteger(id)) {
    const what = db === 'passwd' ? 'user' : 'group';
    throw new EdgeError(
      'INSTALL_UNKNOWN_OWNER',
      `The deployment failed because the ${what} ${name}, named in the permissions section for ${file}, does not exist on this device. Create it first (for example in a BeforeInstall hook), and then try again.`,
    );
  }
  return id;
}

/** Base entries setfacl --set needs, synthesised from the file's current mode (canonical forms). */
export function withBaseAcl(acl: readonly string[], mode: number): string[] {
  const bits = (n: number): string => `${n & 4 ? 'r' : '-'}${n & 2 ? 'w' : '-'}${n & 1 ? 'x' : '-'}`;
  const u = bits((mode >> 6) & 7);
  const g = bits((mode >> 3) & 7);
  const o = bits(mode & 7);
  const access = acl.filter((a) => !a.startsWith('default:'));
  const defaults = acl.filter((a) => a.startsWith('default:'));
  const out = [`user::${u}`, `group::${g}`, ...access];
  if (!access.some((a) => a.startsWith('other:'))) out.push(`other::${o}`);
  const named = access.some((a) => /^(user|group):[^:]+:/.test(a));
  if (named && !access.some((a) => a.startsWith('mask:'))) out.push(`mask::${g}`);
  if (defaults.length > 0) {
    out.push(`default:user::${u}`, `default:group::${g}`, ...defaults);
    if (!defaults.some((a) => a.startsWith('default:other:'))) out.push(`default:other::${o}`);
    if (!defaults.some((a) => a.startsWith('default:mask:'))) out.push(`default:mask::${g}`);
  }
  return out;
}

async function setfacl(run: ProcessRunner, acl: readonly string[], file: string): Promise<void> {
  const full = withBaseAcl(acl, statSync(file).mode).join(',');
  const res = await run('setfacl', ['--set', full, file]);
  if (res.spawnError === 'ENOENT') {
    throw new EdgeError('INSTALL_SETFACL_MISSING', `The deployment failed because the permissions section of the AppSpec file sets acls on ${file}, but setfacl is not installed on this device. Install it with: sudo apt-get install acl`);
  }
  if (res.code !== 0) {
    throw new EdgeError(
      'INSTALL_SETFACL_FAILED',
      `The deployment failed because of a problem with the acls permission settings in the application specification file for this object: ${file}. Failed command: setfacl --set ${full} ${file}. Exit code: ${res.code ?? ''}`,
      { details: { stderr: res.stderr.trim() } },
    );
  }
}

async function semanage(run: ProcessRunner, instr: Extract<Instruction, { type: 'semanage' }>, recorder: CleanupRecorder): Promise<void> {
  const path = realpathSync(instr.file);
  const args = ['fcontext', '-a', ...(instr.context.user ? ['-s', instr.context.user] : []), '-t', instr.context.type, ...(instr.context.range ? ['-r', instr.context.range] : []), path];
  for (const [file, argv] of [['semanage', args], ['restorecon', ['-v', path]]] as const) {
    const res = await run(file, argv);
    if (res.code !== 0) {
      throw new EdgeError(
        'INSTALL_SEMANAGE_FAILED',
        `The deployment failed because the application specification file contains an error in the settings for the context parameter. Update the permissions section of the AppSpec file, and then try again. Failed command: ${file} ${argv.join(' ')}. Exit code: ${res.code ?? res.spawnError ?? ''}`,
      );
    }
    if (file === 'semanage') recorder.record(`semanage\0${path}`);
  }
}

export async function executeInstructions(instructions: readonly Instruction[], cleanupFile: string, deps: InstallExecutorDeps): Promise<void> {
  const recorder = new CleanupRecorder(cleanupFile);
  try {
    for (const instr of instructions) {
      try {
        switch (instr.type) {
          case 'copy':
            recorder.record(instr.destination);
            copyPreserving(instr.source, instr.destination, deps.preserveOwner);
            break;
          case 'mkdir':
            recorder.record(instr.directory);
            try {
              mkdirSync(instr.directory);
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(instr.directory).isDirectory()) throw e;
            }
            break;
          case 'chmod':
            chmodSync(instr.file, parseInt(instr.mode, 8));
            break;
          case 'setfacl':
            await setfacl(deps.run, instr.acl, instr.file);
            break;
          case 'semanage':
            await semanage(deps.run, instr, recorder);
            break;
          case 'chown': {
            const uid = instr.owner ? await lookupId(deps.run, 'passwd', instr.owner, instr.file) : -1;
            const gid = instr.group ? await lookupId(deps.run, 'group', instr.group, instr.file) : -1;
            chownSync(instr.file, uid, gid);
            break;
          }
        }
      } catch (e) {
        if (isEdgeError(e)) throw e;
        const where = 'destination' in instr ? instr.destination : 'directory' in instr ? instr.directory : instr.file;
        throw new EdgeError('INSTALL_IO', `The deployment failed while installing ${where}: ${(e as Error).message}`, { cause: e });
      }
    }
  } finally {
    recorder.close();
  }
}
