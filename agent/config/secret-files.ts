// Files holding secrets (the on-premises file with access keys, the session credentials file) must
// be private: no group/other permission bits, owned by root or by the agent's own user.
import { statSync, type Stats } from 'node:fs';
import { EdgeError } from '../../shared/errors.js';
import type { OnPremisesConfig } from './onprem-config.js';

export interface SecretFileOptions {
  /** The uid the agent runs as; default process.getuid(). */
  readonly agentUid?: number;
}

export function currentUid(): number {
  return process.getuid?.() ?? 0;
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** Why the file must not be used, or undefined when it is private enough. Pure. */
export function insecureSecretFileReason(path: string, stat: Pick<Stats, 'mode' | 'uid'>, agentUid: number): string | undefined {
  if ((stat.mode & 0o077) !== 0) {
    const how = (stat.mode & 0o044) !== 0 ? 'readable' : 'accessible';
    return `${path} holds secrets and is ${how} by group/other (mode ${octal(stat.mode)}); run: chmod 600 ${path}`;
  }
  if (stat.uid !== 0 && stat.uid !== agentUid) {
    return `${path} holds secrets and is owned by uid ${stat.uid}, which is neither root nor the agent's user (uid ${agentUid}); run: chown ${agentUid} ${path}`;
  }
  return undefined;
}

/**
 * Throws CONFIG_INSECURE_PERMISSIONS when the file is readable by others or owned by another user.
 * Returns 'missing' when it does not exist (the caller decides whether that is an error).
 */
export function checkSecretFile(path: string, options: SecretFileOptions = {}): 'ok' | 'missing' {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new EdgeError('CONFIG_NOT_FOUND', `${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { details: { path } });
  }
  if (!stat.isFile()) throw new EdgeError('CONFIG_INVALID', `${path} is not a regular file`, { details: { path } });
  const reason = insecureSecretFileReason(path, stat, options.agentUid ?? currentUid());
  if (reason) throw new EdgeError('CONFIG_INSECURE_PERMISSIONS', reason, { details: { path } });
  return 'ok';
}

/** The files of this identity that hold secrets. */
export function secretFilesOf(onprem: OnPremisesConfig): string[] {
  const files: string[] = [];
  if (onprem.holdsSecrets) files.push(onprem.source);
  if (onprem.mode === 'iam-session') files.push(onprem.credentialsFile);
  return files;
}

/**
 * The start-up check: refuses (CONFIG_INSECURE_PERMISSIONS) when any secret file of the identity is
 * not private. A credentials file that does not exist yet is not a permission problem: the
 * credential provider reports it (CREDENTIALS_UNAVAILABLE) when it is needed.
 */
export function checkOnPremisesSecretFiles(onprem: OnPremisesConfig, options: SecretFileOptions = {}): void {
  for (const file of secretFilesOf(onprem)) checkSecretFile(file, options);
}
