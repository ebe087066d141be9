// The third part of `npm run demo`: a release that would break the stations, caught by the canary.
// Release v1.2.0 is v1.1.0 with a calibration mistake in station.conf (PM25_OFFSET=900): the
// station starts and its ValidateService passes (907 µg/m³ is a reading an SDS011 can give), but
// the agent's pm25 health check (fail_above 500, demo.ts) turns the station unhealthy in its device
// shadow. The canaries wave's device_health gate reads the canary's shadow after its deployment
// (and throughout the bake), halts the rollout and the controller deploys what the canary ran
// before, v1.1.0, back to its ring: `fleetctl rollout start` exits 1. The demo then checks, from
// `rollout status --json` and from the sandbox itself, that the canary runs v1.1.0 again and that
// no other station and no tenant ever saw v1.2.0.
import { BatchGetDeploymentsCommand, CodeDeployClient, ListDeploymentsCommand, type DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { existsSync, readFileSync } from 'node:fs';
import type { Sandbox } from '../sandbox/sandbox.js';
import { sdkConfig } from '../sandbox/simulated-device.js';
import { APP, RELEASE, fleetctl, readingOf, rolloutIdOf, tenantProblems, writeReleaseFolder, type RolloutDemo, type Run } from './demo-rollout.js';
import { CANARY, CANARY_RING, gateLine, haltProblems, type StatusDoc } from './demo-status.js';

export const BAD_RELEASE = 'v1.2.0';
/** Appended to the stations' station.conf in v1.2.0: meant 0.9, typed 900. */
const BAD_CONF = ['# v1.2.0: the particle sensor recalibrated (0.9 µg/m³ was meant)', 'PM25_OFFSET=900'];
/** The agent's pm25 check (demo.ts): above this the station is unhealthy. */
export const PM25_FAIL_ABOVE = 500;
const CANARY_GROUP = 'all-stations-ring1';

/** Every deployment of the application in the account `client` reaches. */
async function deploymentsOf(client: CodeDeployClient): Promise<DeploymentInfo[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListDeploymentsCommand({ applicationName: APP, ...(nextToken ? { nextToken } : {}) }));
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const out: DeploymentInfo[] = [];
  for (let i = 0; i < ids.length; i += 25) {
    out.push(...((await client.send(new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, i + 25) }))).deploymentsInfo ?? []));
  }
  return out;
}

const keyOf = (d: DeploymentInfo): string => d.revision?.s3Location?.key ?? '';
const isOf = (version: string) => (d: DeploymentInfo): boolean => keyOf(d).includes(`/${version}/`);

/** The canary runs v1.1.0 again, through the rollback deployment; nothing else got v1.2.0 (read from the sandbox). */
async function fleetProblems(d: RolloutDemo, rollbackId: string | undefined): Promise<string[]> {
  const { sb, say } = d;
  const problems: string[] = [];
  const reading = await readingOf(d.readings[CANARY] ?? '', RELEASE, 30_000);
  const pm25 = reading ? (JSON.parse(reading) as { pm25?: number }).pm25 : undefined;
  say(`\n${CANARY} is measuring with ${RELEASE} again: ${reading ?? 'no reading'}`);
  if (!reading) problems.push(`${CANARY}'s station does not run ${RELEASE} again`);
  else if (pm25 === undefined || pm25 > PM25_FAIL_ABOVE) problems.push(`${CANARY} reads pm25 ${String(pm25)}`);
  const cd = new CodeDeployClient(sdkConfig(sb));
  try {
    const all = await deploymentsOf(cd);
    const bad = all.filter(isOf(BAD_RELEASE));
    const back = all.find((x) => x.deploymentId === rollbackId);
    const where = bad.map((x) => `${x.deploymentId} to ${x.deploymentGroupName} ${x.status}`);
    say(`${BAD_RELEASE} was deployed ${bad.length} time(s): ${where.join(', ')}`);
    say(`The rollback: ${back ? `${back.deploymentId} of ${keyOf(back)} to ${back.deploymentGroupName} ${back.status}` : 'no deployment'}`);
    if (bad.length !== 1 || bad[0]?.deploymentGroupName !== CANARY_GROUP) {
      problems.push(`${BAD_RELEASE} deployments: ${bad.length}, expected 1 to ${CANARY_GROUP}`);
    }
    if (back?.status !== 'Succeeded' || back.deploymentGroupName !== CANARY_GROUP || !isOf(RELEASE)(back)) {
      problems.push(`the rollback deployment ${rollbackId ?? '(none)'} is not a Succeeded deployment of ${RELEASE} to ${CANARY_GROUP}`);
    }
  } finally {
    cd.destroy();
  }
  for (const [name, path] of Object.entries(d.readings).filter(([n]) => n !== CANARY)) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (text.includes(`"version":"${BAD_RELEASE.slice(1)}"`)) problems.push(`${name} runs ${BAD_RELEASE}`);
  }
  return [...problems, ...(await tenantsUntouched(sb, d.tenants)), ...(await tenantProblems(sb, d.tenants, say, RELEASE))];
}

/** No tenant's gateway servers got a deployment of v1.2.0 (read with each tenant's own credentials). */
async function tenantsUntouched(sb: Sandbox, tenants: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const id of tenants) {
    const cd = new CodeDeployClient(sdkConfig(sb, sb.rootOf(id)));
    try {
      const bad = (await deploymentsOf(cd)).filter(isOf(BAD_RELEASE));
      if (bad.length > 0) problems.push(`tenant ${id}: ${BAD_RELEASE} deployed (${bad.map((x) => x.deploymentId).join(', ')})`);
    } finally {
      cd.destroy();
    }
  }
  return problems;
}

/** Pushes v1.2.0 and starts its rollout, which must halt at the canary and roll it back; true when all went as expected. */
export async function badReleaseRollout(d: RolloutDemo): Promise<boolean> {
  const { say } = d;
  const dir = writeReleaseFolder(d.work, d.revisionDir, d.tenants, BAD_RELEASE, BAD_CONF);
  const env = { ...process.env, ...d.sb.env() };
  const run = (args: string[], capture = false): Promise<Run> => fleetctl(d.fleetctlArgs, env, dir, args, capture);
  const rolloutId = rolloutIdOf(BAD_RELEASE);
  say(`\n== Release ${BAD_RELEASE}: a calibration mistake, caught by the canary and rolled back ==`);
  say(`${BAD_RELEASE} is ${RELEASE} with PM25_OFFSET=900 in the stations' station.conf (0.9 was meant). A station running it`);
  say(`starts and passes its ValidateService (907 µg/m³ is a reading an SDS011 can give), but its agent's pm25 health`);
  say(`check (fail_above ${PM25_FAIL_ABOVE}) reports it unhealthy in its device shadow.`);
  say(`Expected: ${CANARY} (${CANARY_RING}) takes ${BAD_RELEASE}; the canaries wave's device_health gate reads its shadow, fails,`);
  say(`and halts the rollout; the controller deploys ${RELEASE} back to the canary ring; no other station and no tenant`);
  say(`gets ${BAD_RELEASE}; \`fleetctl rollout start\` exits 1 (the rollout halted), which a pipeline reports as a failed release.`);
  say(`\n$ fleetctl release push --version ${BAD_RELEASE}`);
  const pushed = await run(['release', 'push', '--version', BAD_RELEASE]);
  if (pushed.code !== 0) return say(`UNEXPECTED: fleetctl release push exited ${String(pushed.code)}`), false;
  say(`\n$ fleetctl rollout start --release ${BAD_RELEASE}`);
  const started = await run(['rollout', 'start', '--release', BAD_RELEASE]);
  if (started.code !== 1) return say(`UNEXPECTED: fleetctl rollout start exited ${String(started.code)}, expected 1 (halted)`), false;
  say(`\n(fleetctl rollout start exited 1, as expected: the rollout halted)`);
  say(`\n$ fleetctl rollout status ${rolloutId}`);
  const shown = await run(['rollout', 'status', rolloutId]);
  const status = await run(['rollout', 'status', rolloutId, '--json'], true);
  // status exits 1 for a halted rollout, as start does
  if (shown.code !== 1 || status.code !== 1) {
    return say(`UNEXPECTED: fleetctl rollout status exited ${String(shown.code)}, expected 1 (halted)`), false;
  }
  const doc = JSON.parse(status.stdout) as StatusDoc;
  const problems = haltProblems(doc);
  const rollback = doc.rollback?.targets.find((r) => r.name === CANARY_RING);
  const rollbackId = rollback?.ref?.deploymentId;
  say(`\nFrom \`fleetctl rollout status ${rolloutId} --json\`: ${doc.state}, in wave ${doc.halt?.wave ?? '?'}, by the gate values`);
  for (const g of doc.halt?.gates ?? []) say(`  ${gateLine(g)}${g.detail ? `: ${g.detail.split('\n').join('; ')}` : ''}`);
  const policy = doc.rollback?.policy ?? '?';
  say(`and ${CANARY_RING} rolled back (policy ${policy}): ${rollback?.status ?? 'no rollback'}, deployment ${rollbackId ?? '-'}`);
  problems.push(...(await fleetProblems(d, rollbackId)));
  if (problems.length > 0) say(`UNEXPECTED outcome of ${BAD_RELEASE}:\n  ${problems.join('\n  ')}`);
  else {
    say(`As expected: ${BAD_RELEASE} halted at its canary's health gate and ${CANARY} runs ${RELEASE} again;`);
    say(`no other station and no tenant saw ${BAD_RELEASE}.`);
  }
  return problems.length === 0;
}
