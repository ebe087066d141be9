// The sandbox: one process serving, on one loopback port, the AWS wire protocols our programs use
// (STS, S3, CodeDeploy, CodeDeploy Commands), so real SDK clients work against it unchanged
// through an endpoint override. Importable from tests (startSandbox) and run by
// `fleetctl sandbox start`.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../shared/fs-atomic.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { createCodeDeployService } from './codedeploy/codedeploy-service.js';
import { createCommandBroker } from './commands/broker.js';
import { createCommandsService } from './commands/commands-service.js';
import { createSigningCa } from './commands/signing-ca.js';
import { createCredentialRegistry, type SandboxCredentialRegistry } from './credentials.js';
import { createS3Service } from './s3/s3-service.js';
import { assumePolicy, type SandboxConfig } from './sandbox-config.js';
import { PIPELINE_ACCOUNT_ID, SANDBOX_DEFAULT_REGION } from './constants.js';
import { startSandboxServer } from './server.js';
import { createStore } from './store.js';
import { createStsService } from './sts/sts-service.js';
import type { Principal } from './types.js';

export interface SandboxOptions {
  /** Persist state, credentials and the signing CA here; omitted = in memory only. */
  readonly dir?: string;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly config?: SandboxConfig;
  /** How long a host may take to pick up a lifecycle command (CodeDeploy: 5 minutes). */
  readonly pickupTimeoutMs?: number;
  /** How long a picked-up command may run without completing (CodeDeploy: about an hour). */
  readonly completionTimeoutMs?: number;
  /** Longest PollHostCommand long poll. */
  readonly maxPollWaitMs?: number;
  readonly log?: Logger;
}

export interface Sandbox {
  readonly url: string;
  readonly region: string;
  readonly dir: string | undefined;
  /** The pipeline account's root credentials. */
  readonly root: Principal;
  /** PEM of the CA that signs deployment specifications. */
  readonly caPem: string;
  readonly credentials: SandboxCredentialRegistry;
  /** Environment for any AWS SDK or CLI (and our agent) to use this sandbox. */
  env(principal?: Principal): Record<string, string>;
  close(): Promise<void>;
}

const ROOT_FILE = 'root-credentials.json';
const CREDENTIALS_FILE = 'credentials.json';

/** A registry that writes every principal to <dir>/credentials.json (0600) when it changes. */
function persistentRegistry(dir: string | undefined): SandboxCredentialRegistry {
  const inner = createCredentialRegistry();
  if (!dir) return inner;
  const file = join(dir, CREDENTIALS_FILE);
  if (existsSync(file)) {
    for (const p of JSON.parse(readFileSync(file, 'utf8')) as (Principal & { expiresAt?: string })[]) {
      inner.register({ ...p, ...(p.expiresAt ? { expiresAt: new Date(p.expiresAt) } : {}) });
    }
  }
  const save = (): void => writeFileAtomic(file, JSON.stringify(inner.list()), { mode: 0o600 });
  return {
    ...inner,
    issue: (p) => {
      const issued = inner.issue(p);
      save();
      return issued;
    },
    register: (p) => {
      const r = inner.register(p);
      save();
      return r;
    },
    revoke: (k) => {
      const r = inner.revoke(k);
      save();
      return r;
    },
  };
}

function rootPrincipal(credentials: SandboxCredentialRegistry, dir: string | undefined, accountId: string): Principal {
  const file = dir ? join(dir, ROOT_FILE) : undefined;
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Principal;
    if (credentials.lookup(saved.accessKeyId)) return saved;
    return credentials.register(saved);
  }
  const root = credentials.issue({ arn: `arn:aws:iam::${accountId}:root`, accountId, userId: accountId });
  if (file) writeFileAtomic(file, JSON.stringify(root), { mode: 0o600 });
  return root;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? silentLogger();
  const dir = options.dir ? resolve(options.dir) : undefined;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o700);
  }
  const config = options.config ?? { region: SANDBOX_DEFAULT_REGION, pipelineAccountId: PIPELINE_ACCOUNT_ID };
  const credentials = persistentRegistry(dir);
  const root = rootPrincipal(credentials, dir, config.pipelineAccountId);
  const store = await createStore({ ...(dir ? { dir } : {}), log });
  const ca = await createSigningCa(dir ? { dir } : {});
  const broker = createCommandBroker({ log });
  const codedeploy = createCodeDeployService({
    store,
    broker,
    log,
    ...(options.pickupTimeoutMs !== undefined ? { pickupTimeoutMs: options.pickupTimeoutMs } : {}),
    ...(options.completionTimeoutMs !== undefined ? { completionTimeoutMs: options.completionTimeoutMs } : {}),
  });
  const server = await startSandboxServer({
    ...(options.host ? { host: options.host } : {}),
    port: options.port ?? 0,
    credentials,
    log,
    handlers: {
      sts: createStsService({ credentials, allowAssume: assumePolicy(config) }),
      s3: createS3Service({ store }),
      codedeploy,
      'codedeploy-commands': createCommandsService({ broker, instances: codedeploy.instances, ca, ...(options.maxPollWaitMs !== undefined ? { maxPollWaitMs: options.maxPollWaitMs } : {}) }),
    },
  });
  const region = config.region;
  const env = (p: Principal = root): Record<string, string> => ({
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: p.accessKeyId,
    AWS_SECRET_ACCESS_KEY: p.secretAccessKey,
    ...(p.sessionToken ? { AWS_SESSION_TOKEN: p.sessionToken } : {}),
    AWS_ENDPOINT_URL_CODEDEPLOY: server.url,
    AWS_ENDPOINT_URL_S3: server.url,
    AWS_ENDPOINT_URL_STS: server.url,
    EDGE_COMMANDS_ENDPOINT: server.url,
    ...(dir ? { EDGE_SANDBOX_CA: join(dir, 'ca.pem') } : {}),
  });
  let closed = false;
  return {
    url: server.url,
    region,
    dir,
    root,
    caPem: ca.caPem,
    credentials,
    env,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      broker.close(); // fails outstanding commands, so the orchestrator's waits end
      await codedeploy.close();
      await store.flush();
    },
  };
}
