// Starts the sandbox HTTP core on a loopback port for a test, with a pipeline-account root principal,
// and builds AWS SDK client configs pointing at it: `new S3Client(sb.clientConfig())`.
// STS (GetCallerIdentity, AssumeRole) is served by default; pass `handlers.sts` to replace it.
import type { Logger } from '../../shared/log.js';
import { PIPELINE_ACCOUNT_ID, SANDBOX_DEFAULT_REGION } from '../../sandbox/constants.js';
import { createCredentialRegistry, type SandboxCredentialRegistry } from '../../sandbox/credentials.js';
import { startSandboxServer } from '../../sandbox/server.js';
import { createStsService } from '../../sandbox/sts/sts-service.js';
import { assumedRoleUserId, iamUniqueId } from '../../sandbox/sts/unique-id.js';
import type { Clock, Principal, ServiceHandler, SigningService } from '../../sandbox/types.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface TestSandboxOptions {
  log?: Logger;
  maxClockSkewMs?: number;
  maxBodyBytes?: number;
  clock?: Clock;
  region?: string;
  /** Passed to the default STS handler (which serves unless `handlers.sts` is given). */
  allowAssume?: (accountId: string, roleName: string) => boolean;
  /** Use this registry instead of a fresh one (e.g. one a service also issues from). */
  credentials?: SandboxCredentialRegistry;
}

export interface SdkClientConfig {
  endpoint: string;
  region: string;
  credentials: TestCredentials;
  forcePathStyle: true;
  maxAttempts: 1;
}

export interface TestSandbox {
  readonly url: string;
  readonly region: string;
  /** Root of the pipeline account (arn:aws:iam::111111111111:root). */
  readonly root: Principal;
  readonly credentials: SandboxCredentialRegistry;
  /** Config for any AWS SDK v3 client: endpoint, region, credentials (default: root), path-style, one attempt. */
  clientConfig(creds?: TestCredentials): SdkClientConfig;
  close(): Promise<void>;
}

export async function startTestSandbox(handlers: Partial<Record<SigningService, ServiceHandler>>, opts: TestSandboxOptions = {}): Promise<TestSandbox> {
  const credentials = opts.credentials ?? createCredentialRegistry();
  const root = credentials.issue({ arn: `arn:aws:iam::${PIPELINE_ACCOUNT_ID}:root`, accountId: PIPELINE_ACCOUNT_ID, userId: PIPELINE_ACCOUNT_ID });
  const server = await startSandboxServer({
    credentials,
    handlers: { sts: createStsService({ credentials, clock: opts.clock, allowAssume: opts.allowAssume }), ...handlers },
    log: opts.log,
    maxClockSkewMs: opts.maxClockSkewMs,
    maxBodyBytes: opts.maxBodyBytes,
    clock: opts.clock,
  });
  const region = opts.region ?? SANDBOX_DEFAULT_REGION;
  return {
    url: server.url,
    region,
    root,
    credentials,
    clientConfig(creds = root) {
      const c: TestCredentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) };
      return { endpoint: server.url, region, credentials: c, forcePathStyle: true, maxAttempts: 1 };
    },
    close: () => server.close(),
  };
}

/**
 * Issue credentials for a principal by ARN, as IAM/STS would:
 * arn:aws:iam::<acct>:user/<name> → long-lived AKIA keys; arn:aws:sts::<acct>:assumed-role/<role>/<session>
 * → ASIA keys + session token valid for `ttlMs` (default 1 h; negative = already expired).
 */
export function issueSession(sb: Pick<TestSandbox, 'credentials'>, arn: string, opts: { ttlMs?: number; now?: Date } = {}): Principal {
  const m = /^arn:aws:(iam|sts)::(\d{12}):(root|user\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)|assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+))$/.exec(arn);
  if (!m) throw new Error(`issueSession: unsupported principal ARN ${arn}`);
  const accountId = m[2]!;
  if (m[5] !== undefined) {
    const now = opts.now ?? new Date();
    return sb.credentials.issue({
      arn,
      accountId,
      userId: assumedRoleUserId(accountId, m[5], m[6]!),
      expiresAt: new Date(now.getTime() + (opts.ttlMs ?? 3600_000)),
    });
  }
  const userId = m[3] === 'root' ? accountId : iamUniqueId('AIDA', arn);
  return sb.credentials.issue({ arn, accountId, userId });
}
