// The second part of `npm run demo`: a release and its rollout. The sandbox holds the pipeline
// account (the release bucket and the five stations) and three tenant accounts, each with a
// cross-account role, a CloudFormation role, a web bucket and two gateway servers (virtual hosts in
// a CodeDeploy group). The demo writes a fleet.yml derived from the example
// (appspec/examples/air-quality-release) and runs the real fleetctl as child processes: release
// push, rollout plan and rollout start, whose live view (redrawn on a terminal, plain lines
// otherwise) and summary go straight to the demo's terminal. The stations are split into two
// rings: the canary pi-01 first (its device health gated, then a bake), then the others. Then it
// checks the outcome from `rollout status --json`: the rollout succeeded, the canary passed its
// health gate, the other stations' deployment tolerated pi-04 and pi-05 as the devices wave's gate
// allows, and, read with each tenant's own credentials, every tenant's stack is complete at the new
// version and its web files are in its bucket. The third part (demo-bad-release.ts) follows.
import { BatchGetDeploymentTargetsCommand, CodeDeployClient, ListDeploymentTargetsCommand } from '@aws-sdk/client-codedeploy';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { Sandbox } from '../sandbox/sandbox.js';
import { parseSandboxConfigDocument, type SandboxConfig } from '../sandbox/sandbox-config.js';
import { sdkConfig } from '../sandbox/simulated-device.js';
import { generateTenantsConfig } from '../sandbox/tenants-config.js';
import { CANARY, CANARY_RING, gateLine, OTHER_RING, statusProblems, type StatusDoc } from './demo-status.js';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'appspec', 'examples', 'air-quality-release');
export const APP = 'air-quality';
export const RELEASE = 'v1.1.0';
export const rolloutIdOf = (version: string): string => `${APP}@${version}@production`;
const STACK = 'air-quality-alerts';
const WEB_PREFIX = 'dashboard/';
const WEB_FILES = ['index.html', 'style.css'];

/** The estate: the pipeline account and three tenant accounts with gateway servers (tenant-001 … tenant-003). */
export function demoSandboxConfig(): SandboxConfig {
  const doc = generateTenantsConfig({ tenants: 3, deviceAccounts: 0 }) as { accounts: Record<string, unknown>[] };
  for (const account of doc.accounts) {
    if (account['kind'] !== 'tenant') continue;
    account['codedeploy'] = {
      applications: [{
        name: APP,
        deploymentGroups: [{
          name: 'gateways',
          deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
          onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'gateway', Type: 'KEY_AND_VALUE' }],
        }],
      }],
    };
    account['virtualHosts'] = [{ namePrefix: `${String(account['name'])}-gw`, count: 2, tags: { role: 'gateway' }, eventMs: 50 }];
  }
  return parseSandboxConfigDocument(doc, 'the demo');
}

/** Tenant account ids of the estate. */
export const tenantIds = (config: SandboxConfig): string[] =>
  config.accounts?.filter((a) => a.kind === 'tenant').map((a) => a.accountId) ?? [];

/**
 * A release folder (release-<version>): the example's cloud and web parts, the stations' revision
 * (the confined copy the first part deployed) as `version`, with `conf` lines appended to its
 * station.conf (a later setting wins), and the example's fleet.yml with the device part pointing
 * at it. The example's accounts and buckets are the sandbox's estate (checked here), so nothing
 * else changes.
 */
export function writeReleaseFolder(
  work: string,
  revisionDir: string,
  tenants: readonly string[],
  version: string,
  conf: readonly string[] = [],
): string {
  const dir = join(work, `release-${version}`);
  const text = readFileSync(join(EXAMPLE, 'fleet.yml'), 'utf8');
  const absent = tenants.filter((id) => !text.includes(`arn:aws:iam::${id}:role/PipelineAccessRole`));
  if (absent.length > 0) throw new Error(`${EXAMPLE}/fleet.yml does not target the sandbox's tenant accounts ${absent.join(', ')}`);
  cpSync(EXAMPLE, dir, { recursive: true });
  cpSync(revisionDir, join(dir, 'device'), { recursive: true });
  writeFileSync(join(dir, 'device', 'app', 'VERSION'), `${version.slice(1)}\n`);
  if (conf.length > 0) appendFileSync(join(dir, 'device', 'app', 'station.conf'), `${conf.join('\n')}\n`);
  const doc = parseDocument(text);
  doc.setIn(['release', 'parts', 'device'], 'device');
  writeFileSync(join(dir, 'fleet.yml'), doc.toString());
  return dir;
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
}

/** Runs fleetctl in the release folder; its output goes to the terminal unless `capture` (stdout only). */
export function fleetctl(
  fleetctlArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  args: string[],
  capture = false,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    // same process group as the demo: a Ctrl-C reaches it too
    const stdio = ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] as const;
    const child = spawn(process.execPath, [...fleetctlArgs, ...args], { cwd, env, stdio: [...stdio] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

/** A stations deployment: which stations took the release and which refused it. */
async function stationsOutcome(sb: Sandbox, deploymentId: string | undefined): Promise<{ succeeded: string[]; failed: string[] }> {
  if (!deploymentId) return { succeeded: [], failed: [] };
  const cd = new CodeDeployClient(sdkConfig(sb));
  try {
    const targetIds = (await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
    const targets = (await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }))).deploymentTargets ?? [];
    const named = (status: string): string[] =>
      targets.filter((t) => t.instanceTarget?.status === status).map((t) => t.instanceTarget?.targetId ?? '?').sort();
    return { succeeded: named('Succeeded'), failed: named('Failed') };
  } finally {
    cd.destroy();
  }
}

/** Each tenant's stack (at `version`) and web files, read with the tenant account's own credentials. */
export async function tenantProblems(
  sb: Sandbox,
  tenants: readonly string[],
  say: (line: string) => void,
  version = RELEASE,
): Promise<string[]> {
  const problems: string[] = tenants.length === 3 ? [] : [`${tenants.length} tenant accounts, expected 3`];
  for (const id of tenants) {
    const config = sdkConfig(sb, sb.rootOf(id));
    const cfn = new CloudFormationClient(config);
    const s3 = new S3Client(config);
    try {
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
      const status = stack?.StackStatus ?? 'missing';
      const at = stack?.Parameters?.find((p) => p.ParameterKey === 'ReleaseVersion')?.ParameterValue;
      const bucket = `tenant-${id}-web`;
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: WEB_PREFIX }));
      const keys = listed.Contents?.map((o) => o.Key) ?? [];
      say(`  tenant ${id}: stack ${STACK} ${status} at ${at ?? '?'}; s3://${bucket}/${WEB_PREFIX}: ${keys.length} objects`);
      if (!/^(CREATE|UPDATE)_COMPLETE$/.test(status)) problems.push(`tenant ${id}: stack ${status}`);
      if (at !== version) problems.push(`tenant ${id}: stack at ${at ?? 'no version'}, expected ${version}`);
      const missing = WEB_FILES.filter((f) => !keys.includes(`${WEB_PREFIX}${f}`));
      if (missing.length > 0) problems.push(`tenant ${id}: ${missing.join(', ')} missing from s3://${bucket}/${WEB_PREFIX}`);
    } finally {
      cfn.destroy();
      s3.destroy();
    }
  }
  return problems;
}

/** A station's latest reading, once its station (restarted by a deployment) runs `version`. */
export async function readingOf(readings: string, version: string, timeoutMs = 10_000): Promise<string | undefined> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    const text = existsSync(readings) ? readFileSync(readings, 'utf8').trim() : '';
    if (text.includes(`"version":"${version.slice(1)}"`)) return text;
  }
  return undefined;
}

export interface RolloutDemo {
  readonly sb: Sandbox;
  /** The tenant accounts' ids (tenantIds of the sandbox's config). */
  readonly tenants: readonly string[];
  readonly work: string;
  /** The confined station revision the first part deployed. */
  readonly revisionDir: string;
  /** Each station's readings.json, by name (pi-01 …). */
  readonly readings: Readonly<Record<string, string>>;
  readonly fleetctlArgs: readonly string[];
  readonly say: (line?: string) => void;
}

const deploymentOf = (doc: StatusDoc, target: string): string | undefined =>
  doc.waves.flatMap((w) => w.targets).find((t) => t.name === target)?.ref?.deploymentId;

/** Everything that is not as expected once the rollout has ended, from its status document on. */
async function checkRollout(d: RolloutDemo, doc: StatusDoc): Promise<string[]> {
  const problems = statusProblems(doc);
  const canaryDeployment = deploymentOf(doc, CANARY_RING);
  const canary = await stationsOutcome(d.sb, canaryDeployment);
  d.say(`\nCanary ${CANARY_RING} (${canaryDeployment ?? 'no deployment'}): ${canary.succeeded.join(', ') || 'none'} took ${RELEASE}`);
  for (const c of doc.waves[0]?.checks ?? []) d.say(`  gates ${c.phase}: ${c.results.map(gateLine).join('; ')}`);
  if (canary.succeeded.join(',') !== CANARY || canary.failed.length > 0) {
    problems.push(`the canary ring's deployment: ${canary.succeeded.join(', ') || 'none'} succeeded`);
  }
  const othersDeployment = deploymentOf(doc, OTHER_RING);
  const { succeeded, failed } = await stationsOutcome(d.sb, othersDeployment);
  const refused = failed.join(', ') || 'none';
  d.say(`Then ${OTHER_RING} (${othersDeployment ?? 'no deployment'}): ${succeeded.join(', ')} took ${RELEASE}; ${refused} refused it`);
  for (const c of doc.waves[1]?.checks ?? []) d.say(`  gates ${c.phase}: ${c.results.map(gateLine).join('; ')}`);
  if (refused !== 'pi-04, pi-05') problems.push(`stations that refused the release: ${refused}, expected pi-04, pi-05`);
  const reading = await readingOf(d.readings[CANARY] ?? '', RELEASE);
  d.say(reading ? `${CANARY} is measuring with ${RELEASE}: ${reading}` : `${CANARY} does not report ${RELEASE}`);
  if (!reading) problems.push(`${CANARY}'s station does not run ${RELEASE}`);
  return [...problems, ...(await tenantProblems(d.sb, d.tenants, d.say))];
}

/** Pushes and rolls out the release; true when everything ended as expected. */
export async function releaseAndRollout(d: RolloutDemo): Promise<boolean> {
  const { say } = d;
  const dir = writeReleaseFolder(d.work, d.revisionDir, d.tenants, RELEASE);
  const env = { ...process.env, ...d.sb.env() };
  const run = (args: string[], capture = false): Promise<Run> => fleetctl(d.fleetctlArgs, env, dir, args, capture);
  say(`\n== Release ${RELEASE}: the canary station, the other stations, then three tenant accounts`);
  say('   (a stack, web files, gateway servers each) ==');
  say(`Wrote ${join(dir, 'fleet.yml')}: the example's appspec/examples/air-quality-release/fleet.yml,`);
  say(`its device part the stations' revision as version ${RELEASE.slice(1)}.`);
  say(`The stations are split into rings: ${CANARY_RING} is the canary ${CANARY} alone, ${OTHER_RING} the four others.`);
  say(`The canaries wave passes once ${CANARY}'s device shadow reports it healthy after the deployment, and again after a 20 s bake.`);
  say('The devices wave tolerates pi-04 and pi-05 refusing the release on purpose: its deployment_outcome gate');
  say('passes while at most 50% of its stations failed.');
  const steps = [
    ['release', 'push', '--version', RELEASE],
    ['rollout', 'plan', '--release', RELEASE],
    ['rollout', 'start', '--release', RELEASE],
  ];
  for (const args of steps) {
    say(`\n$ fleetctl ${args.join(' ')}`);
    const { code } = await run(args);
    if (code !== 0) return say(`UNEXPECTED: fleetctl ${args.slice(0, 2).join(' ')} exited ${String(code)}`), false;
  }
  const rolloutId = rolloutIdOf(RELEASE);
  const status = await run(['rollout', 'status', rolloutId, '--json'], true);
  if (status.code !== 0) return say(`UNEXPECTED: fleetctl rollout status exited ${String(status.code)}`), false;
  const doc = JSON.parse(status.stdout) as StatusDoc;
  const problems = await checkRollout(d, doc);
  say(`\nThe rollout's journal: ${doc.journal}`);
  say(`(\`fleetctl rollout status ${rolloutId}\` prints the summary above from it, on any machine that may read the bucket)`);
  if (problems.length > 0) say(`UNEXPECTED rollout outcome:\n  ${problems.join('\n  ')}`);
  else say(`As expected: ${RELEASE} rolled out to the canary, the other stations and all three tenant accounts.`);
  return problems.length === 0;
}
