// AWS credentials of the on-premises identity (aws-codedeploy-agent lib/instance_agent/file_credentials.rb).
// - IAM user: the static keys of the on-premises file.
// - IoT certificate: temporary keys from the AWS IoT credentials provider (iot-credentials.ts).
// - IAM session: the INI file named by aws_credentials_file, [default] profile, read as the
//   official FileCredentials does: the identity expires 30 min after the read and is re-read
//   5 min before that (v2's buffer). Unlike the official agent the file is also re-read as soon
//   as it changes (mtime, size, inode), so a rotated file is used without a restart.
// Every read checks the file is private (secret-files.ts). No secret ever reaches a message.
import { readFile, stat } from 'node:fs/promises';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import { iotCredentialProvider } from './iot-credentials.js';
import type { OnPremisesConfig } from './onprem-config.js';
import { currentUid, insecureSecretFileReason } from './secret-files.js';

/** FileCredentials: expiration = time of the read + 30 min. */
export const CREDENTIALS_FILE_LIFETIME_MS = 30 * 60 * 1000;
/** Re-read this long before the expiration (the SDK's and v2's refresh window). */
export const CREDENTIALS_REFRESH_BUFFER_MS = 5 * 60 * 1000;

export interface CredentialProviderOptions {
  /** Clock; default () => new Date(). */
  readonly now?: () => Date;
  /** The agent's uid for the ownership check; default process.getuid(). */
  readonly agentUid?: number;
  /** Check the file's mode/owner on every read (default true). */
  readonly checkPermissions?: boolean;
  /**
   * AWS SDK clients memoize an identity until 5 min before its `expiration` and only then call the
   * provider again. Set this to make the reported expiration at most `5 min + recheckSeconds` away, so
   * SDK clients ask again that often and a rotated file reaches them too. Unset: the real expiration.
   */
  readonly sdkRecheckSeconds?: number;
  /** Told (without secrets) when a re-read failed and the still-valid cached keys are used. */
  readonly warn?: (message: string) => void;
}

const unavailable = (path: string, why: string): EdgeError =>
  new EdgeError('CREDENTIALS_UNAVAILABLE', `Failed to load credentials from path ${path}: ${why}`, { details: { path } });

/** Parses the [default] profile of a shared-credentials INI file. Messages never quote values. */
export function parseCredentialsFile(text: string, path: string): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  const profile: Record<string, string> = {};
  let section: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || section !== 'default') continue;
    profile[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  const accessKeyId = profile['aws_access_key_id'];
  const secretAccessKey = profile['aws_secret_access_key'];
  if (!accessKeyId || !secretAccessKey) throw unavailable(path, 'no [default] profile with aws_access_key_id and aws_secret_access_key');
  const sessionToken = profile['aws_session_token'];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

interface Cached {
  readonly keys: ReturnType<typeof parseCredentialsFile>;
  readonly fingerprint: string;
  readonly expiresAtMs: number;
}

/** Re-reads the session credentials file when it expires or changes; see the file comment. */
function fileCredentialProvider(path: string, options: CredentialProviderOptions): AwsCredentialIdentityProvider {
  const now = options.now ?? (() => new Date());
  const checkPermissions = options.checkPermissions ?? true;
  const agentUid = options.agentUid ?? currentUid();
  let cached: Cached | undefined;
  let pending: Promise<Cached> | undefined;

  async function read(): Promise<Cached> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw unavailable(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : `cannot stat it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const fingerprint = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const nowMs = now().getTime();
    if (cached && cached.fingerprint === fingerprint && nowMs < cached.expiresAtMs - CREDENTIALS_REFRESH_BUFFER_MS) return cached;
    if (checkPermissions) {
      const reason = insecureSecretFileReason(path, st, agentUid);
      if (reason) throw new EdgeError('CONFIG_INSECURE_PERMISSIONS', reason, { details: { path } });
    }
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw unavailable(path, `cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return { keys: parseCredentialsFile(text, path), fingerprint, expiresAtMs: nowMs + CREDENTIALS_FILE_LIFETIME_MS };
  }

  async function current(): Promise<Cached> {
    try {
      cached = await read();
    } catch (e) {
      // a file caught mid-rewrite must not fail a poll while the keys read before are still valid;
      // an insecure file is never tolerated
      if (!cached || isEdgeError(e, 'CONFIG_INSECURE_PERMISSIONS') || now().getTime() >= cached.expiresAtMs) throw e;
      options.warn?.(`${(e as Error).message}; using the credentials read before until they expire`);
    }
    return cached;
  }

  return async () => {
    pending ??= current().finally(() => (pending = undefined));
    const { keys, expiresAtMs } = await pending;
    const recheck = options.sdkRecheckSeconds;
    const reportedMs = recheck === undefined ? expiresAtMs : Math.min(expiresAtMs, now().getTime() + CREDENTIALS_REFRESH_BUFFER_MS + recheck * 1000);
    const identity: AwsCredentialIdentity = { ...keys, expiration: new Date(reportedMs) };
    return identity;
  };
}

/** The credential provider for the on-premises identity (static for an IAM user). */
export function credentialProviderFor(
  onprem: OnPremisesConfig,
  options: CredentialProviderOptions & { readonly onIotRefresh?: () => void } = {},
): AwsCredentialIdentityProvider {
  if (onprem.mode === 'iam-user') {
    const identity: AwsCredentialIdentity = { ...onprem.credentials };
    return async () => identity;
  }
  if (onprem.mode === 'iot-certificate') {
    // temporary keys with a real expiration: SDK clients ask again 5 min before it
    return iotCredentialProvider(onprem.iot, {
      ...(options.now ? { now: options.now } : {}),
      ...(options.agentUid !== undefined ? { agentUid: options.agentUid } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
      ...(options.onIotRefresh ? { onRefresh: options.onIotRefresh } : {}),
    });
  }
  return fileCredentialProvider(onprem.credentialsFile, options);
}

/** An access key id for people: only its last 4 characters. */
export function redactAccessKeyId(id: string): string {
  return id.length <= 4 ? '****' : `${'*'.repeat(id.length - 4)}${id.slice(-4)}`;
}
