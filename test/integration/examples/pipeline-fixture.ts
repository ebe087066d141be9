// What the pipeline examples' tests share: the sandbox with the examples' estate (the pipeline
// account and two tenant accounts), a checkout of examples/pipelines as the application's
// repository (a git repository with the tag), `fleetctl` on PATH (the project's, with the
// device-side packages unresolvable, as in a container installed with --omit=optional), the
// environment a hosted build has (a role session's credentials, AWS_ENDPOINT_URL, a clean HOME),
// and bash runs of the extracted commands in their own process groups.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { sdkConfig } from '../../../sandbox/simulated-device.js';
import { generateTenantsConfig } from '../../../sandbox/tenants-config.js';
import { PROJECT_ROOT, TSX_IMPORT } from '../../helpers/cli.js';
import { killGroupOf, trackGroup } from '../../helpers/process-groups.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export const EXAMPLES = join(PROJECT_ROOT, 'examples', 'pipelines');
export const BLOCK_DEVICE_MODULES = join(PROJECT_ROOT, 'test', 'helpers', 'block-device-modules.mjs');
export const T1 = '300000000000';
export const T2 = '300000000001';
/** The identity the hosted build runs fleetctl with (what a CodeBuild or OIDC role session is). */
export const PIPELINE_ROLE = 'arn:aws:sts::111111111111:assumed-role/FleetctlPipelineRole/pipeline-test';

export const readExample = (file: string): string => readFileSync(join(EXAMPLES, file), 'utf8');

export interface PipelineEstate {
  readonly sb: Sandbox;
  /** A folder holding the `fleetctl` command. */
  readonly bin: string;
  /** What every step runs with, before the service's own variables. */
  readonly env: Readonly<Record<string, string>>;
}

export async function startPipelineEstate(t: Teardowns): Promise<PipelineEstate> {
  const sb = await startSandbox({ config: parseSandboxConfigDocument(generateTenantsConfig({ tenants: 2 }), 'generated') });
  t.teardown(() => sb.close());
  const dir = tempDir(t, 'pipeline-estate');
  const bin = join(dir, 'bin');
  const home = join(dir, 'home');
  mkdirSync(bin);
  mkdirSync(home);
  const node = ['--import', BLOCK_DEVICE_MODULES, '--import', TSX_IMPORT, join(PROJECT_ROOT, 'controller', 'main.ts')];
  writeFileSync(join(bin, 'fleetctl'), `#!/bin/sh\nexec ${[process.execPath, ...node].map((a) => `'${a}'`).join(' ')} "$@"\n`);
  chmodSync(join(bin, 'fleetctl'), 0o755);
  const session = sb.credentials.issue({
    arn: PIPELINE_ROLE,
    accountId: '111111111111',
    userId: 'AROAPIPELINETEST:pipeline-test',
    expiresAt: new Date(Date.now() + 3600_000),
  });
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: home,
    LANG: 'C.UTF-8',
    TMPDIR: process.env['TMPDIR'] ?? '/tmp',
    AWS_REGION: sb.region,
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    AWS_SESSION_TOKEN: session.sessionToken ?? '',
    // the one setting that points a pipeline at the sandbox instead of AWS
    AWS_ENDPOINT_URL: sb.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { sb, bin, env };
}

const git = (cwd: string, ...args: string[]): string => {
  const config = ['-c', 'user.name=pipeline test', '-c', 'user.email=pipeline@example.com', '-c', 'init.defaultBranch=main'];
  const r = spawnSync('git', [...config, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

/** The application's repository at `tag`, as the source action checks it out: returns the folder and the commit. */
export function checkout(t: Teardowns, tag: string): { readonly dir: string; readonly commit: string } {
  const dir = join(tempDir(t, 'pipeline-repo'), 'repo');
  cpSync(EXAMPLES, dir, { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', `release ${tag}`);
  git(dir, 'tag', tag);
  return { dir, commit: git(dir, 'rev-parse', 'HEAD') };
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout and stderr interleaved: the build log. */
  readonly output: string;
}

/** Runs a program in its own process group (killed after `timeoutMs`); never blocks: the sandbox serves from this process. */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  timeoutMs = 180_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    trackGroup(child);
    let stdout = '';
    let output = '';
    child.stdout?.on('data', (d: Buffer) => ((stdout += d.toString()), (output += d.toString())));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      killGroupOf(child);
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

/** Runs a script file with bash (`args` before it, e.g. -eo pipefail), as the hosted runners do. */
export const runBash = (script: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>>): Promise<Run> =>
  run('bash', ['--noprofile', '--norc', ...args, script], cwd, env);

/** The web files of a tenant's dashboard prefix, read with the tenant's own credentials. */
export async function tenantWebFiles(sb: Sandbox, accountId: string): Promise<string[]> {
  const s3 = new S3Client(sdkConfig(sb, sb.rootOf(accountId)));
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: `tenant-${accountId}-web`, Prefix: 'dashboard/' }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '').filter((k) => !k.includes('.fleetctl')).sort();
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchBucket') return [];
    throw e;
  }
}

/** The release a tenant's example stack runs (its ReleaseVersion parameter), or undefined without a stack. */
export async function tenantStackVersion(sb: Sandbox, accountId: string): Promise<string | undefined> {
  const cfn = new CloudFormationClient(sdkConfig(sb, sb.rootOf(accountId)));
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'air-quality-pipeline-example' }))).Stacks?.[0];
    return stack?.Parameters?.find((p) => p.ParameterKey === 'ReleaseVersion')?.ParameterValue;
  } catch (e) {
    if (/does not exist/.test((e as Error).message)) return undefined;
    throw e;
  }
}

/** `fleetctl rollout status ID --json`, run the way the steps run it. */
export async function rolloutStatus(e: PipelineEstate, cwd: string, id: string): Promise<Record<string, unknown>> {
  const r = await run(join(e.bin, 'fleetctl'), ['rollout', 'status', id, '--json'], cwd, e.env, 60_000);
  if (r.code !== 0) throw new Error(`rollout status ${id}: exit ${String(r.code)}\n${r.output}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}
