// The fleet commands' part of the composition root, built by main.ts when a fleet command runs: the
// only reader of the environment below main.ts (region, endpoints, the IoT CA), turning it into plain
// options, and the builder of the AWS client pool (SDK adapter, real timers, clock, random source,
// logger). Commands get a FleetContext and never look at process.env or an SDK.
import { EdgeError } from '../shared/errors.js';
import { createLogger, silentLogger, type Logger } from '../shared/log.js';
import type { AwsPool } from './aws/pool.js';
import { SERVICES, type Service } from './aws/ports.js';
import { parseTpsOption } from './cli/tps-option.js';
import type { FleetPorts } from './fleet/model.js';
import type { Reporter } from './output/progress.js';

export interface GlobalFleetOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  tps?: string;
  concurrency?: number;
  verbose?: boolean;
  json?: boolean;
}

/** What main.ts gives every fleet command. */
export interface FleetDeps {
  /** The process environment, read here only (awsEnvironment). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly reporter: Reporter;
  /** Where --verbose logs go (stderr). */
  readonly logStream: NodeJS.WritableStream;
}

export interface FleetContext {
  /** The ports of the default (account, region, credentials). */
  readonly aws: FleetPorts;
  readonly pool: AwsPool;
  readonly log: Logger;
  readonly concurrency: number;
  close(): void;
}

/** What the environment (and the flags over it) says about AWS, as plain options. */
export interface AwsEnvironment {
  /** Absent: the profile's region, resolved by the SDK adapter. */
  readonly region?: string;
  /** Endpoint overrides by service (--endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL). */
  readonly endpoints: Partial<Record<Service, string>>;
  /** The CA IoT devices verify AWS IoT with (EDGE_IOT_CA). */
  readonly iotCa?: string;
}

/** The SDKs' environment names of each service's endpoint (AWS_ENDPOINT_URL_<name>). */
export const ENDPOINT_ENV: Readonly<Record<Service, string>> = {
  codedeploy: 'CODEDEPLOY',
  s3: 'S3',
  sts: 'STS',
  iot: 'IOT',
  iotdata: 'IOT_DATA_PLANE',
  iam: 'IAM',
  cloudformation: 'CLOUDFORMATION',
  cloudwatch: 'CLOUDWATCH',
};

export function awsEnvironment(env: FleetDeps['env'], flags: Pick<GlobalFleetOptions, 'region' | 'endpointUrl'>): AwsEnvironment {
  const region = flags.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  const useEnv = env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] !== 'true';
  const endpoints: Partial<Record<Service, string>> = {};
  for (const s of SERVICES) {
    const url = flags.endpointUrl ?? (useEnv ? (env[`AWS_ENDPOINT_URL_${ENDPOINT_ENV[s]}`] ?? env['AWS_ENDPOINT_URL']) : undefined);
    if (url) endpoints[s] = url;
  }
  const iotCa = env['EDGE_IOT_CA'];
  return { ...(region ? { region } : {}), endpoints, ...(iotCa ? { iotCa } : {}) };
}

/** Checks the global flags, resolves region and credentials (exit 2 naming what to set), builds the pool. */
export async function openFleetContext(opts: GlobalFleetOptions, deps: FleetDeps): Promise<FleetContext> {
  const tps = opts.tps ? parseTpsOption(opts.tps, SERVICES) : {};
  if ('error' in tps) throw new EdgeError('CLI_USAGE', `--tps: ${String(tps.error)}`);
  if (opts.concurrency !== undefined && !(Number.isInteger(opts.concurrency) && opts.concurrency > 0)) {
    throw new EdgeError('CLI_USAGE', '--concurrency must be a whole number above 0');
  }
  const log = opts.verbose ? createLogger({ name: 'fleetctl', level: 'debug', destination: deps.logStream }) : silentLogger();
  const env = awsEnvironment(deps.env, opts);
  // the SDK adapter loads here, and only here: fleetctl validate never reaches this
  const [{ createSdkPortFactory }, { resolveSdkDefaults }, { createAwsPool }, { realTimers }] = await Promise.all([
    import('./aws/sdk-adapter.js'),
    import('./aws/sdk-defaults.js'),
    import('./aws/pool.js'),
    import('./aws/timers.js'),
  ]);
  const { region } = await resolveSdkDefaults({ ...(env.region ? { region: env.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) });
  const concurrency = opts.concurrency ?? 32;
  const pool = createAwsPool(
    { region, endpoints: env.endpoints, limits: { concurrency, tps } },
    {
      factory: createSdkPortFactory({ ...(opts.profile ? { profile: opts.profile } : {}), ...(env.endpoints.s3 ? { forcePathStyle: true } : {}) }),
      timers: realTimers,
      clock: () => Date.now(),
      random: Math.random,
      log,
    },
  );
  return { aws: pool.session(), pool, log, concurrency, close: () => pool.destroy() };
}
