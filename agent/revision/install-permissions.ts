// Applies the permission instructions of an Install (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/application_specification/: chmod, setfacl, semanage, chown).
// None of them ever follows a symbolic link: a link is skipped (its target may lie outside every
// destination, and the link's own mode means nothing on Linux), and chown uses lchown.
import { chmodSync, lchownSync, lstatSync, realpathSync, type Stats } from 'node:fs';
import { EdgeError } from '../../shared/errors.js';
import type { Instruction } from './install-plan.js';
import type { ProcessRunner } from './process-runner.js';

export type PermissionInstruction = Extract<Instruction, { type: 'chmod' | 'setfacl' | 'semanage' | 'chown' }>;

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

async function setfacl(run: ProcessRunner, acl: readonly string[], file: string, st: Stats): Promise<void> {
  const full = withBaseAcl(acl, st.mode).join(',');
  const res = await run('setfacl', ['--physical', '--set', full, file]);
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

async function semanage(run: ProcessRunner, instr: Extract<Instruction, { type: 'semanage' }>, record: (realPath: string) => void): Promise<void> {
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
    if (file === 'semanage') record(path);
  }
}

/**
 * Apply one permission instruction. Returns false when the path is a symbolic link (skipped).
 * `recordSemanage` is called once a context rule was added, so the next Install removes it.
 */
export async function applyPermission(instr: PermissionInstruction, run: ProcessRunner, recordSemanage: (realPath: string) => void): Promise<boolean> {
  const st = lstatSync(instr.file);
  if (st.isSymbolicLink()) return false;
  switch (instr.type) {
    case 'chmod':
      chmodSync(instr.file, parseInt(instr.mode, 8));
      break;
    case 'setfacl':
      await setfacl(run, instr.acl, instr.file, st);
      break;
    case 'semanage':
      await semanage(run, instr, recordSemanage);
      break;
    case 'chown': {
      const uid = instr.owner ? await lookupId(run, 'passwd', instr.owner, instr.file) : -1;
      const gid = instr.group ? await lookupId(run, 'group', instr.group, instr.file) : -1;
      lchownSync(instr.file, uid, gid);
      break;
    }
  }
  return true;
}
