// The sandbox: one process serving, on one loopback port, the AWS wire protocols our programs use
// (STS, S3, CodeDeploy, CodeDeploy Commands, IoT control and data planes), so real SDK clients work
// against it unchanged through an endpoint override; plus the IoT TLS listeners (MQTT broker,
// credentials provider) on ports of their own. Importable from tests (startSandbox) and run by
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
import { createIamService } from './iam/iam-service.js';
import { startIotSide, type SandboxIot } from './iot/iot-sandbox.js';
import { createRequestLimiter, type SandboxLimits } from './limits/limiter.js';
import type { LimitsConfig } from './limits/limits-config.js';
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
  /** 0 (default) picks a free port. When given, the MQTT broker defaults to port+1 and the IoT
   * credentials provider to port+2. */
  readonly port?: number;
  /** The IoT MQTT broker's port (mutual TLS); default port+1 when `port` is given, else a free port. */
  readonly mqttPort?: number;
  /** The IoT credentials provider's port (mutual TLS HTTPS); default port+2 when `port` is given, else a free port. */
  readonly credentialsProviderPort?: number;
  readonly config?: SandboxConfig;
  /** How long a host may take to pick up a lifecycle command (CodeDeploy: 5 minutes). */
  readonly pickupTimeoutMs?: number;
  /** How long a picked-up command may run without completing (CodeDeploy: about an hour). */
  readonly completionTimeoutMs?: number;
  /** Longest PollHostCommand long poll. */
  readonly maxPollWaitMs?: number;
  readonly log?: Logger;
  /** Per-operation TPS, injected latency and throttling (default: none; overrides `config.limits`). */
  readonly limits?: LimitsConfig;
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
  /** Request limits: change them at runtime, read the served/throttled counters. */
  readonly limits: SandboxLimits;
  /** IoT: the IoT CA, the MQTT broker's and the credentials provider's host:port, the registry lookups. */
  readonly iot: SandboxIot;
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
  const limiter = createRequestLimiter({ config: options.limits ?? config.limits ?? {} });
  const basePort = options.port ?? 0;
  const iot = await startIotSide({
    store,
    credentials,
    ...(dir ? { dir } : {}),
    ...(options.host ? { host: options.host } : {}),
    mqttPort: options.mqttPort ?? (basePort > 0 ? basePort + 1 : 0),
    credentialsProviderPort: options.credentialsProviderPort ?? (basePort > 0 ? basePort + 2 : 0),
    allowAssume: assumePolicy(config),
    log,
  });
  const server = await startSandboxServer({
    ...(options.host ? { host: options.host } : {}),
    port: options.port ?? 0,
    credentials,
    log,
    limiter,
    handlers: {
      sts: createStsService({ credentials, allowAssume: assumePolicy(config) }),
      iam: createIamService({ store, credentials }),
      s3: createS3Service({ store }),
      codedeploy,
      'codedeploy-commands': createCommandsService({ broker, instances: codedeploy.instances, ca, ...(options.maxPollWaitMs !== undefined ? { maxPollWaitMs: options.maxPollWaitMs } : {}) }),
      ...iot.handlers,
    },
  }).catch(async (e: unknown) => {
    await iot.close();
    throw e;
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
    AWS_ENDPOINT_URL_IAM: server.url,
    AWS_ENDPOINT_URL_IOT: server.url,
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: server.url,
    EDGE_COMMANDS_ENDPOINT: server.url,
    ...(dir ? { EDGE_SANDBOX_CA: join(dir, 'ca.pem') } : {}),
    ...(iot.caPath ? { EDGE_IOT_CA: iot.caPath } : {}),
  });
  let closed = false;
  return {
    url: server.url,
    region,
    dir,
    root,
    caPem: ca.caPem,
    credentials,
    limits: { set: limiter.set, get: limiter.get, stats: limiter.stats, resetStats: limiter.resetStats },
    iot: iot.info,
    env,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await iot.close();
      broker.close(); // fails outstanding commands, so the orchestrator's waits end
      await codedeploy.close();
      await store.close();
    },
  };
}
