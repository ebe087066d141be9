// An assumed-role session: STS AssumeRole (with ExternalId and a session name) through the parent
// identity's StsPort, cached and refreshed `refreshBeforeMs` before it expires (5 minutes by default,
// as the SDKs do), with concurrent refreshes sharing one AssumeRole call.
import { EdgeError, isEdgeError } from '../../shared/errors.js';
import type { CredentialProvider } from './clients.js';
import type { AssumeRoleInput, SessionCredentials, StsPort } from './ports.js';

export const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;

export interface RoleSessionDeps {
  /** The parent identity's STS (paced and retried by the pool). */
  readonly sts: () => StsPort;
  /** Wall-clock ms since the epoch (credential expiry is wall-clock time). */
  readonly clock: () => number;
  readonly refreshBeforeMs?: number;
}

type Expiring = SessionCredentials & { expiration: Date };

/** Codes that mean the role cannot be assumed as configured (as opposed to a passing failure). */
const CONFIGURATION = new Set(['AWS_ACCESS_DENIED', 'AWS_NOT_FOUND', 'AWS_REQUEST_INVALID', 'AWS_CREDENTIALS_REJECTED']);

export class RoleSession {
  private current: Expiring | undefined;
  private pending: Promise<Expiring> | undefined;
  private assumed = 0;

  constructor(
    readonly role: AssumeRoleInput,
    private readonly deps: RoleSessionDeps,
  ) {}

  /** AssumeRole calls made so far. */
  get assumeCount(): number {
    return this.assumed;
  }

  /** The provider handed to clients: cached credentials, refreshed ahead of expiry. */
  readonly credentials: CredentialProvider = () => this.get();

  async get(): Promise<Expiring> {
    const c = this.current;
    const margin = this.deps.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
    if (c && c.expiration.getTime() - this.deps.clock() > margin) return c;
    return this.refresh();
  }

  /** Forget the cached credentials (AWS said they expired): the next get() assumes the role again. */
  invalidate(): void {
    this.current = undefined;
  }

  private refresh(): Promise<Expiring> {
    this.pending ??= this.assume().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async assume(): Promise<Expiring> {
    this.assumed++;
    try {
      const r = await this.deps.sts().assumeRole(this.role);
      this.current = r.credentials;
      return r.credentials;
    } catch (e) {
      if (isEdgeError(e) && CONFIGURATION.has(e.code)) {
        const external = this.role.externalId !== undefined ? ' with its ExternalId' : '';
        throw new EdgeError('AWS_ASSUME_ROLE_FAILED', `could not assume ${this.role.roleArn}${external}: ${e.message}`, {
          cause: e,
          details: { ...e.details, roleArn: this.role.roleArn, sessionName: this.role.sessionName },
        });
      }
      throw e;
    }
  }
}
