// fleetctl release push --version V [--config fleet.yml] [--force] [--offline] [--json]: checks,
// packs and stores one release of the application (controller/release/push.ts), registers its
// device revision and prints the manifest. The config is validated whole before any AWS call
// (exit 2, every problem as file:line: path: reason); an invalid part refuses the release (exit 1).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/log.js';
import type { AwsPool } from '../aws/pool.js';
import { awsEnvironment } from '../context.js';
import { pushRelease, type PushResult } from '../release/push.js';
import { formatProblems, parseRolloutConfig } from '../rollout/config-parse.js';
import type { RolloutConfig } from '../rollout/config-types.js';

export const RELEASE_PUSH_COMMAND = 'release-push';
export const DEFAULT_CONFIG = 'fleet.yml';

export interface ReleasePushFlags {
  version: string;
  config?: string;
  force?: boolean;
  /** Check the template locally only (no CloudFormation ValidateTemplate). */
  offline?: boolean;
  profile?: string;
  endpointUrl?: string;
  /** lib-storage part size in MiB (multipart above it). */
  partSize?: number;
  json?: boolean;
}

export interface ReleaseDeps {
  /** AWS_REGION / AWS_DEFAULT_REGION, for a config that names no region. */
  readonly defaultRegion?: string;
  /** The source commit and ref from the pipeline's environment (see sourceFromEnv). */
  readonly source?: { readonly commit?: string; readonly ref?: string };
  readonly clock?: () => Date;
  /** Builds the AWS client pool (tests pass one over fakes or the sandbox); default: the SDK adapter. */
  readonly pool?: (opts: { region: string; profile?: string; endpointUrl?: string }) => Promise<AwsPool>;
  /** The process environment (AWS_ENDPOINT_URL_<SERVICE>); none: only --endpoint-url overrides endpoints. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The source commit and ref a CI system puts in the environment (GitHub Actions, CodeBuild, GitLab, generic). */
export function sourceFromEnv(env: Readonly<Record<string, string | undefined>>): { commit?: string; ref?: string } | undefined {
  const clean = (v: string | undefined): string | undefined => {
    const s = v?.trim();
    return s && /^[\x21-\x7e]{1,256}$/.test(s) ? s : undefined;
  };
  const commit = clean(env['GITHUB_SHA'] ?? env['CODEBUILD_RESOLVED_SOURCE_VERSION'] ?? env['CI_COMMIT_SHA'] ?? env['GIT_COMMIT']);
  const ref = clean(env['GITHUB_REF_NAME'] ?? env['CODEBUILD_WEBHOOK_TRIGGER'] ?? env['CI_COMMIT_REF_NAME']);
  return commit || ref ? { ...(commit ? { commit } : {}), ...(ref ? { ref } : {}) } : undefined;
}

/** Reads and validates fleet.yml whole: CONFIG_NOT_FOUND or ROLLOUT_CONFIG_INVALID (exit 2) listing every problem. */
export function loadRolloutConfig(file: string, defaultRegion?: string): RolloutConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EdgeError('CONFIG_NOT_FOUND', `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): pass --config FILE`);
  }
  const parsed = parseRolloutConfig(text, defaultRegion ? { defaultRegion } : {});
  if (!parsed.ok) {
    const problems = formatProblems(file, parsed.problems);
    throw new EdgeError('ROLLOUT_CONFIG_INVALID', `${file} is invalid:\n${problems}\n`, { details: { problems: problems.split('\n') } });
  }
  return parsed.config;
}

/** The client pool over the real SDK (the rollout commands use it too): --profile, --endpoint-url (path-style S3). */
/**
 * The rollout and release commands' pool over the SDK. `env`: the process environment, whose
 * AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL apply as for the fleet commands (--endpoint-url wins).
 */
export async function sdkPool(opts: { region: string; profile?: string; endpointUrl?: string; env?: Readonly<Record<string, string | undefined>> }): Promise<AwsPool> {
  const [{ createAwsPool }, { createSdkPortFactory }, { realTimers }, { ROLLOUT_TPS }] = await Promise.all([
    import('../aws/pool.js'),
    import('../aws/sdk-adapter.js'),
    import('../aws/timers.js'),
    import('../aws/limits.js'),
  ]);
  const endpoints = awsEnvironment(opts.env ?? {}, opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}).endpoints;
  const overridden = Object.keys(endpoints).length > 0;
  return createAwsPool(
    { region: opts.region, ...(overridden ? { endpoints } : {}), limits: { tps: ROLLOUT_TPS } },
    {
      factory: createSdkPortFactory({ ...(opts.profile ? { profile: opts.profile } : {}), ...(overridden ? { forcePathStyle: true } : {}) }),
      timers: realTimers,
      clock: () => Date.now(),
      random: Math.random,
      log: silentLogger(),
    },
  );
}

/** fleetctl release push: exit 0 when the release is stored (or already was), 1 when it is refused. */
export async function releasePush(flags: ReleasePushFlags, deps: ReleaseDeps = {}): Promise<CommandOutcome<PushResult>> {
  if (!flags.version) throw new EdgeError('CLI_USAGE', 'give the release version: --version V');
  if (flags.partSize !== undefined && !(Number.isInteger(flags.partSize) && flags.partSize >= 5)) throw new EdgeError('CLI_USAGE', '--part-size is a whole number of MiB, at least 5');
  const file = resolve(flags.config ?? DEFAULT_CONFIG);
  const config = loadRolloutConfig(file, deps.defaultRegion);
  const region = config.release.region ?? config.region;
  const poolOpts = { region, ...(flags.profile ? { profile: flags.profile } : {}), ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}) };
  const pool = await (deps.pool ?? ((o: typeof poolOpts) => sdkPool({ ...o, ...(deps.env ? { env: deps.env } : {}) })))(poolOpts);
  try {
    const aws = pool.session({ region });
    const result = await pushRelease(
      {
        config,
        baseDir: dirname(file),
        version: flags.version,
        force: flags.force === true,
        ...(deps.source ? { source: deps.source } : {}),
        ...(flags.partSize ? { partSizeBytes: flags.partSize * 1024 * 1024 } : {}),
      },
      {
        s3: aws.s3,
        codedeploy: aws.codedeploy,
        clock: deps.clock ?? (() => new Date()),
        ...(flags.offline ? {} : { validateTemplate: (templateBody: string) => aws.cloudformation.validateTemplate({ templateBody }) }),
      },
    );
    return { data: result, exit: ExitCode.OK };
  } finally {
    pool.destroy();
  }
}

const short = (sha: string): string => sha.slice(0, 12);
const size = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

/** A short summary: each part (key, size, sha256, uploaded/unchanged), the registration and the manifest. */
export function renderReleasePush(r: PushResult): string {
  const m = r.manifest;
  const lines = [`release ${m.application} ${m.version}: manifest ${r.manifestOutcome} at s3://${r.bucket}/${r.manifestKey}`];
  const web = r.objects.filter((o) => o.part === 'web');
  for (const o of r.objects) {
    if (o.part === 'web' || o.part === 'manifest') continue;
    lines.push(`  ${o.part.padEnd(8)} ${o.outcome.padEnd(9)} ${size(o.size).padStart(10)}  sha256 ${short(o.sha256)}  ${o.key}`);
  }
  if (web.length > 0 && m.parts.web) {
    const up = web.filter((o) => o.outcome === 'uploaded');
    const bytes = web.reduce((n, o) => n + o.size, 0);
    lines.push(`  ${'web'.padEnd(8)} ${`${up.length}/${web.length} uploaded`} ${size(bytes)}  sha256 ${short(m.parts.web.sha256)}  ${m.parts.web.prefix}`);
  }
  if (m.parts.stack) {
    const s = m.parts.stack;
    lines.push(`  template checked ${r.templateCheck === 'remote' ? 'by CloudFormation' : 'locally'}; parameters: ${s.parameters.join(', ') || 'none'}; capabilities: ${s.capabilities.join(', ') || 'none'}`);
  }
  if (r.registration) {
    const g = r.registration;
    lines.push(`  device revision ${g.outcome === 'registered' ? 'registered with' : 'already registered with'} CodeDeploy application ${g.application} (${g.region})`);
  }
  if (m.source?.commit) lines.push(`  source commit ${m.source.commit}${m.source.ref ? ` (${m.source.ref})` : ''}`);
  lines.push(`${r.summary.uploaded} object(s) uploaded (${size(r.summary.uploadedBytes)}), ${r.summary.unchanged} unchanged`);
  return `${lines.join('\n')}\n`;
}
