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
import { applyAccounts } from './accounts-setup.js';
import { createKmsService } from './kms/kms-service.js';
import { assumePolicy, declaredAccounts, type SandboxConfig } from './sandbox-config.js';
import { createRoleAuthority, type RoleAuthority } from './sts/roles.js';
import { PIPELINE_ACCOUNT_ID, SANDBOX_DEFAULT_REGION } from './constants.js';
import { startSandboxServer } from './server.js';
import { callsEndpoint, createCallLog, type CallLog } from './call-log.js';
import { createCloudFormationService } from './cloudformation/cloudformation-service.js';
import { cloudFormationMayAssume } from './cloudformation/service-role.js';
import { createTemplateUrlReader } from './cloudformation/template-url.js';
import { createCloudWatchService } from './cloudwatch/cloudwatch-service.js';
import { createStore } from './store.js';
import { TimerQueue } from './timer-queue.js';
import { VirtualHosts, type SandboxVirtualHosts } from './virtual-hosts/virtual-hosts.js';
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
  /** Simulated CloudFormation provisioning time per resource (default 0; Metadata SandboxDelayMs overrides it). */
  readonly cloudformationDelayMs?: number;
  /** How CloudFormation waits out a provisioning delay (default: a timer); tests pass one they release themselves. */
  readonly cloudformationSleep?: (ms: number, signal: AbortSignal) => Promise<void>;
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
  /** Call accounting: the calls served by account, service and operation, reads and writes. */
  readonly calls: CallLog;
  /** CloudFormation: idle() resolves when no stack operation is running. */
  readonly cloudformation: { idle(): Promise<void> };
  /** The configured roles' trust; `roles.assume({ caller: { service: 'cloudformation.amazonaws.com' }, … })` for service principals. */
  readonly roles: RoleAuthority;
  /** Virtual hosts: add a group (`{ accountId, namePrefix, count, tags, eventMs, failEvents, … }`), read counters. */
  readonly virtualHosts: SandboxVirtualHosts;
  /** The root principal of any account (issued once, then the same keys). */
  rootOf(accountId: string): Principal;
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
  // One scheduler for every command deadline and virtual host event (no timer per host).
  const timers = new TimerQueue({ onError: (err) => log.error({ err }, 'scheduled sandbox callback failed') });
  const broker = createCommandBroker({ log, timers });
  const codedeploy = createCodeDeployService({
    store,
    broker,
    log,
    ...(options.pickupTimeoutMs !== undefined ? { pickupTimeoutMs: options.pickupTimeoutMs } : {}),
    ...(options.completionTimeoutMs !== undefined ? { completionTimeoutMs: options.completionTimeoutMs } : {}),
  });
  try {
    await applyAccounts({ store, region: config.region, codedeploy }, declaredAccounts(config) ?? []);
  } catch (e) {
    await codedeploy.close();
    await store.close();
    throw e;
  }
  const roles = createRoleAuthority({ credentials, config });
  const calls = createCallLog();
  const cloudformation = createCloudFormationService({
    store,
    log,
    delayMs: options.cloudformationDelayMs ?? 0,
    ...(options.cloudformationSleep ? { sleep: options.cloudformationSleep } : {}),
    mayAssumeRole: cloudFormationMayAssume(roles),
    readTemplateUrl: createTemplateUrlReader({ store, sandboxUrl: () => server.url }),
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
    calls,
    sandboxApi: callsEndpoint(calls),
    handlers: {
      sts: createStsService({ credentials, roles }),
      kms: createKmsService({ store }),
      iam: createIamService({ store, credentials }),
      s3: createS3Service({ store }),
      codedeploy,
      'codedeploy-commands': createCommandsService({ broker, instances: codedeploy.instances, ca, ...(options.maxPollWaitMs !== undefined ? { maxPollWaitMs: options.maxPollWaitMs } : {}) }),
      cloudformation: cloudformation.handler,
      monitoring: createCloudWatchService({ store }),
      ...iot.handlers,
    },
  }).catch(async (e: unknown) => {
    await iot.close();
    throw e;
  });
  const virtualHosts = new VirtualHosts({ broker, store, timers, shadows: iot.shadows, region: config.region, log });
  try {
    virtualHosts.addFromAccounts(declaredAccounts(config) ?? []);
  } catch (e) {
    virtualHosts.close();
    await server.close();
    await iot.close();
    await codedeploy.close();
    await cloudformation.close();
    await store.close();
    timers.close();
    throw e;
  }
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
    AWS_ENDPOINT_URL_CLOUDFORMATION: server.url,
    AWS_ENDPOINT_URL_CLOUDWATCH: server.url,
    AWS_ENDPOINT_URL_KMS: server.url,
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
    calls,
    cloudformation: { idle: () => cloudformation.idle() },
    roles,
    virtualHosts: { add: (input) => virtualHosts.add(input), stats: () => virtualHosts.stats() },
    rootOf(accountId: string): Principal {
      if (accountId === root.accountId) return root;
      const arn = `arn:aws:iam::${accountId}:root`;
      return credentials.list().find((p) => p.arn === arn) ?? credentials.issue({ arn, accountId, userId: accountId });
    },
    env,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await iot.close();
      virtualHosts.close();
      broker.close(); // fails outstanding commands, so the orchestrator's waits end
      await codedeploy.close();
      await cloudformation.close();
      await store.close();
      timers.close();
    },
  };
}
