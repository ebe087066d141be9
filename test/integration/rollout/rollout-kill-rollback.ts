// The estate of the kill -9 campaign against halting rollouts (rollout-kill-rollback-e2e.test.ts),
// and its checks. The end-to-end estate (rollout-fixture.ts) with `rollback: all`, one target at a
// time, and a smoke-test command gate on the tenant wave (./smoke.sh next to fleet.yml, failing for
// releases ending `-halt`); stack operations slowed by the template's SandboxDelayMs, so that the
// rollback lasts long enough for kills to land in it; each release's web page and device file name
// it. After a halted rollout, every target this rollout changed runs the previous release again,
// put back exactly once: per device group one rollback CreateDeployment (the group's last
// deployment), per rolled-back stack one rollback change set, the web marker naming the previous
// release, and `rollout status` shows each rollback succeeded (or left to CloudFormation).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodeDeployClient, GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { releaseKeyPrefix, rolloutKeyPrefix } from '../../../controller/release/manifest.js';
import { MARKER } from '../../../controller/rollout/drivers/web.js';
import type { Teardowns } from '../../helpers/temp-dir.js';
import {
  APP, BUCKET, callsPerAccount, DEVICE_ACCOUNTS, GROUP, startEstate, status, TENANTS, type Estate,
} from './rollout-fixture.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** How a release halts: its tenant wave's smoke test fails (`-halt`), or its first stack fails to update (`-broken`). */
export type HaltKind = 'halt' | 'broken';

const TEMPLATE = (delayMs: number): string => `AWSTemplateFormatVersion: '2010-09-09'
Metadata: { SandboxDelayMs: ${delayMs} }
Parameters:
  Version: { Type: String }
Conditions:
  Broken: !Equals [!Select [1, !Split ['-', !Sub '\${Version}-x']], broken]
Resources:
  Topic: { Type: AWS::SNS::Topic, Properties: { DisplayName: !Sub 'air quality \${Version}' } }
  Disk:
    Type: AWS::SNS::Topic
    Condition: Broken
    Metadata: { SandboxFail: 'disk full on the broken release' }
Outputs:
  Version: { Value: !Ref Version }
`;

/** Run by the command gate with the config's folder as its working directory. */
const SMOKE = `#!/bin/sh
case "$FLEETCTL_RELEASE" in
  *-halt) echo "smoke test of $FLEETCTL_TARGET failed on $FLEETCTL_RELEASE"; exit 1 ;;
esac
echo "smoke test of $FLEETCTL_TARGET passed"
`;

/**
 * One target at a time: a halted rollout rolls back as many at a time as its widest wave deploys, so
 * its rollback is six operations in a row, and a controller killed mid-way leaves work that only a
 * resumed controller starts. The web copies are declared (so deployed) ahead of the stacks: a broken
 * stack halts the wave after them.
 */
const WAVES = `    rollback: all
    waves:
      - { name: devices, targets: [d1, d2], concurrency: 1, max_failed: 0 }
      - name: tenants
        targets: [t1-web, t2-web, t1-stack, t2-stack]
        concurrency: 1
        max_failed: 0
        gates: { command: { run: ./smoke.sh, timeout: 1m } }
`;

/** The fixture's fleet.yml with the waves above, and the web targets declared ahead of the stacks. */
function gatedConfig(yml: string): string {
  const lines = yml.split('\n');
  const webs = lines.filter((l) => /^ {2}t\d-web: /.test(l));
  const stack = lines.find((l) => l.startsWith('  t1-stack: '));
  const waves = lines.indexOf('    waves:');
  if (webs.length !== 2 || !stack || waves < 0) throw new Error(`the fixture's fleet.yml changed:\n${yml}`);
  const rest = lines.slice(0, waves).filter((l) => !webs.includes(l));
  rest.splice(rest.indexOf(stack), 0, ...webs);
  return `${rest.join('\n')}\n${WAVES}`;
}

/** SDK clients of each device and tenant account (as its root), to read what the rollout left. */
interface Clients {
  readonly cd: Map<string, CodeDeployClient>;
  readonly cfn: Map<string, CloudFormationClient>;
  readonly s3: Map<string, S3Client>;
  /** The pipeline account's, where the releases and the rollouts' journals are. */
  readonly pipeline: S3Client;
}

export interface RollbackEstate extends Estate {
  /** Writes the release's web page and device file (naming `version`), then pushes it. */
  readonly release: (version: string) => Promise<void>;
  readonly clients: Clients;
}

export async function startRollbackEstate(t: Teardowns, eventMs: number, stackDelayMs: number): Promise<RollbackEstate> {
  const e = await startEstate(t, eventMs);
  const file = join(e.dir, 'fleet.yml');
  writeFileSync(file, gatedConfig(readFileSync(file, 'utf8')));
  writeFileSync(join(e.dir, 'cloud', 'template.yaml'), TEMPLATE(stackDelayMs));
  writeFileSync(join(e.dir, 'smoke.sh'), SMOKE);
  chmodSync(join(e.dir, 'smoke.sh'), 0o755);

  const config = (accountId: string) => {
    const p = e.sb.rootOf(accountId);
    const credentials = { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
    return { endpoint: e.sb.url, region: e.sb.region, maxAttempts: 3, credentials };
  };
  const c: Clients = {
    cd: new Map(DEVICE_ACCOUNTS.map((id) => [id, new CodeDeployClient(config(id))])),
    cfn: new Map(TENANTS.map((id) => [id, new CloudFormationClient(config(id))])),
    s3: new Map(TENANTS.map((id) => [id, new S3Client({ ...config(id), forcePathStyle: true })])),
    pipeline: new S3Client({ ...config(e.sb.root.accountId), forcePathStyle: true }),
  };
  t.teardown(() => [...c.cd.values(), ...c.cfn.values(), ...c.s3.values(), c.pipeline].forEach((x) => x.destroy()));
  const release = async (version: string): Promise<void> => {
    writeFileSync(join(e.dir, 'web', 'index.html'), `<h1>air quality ${version}</h1>\n`);
    writeFileSync(join(e.dir, 'device', 'app.txt'), `the app, ${version}\n`);
    await e.push(version);
  };
  return { ...e, release, clients: c };
}

const text = async (body: { transformToString(): Promise<string> } | undefined): Promise<string> => (body ? body.transformToString() : '');

/** Whether the rollout's journal records its end (`finished` is the last write a controller makes to it). */
export async function journalEnded(e: RollbackEstate, version: string): Promise<boolean> {
  const prefix = `${rolloutKeyPrefix(releaseKeyPrefix('releases/', APP, version), 'production')}journal/`;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await e.clients.pipeline.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  const last = keys.sort().at(-1);
  if (!last) return false;
  const doc = JSON.parse(await text((await e.clients.pipeline.send(new GetObjectCommand({ Bucket: BUCKET, Key: last }))).Body)) as
    { type?: string; entries?: { type: string }[] };
  return (doc.entries ?? [doc]).some((x) => x.type === 'finished');
}

interface RollbackTarget {
  readonly name: string;
  readonly status: string;
  readonly adopted?: boolean;
  readonly ref?: { readonly kind: string; readonly deploymentId?: string };
}

interface HaltedDoc {
  readonly state: string;
  readonly halt?: { readonly wave: string; readonly reason: string };
  readonly rollback?: { readonly policy: string; readonly targets: readonly RollbackTarget[] };
  readonly waves: readonly { readonly targets: readonly { readonly name: string; readonly status: string }[] }[];
}

const ALL_SUCCEEDED = Object.fromEntries(['d1', 'd2', 't1-web', 't2-web', 't1-stack', 't2-stack'].map((x) => [x, 'succeeded']));

/**
 * How each kind of halt leaves the targets (deployed, then rolled back): with one target at a time, a
 * broken first stack halts the wave before the second starts; CloudFormation rolled it back itself.
 */
const OUTCOME: Record<HaltKind, { deployed: Record<string, string>; rollback: Record<string, string>; reason: RegExp }> = {
  halt: {
    deployed: ALL_SUCCEEDED,
    rollback: ALL_SUCCEEDED,
    reason: /^wave tenants: gate failed after its deployments: command on t1-web: exit 1 .*command on t2-stack: exit 1/,
  },
  broken: {
    deployed: { ...ALL_SUCCEEDED, 't1-stack': 'failed', 't2-stack': 'pending' },
    rollback: { d1: 'succeeded', d2: 'succeeded', 't1-web': 'succeeded', 't2-web': 'succeeded', 't1-stack': 'by-service' },
    reason: /^wave tenants: 1 failed \(t1-stack\), 0 allowed$/,
  },
};

/**
 * The checks of one halted rollout of `version` (calls counted since `mark`, before it started),
 * whose previous release is `previous`. Returns how many rollbacks a restarted controller adopted.
 */
export async function checkRolledBack(
  t: Test, e: RollbackEstate, version: string, previous: string, kind: HaltKind, mark: number,
): Promise<number> {
  const want = OUTCOME[kind];
  // per device group its deployment and ONE rollback; per stack its update and ONE rollback change set, unless it failed
  const devices = { [DEVICE_ACCOUNTS[0]]: 2, [DEVICE_ACCOUNTS[1]]: 2 };
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), devices, `${version}: per device group a deployment and ONE rollback`);
  const stacks = kind === 'halt' ? { [TENANTS[0]]: 2, [TENANTS[1]]: 2 } : { [TENANTS[0]]: 1 };
  for (const op of ['CreateChangeSet', 'ExecuteChangeSet']) {
    t.same(callsPerAccount(e.sb, mark, op), stacks, `${version}: ${op}: per stack its update and ONE rollback (none for a failed one)`);
  }

  const doc = (await status(e, version)) as unknown as HaltedDoc;
  const halted = { state: 'halted', halt: { wave: 'tenants', reason: want.reason }, rollback: { policy: 'all' } };
  t.match(doc, halted, `${version}: halted, why`);
  const deployed = Object.fromEntries(doc.waves.flatMap((w) => w.targets.map((x) => [x.name, x.status])));
  t.same(deployed, want.deployed, `${version}: each target's deployment`);
  const rollbacks = new Map((doc.rollback?.targets ?? []).map((x) => [x.name, x]));
  const got = Object.fromEntries([...rollbacks.values()].map((x) => [x.name, x.status]));
  t.same(got, want.rollback, `${version}: every changed target rolled back (or left to its service), none failed`);
  await checkEstate(t, e, version, previous, (i) => rollbacks.get(`d${i + 1}`)?.ref?.deploymentId, want.rollback);
  return [...rollbacks.values()].filter((x) => x.adopted).length;
}

/**
 * What the targets run: each device group's last deployment is its rollback (`rollbackOf`), a
 * deployment of `previous`; the stacks and web prefixes are on `previous` too.
 */
async function checkEstate(
  t: Test, e: RollbackEstate, version: string, previous: string,
  rollbackOf: (i: number) => string | undefined, rollback: Readonly<Record<string, string>>,
): Promise<void> {
  const c = e.clients;
  for (const [i, account] of DEVICE_ACCOUNTS.entries()) {
    const cd = c.cd.get(account) as CodeDeployClient;
    const g = (await cd.send(new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }))).deploymentGroupInfo;
    const last = g?.lastAttemptedDeployment?.deploymentId;
    const ok = last !== undefined && last === rollbackOf(i) && g?.lastSuccessfulDeployment?.deploymentId === last;
    t.ok(ok, `${version}: d${i + 1}'s last deployment is its rollback`, { group: g, rollback: rollbackOf(i) });
    const d = (await cd.send(new GetDeploymentCommand({ deploymentId: last }))).deploymentInfo;
    const key = new RegExp(`/${previous.replace(/\./g, '\\.')}/`);
    t.match(d?.revision?.s3Location?.key, key, `${version}: d${i + 1} runs ${previous}'s revision`);
  }
  for (const [i, account] of TENANTS.entries()) {
    const cfn = c.cfn.get(account) as CloudFormationClient;
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: APP }))).Stacks?.[0];
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const settled = rollback[`t${i + 1}-stack`] === 'by-service' ? 'UPDATE_ROLLBACK_COMPLETE' : 'UPDATE_COMPLETE';
    const found = { status: stack?.StackStatus, version: outputs['Version'] };
    t.match(found, { status: settled, version: previous }, `${version}: t${i + 1}'s stack back on ${previous}`);
    const s3 = c.s3.get(account) as S3Client;
    const get = async (Key: string) => text((await s3.send(new GetObjectCommand({ Bucket: `tenant-${account}-web`, Key }))).Body);
    t.match(JSON.parse(await get(MARKER)), { version: previous }, `${version}: t${i + 1}'s web marker names ${previous}`);
    t.equal(await get('index.html'), `<h1>air quality ${previous}</h1>\n`, `${version}: t${i + 1}'s page is ${previous}'s`);
  }
}
