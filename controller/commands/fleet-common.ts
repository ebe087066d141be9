// What fleet commands share on the command line: the global AWS options (--region, --profile,
// --endpoint-url, --tps, --concurrency), --verbose and --json, building the paced AWS clients, and
// ending the process explicitly (SDK sockets could keep it alive) with the documented exit codes:
// 0 all done, 1 some devices failed, 2 usage/config error.
import type { Command } from 'commander';
import { describeError, EdgeError, isEdgeError } from '../../shared/errors.js';
import { createLogger, silentLogger, type Logger } from '../../shared/log.js';
import { createFleetAws, resolveRegion, SERVICES, type FleetAws } from '../fleet/aws.js';
import { realTimers, parseTpsOption } from '../fleet/rate-limit.js';
import { createProgress, type Progress } from '../fleet/progress.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export interface GlobalFleetOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  tps?: string;
  concurrency?: number;
  verbose?: boolean;
  json?: boolean;
}

export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
    .option('--profile <name>', 'AWS profile from ~/.aws/config')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (e.g. the sandbox); AWS_ENDPOINT_URL_<SERVICE> also work')
    .option('--tps <service=n,...>', `client-side calls per second per service (${SERVICES.join(', ')}); default codedeploy=10,iot=10,iotdata=20,iam=5,sts=5`)
    .option('--concurrency <n>', 'devices handled at once (default 32)', (v) => Number(v))
    .option('--verbose', 'log AWS calls, retries and back-off to stderr (pino JSON)')
    .option('--json', 'print one versioned JSON document on stdout');
}

export interface FleetContext {
  readonly aws: FleetAws;
  readonly log: Logger;
  readonly concurrency: number;
  progress(label: string, total: number): Progress;
}

export async function fleetContext(opts: GlobalFleetOptions): Promise<FleetContext> {
  const tps = opts.tps ? parseTpsOption(opts.tps, SERVICES) : {};
  if ('error' in tps) throw new EdgeError('CLI_USAGE', `--tps: ${String(tps.error)}`);
  if (opts.concurrency !== undefined && !(Number.isInteger(opts.concurrency) && opts.concurrency > 0)) throw new EdgeError('CLI_USAGE', '--concurrency must be a whole number above 0');
  const log = opts.verbose ? createLogger({ name: 'fleetctl', level: 'debug', destination: process.stderr }) : silentLogger();
  const aws0 = { ...(opts.region ? { region: opts.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) };
  let region: string;
  try {
    region = await resolveRegion(aws0);
  } catch {
    throw new EdgeError('CLI_USAGE', 'no AWS region: pass --region or set AWS_REGION');
  }
  const concurrency = opts.concurrency ?? 32;
  const aws = createFleetAws(
    { ...aws0, region, ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}), tps, concurrency },
    { log, timers: realTimers, random: Math.random },
  );
  return {
    aws,
    log,
    concurrency,
    progress: (label, total) => createProgress(label, opts.json ? 0 : total, { isTTY: process.stderr.isTTY === true, write: (t) => void process.stderr.write(t) }),
  };
}

/** Runs a command body and exits with its code; errors print one line (or JSON) and exit 2/1. */
export function runFleetCommand(json: boolean | undefined, body: () => Promise<{ output: string; code: number }>): Promise<void> {
  const finish = (text: string, stream: NodeJS.WriteStream, code: number): void => {
    stream.write(text, () => process.exit(code));
  };
  return body().then(
    ({ output, code }) => finish(output, process.stdout, code),
    (e: unknown) => {
      const usage = isEdgeError(e) && ['CLI_USAGE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'FLEET_INVENTORY_INVALID', 'FLEET_IOT_SETUP'].includes(e.code);
      const code = usage ? 2 : 1;
      if (json) {
        const err = isEdgeError(e) ? { code: e.code, message: e.message, ...(e.details['problems'] ? { problems: e.details['problems'] } : {}) } : { code: 'INTERNAL', message: (e as Error).message };
        finish(`${JSON.stringify({ schema: 'fleetctl.error/v1', error: err }, null, 2)}\n`, process.stdout, code);
      } else finish(`ERROR: ${isEdgeError(e) ? describeError(e) : (e as Error).message}\n`, process.stderr, code);
    },
  );
}

export function parseRepeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
