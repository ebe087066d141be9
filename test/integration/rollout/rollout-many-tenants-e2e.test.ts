// The real fleetctl against one sandbox with two device accounts and 24 tenant accounts (stack and
// web files each, four with their own CodeDeploy servers): `rollout plan` lists every target without
// a write; a production rollout runs the waves picked by labels, eight targets at once, and deploys
// each group and executes each stack's change set exactly once per account; every tenant bucket
// holds the release's web files; the stacks' outputs show in `rollout status`; a -rc release
// reaches only staging's subset; an unmapped tag is refused with the environments.
import t from 'tap';
import { PIPELINE_ACCOUNT_ID } from '../../../sandbox/constants.js';
import { callsPerAccount, DEVICE_ACCOUNTS } from './rollout-fixture.js';
import {
  CONCURRENCY, DEVICE_TARGETS, STAGING, startManyTenants, TENANTS, WEB_FILES, type ManyTenants, type Tenant,
} from './many-tenants-fixture.js';

// a few tens of seconds alone; the bound leaves room for a machine busy with other tests
t.setTimeout(240_000);

interface TargetDoc {
  readonly name: string;
  readonly status: string;
  readonly outputs?: Record<string, string>;
}
interface SummaryDoc {
  readonly rolloutId: string;
  readonly state: string;
  readonly counts: Record<string, number>;
  readonly waves: readonly { readonly name: string; readonly status: string; readonly targets: readonly TargetDoc[] }[];
}

let e: ManyTenants;
t.before(async () => {
  e = await startManyTenants(t);
});

const once = (accounts: readonly string[]): Record<string, number> => Object.fromEntries(accounts.map((a) => [a, 1]));
const targetsOf = (tenants: readonly Tenant[]): string[] => tenants.flatMap((x) => x.targets);
const servers = (tenants: readonly Tenant[]): string[] => tenants.filter((x) => x.servers).map((x) => x.account);
const byTier = (tier: string): string[] => targetsOf(TENANTS.filter((x) => x.tier === tier)).sort();

t.test('plan lists every target, by wave, and changes nothing', async (t) => {
  const mark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'plan', '--release', 'v1.0.0', '--json']);
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr });
  type Wave = { name: string; concurrency: number; maxFailedTargets: number; targets: { target: string }[] };
  const doc = JSON.parse(r.stdout) as { couldRun: boolean; waves: Wave[] };
  t.equal(doc.couldRun, true);
  t.same(doc.waves.map((w) => w.name), ['devices', 'gold', 'silver']);
  const names = (i: number) => (doc.waves[i]?.targets ?? []).map((x) => x.target).sort();
  t.same(names(0), [...DEVICE_TARGETS]);
  t.same(names(1), byTier('gold'), 'gold picked by label: 8 tenants, 2 with servers');
  t.same(names(2), byTier('silver'));
  t.equal(doc.waves.flatMap((w) => w.targets).length, 2 + TENANTS.length * 2 + 4);
  const [devices, gold, silver] = doc.waves;
  t.match(devices, { concurrency: 2, maxFailedTargets: 0 });
  t.match(gold, { concurrency: CONCURRENCY, maxFailedTargets: 1 }, 'max_failed 10% of 18 targets');
  t.match(silver, { concurrency: CONCURRENCY, maxFailedTargets: 8 }, 'max_failed 25% of 34 targets');
  const report = e.sb.calls.since(mark);
  t.ok(report.total > 0);
  t.equal(report.writes, 0, JSON.stringify(report.calls.filter((c) => c.kind === 'write')));
});

/** The most targets of one wave in flight at once, from the progress lines (deploying → succeeded/failed). */
function mostInFlight(progress: string): Record<string, number> {
  const most: Record<string, number> = {};
  let wave = '';
  let now = 0;
  for (const line of progress.split('\n')) {
    const started = /^wave (\S+): started$/.exec(line)?.[1];
    if (started) [wave, now] = [started, 0];
    const status = /^ {2}\S+: (deploying|succeeded|failed)\b/.exec(line)?.[1];
    if (!status) continue;
    now += status === 'deploying' ? 1 : -1;
    most[wave] = Math.max(most[wave] ?? 0, now);
  }
  return most;
}

t.test('a production rollout: waves by label, 8 at once, each account deployed once; outputs in status', async (t) => {
  await e.push('v1.0.0');
  const mark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'start', '--release', 'v1.0.0']);
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr });
  const total = 2 + TENANTS.length * 2 + 4;
  t.match(r.stdout, new RegExp(`SUCCEEDED\n {2}targets: ${total} succeeded, 0 failed`));
  const outputsLine = /\n {4}t01-stack +succeeded +change set \S+[^\n]*\n {6}outputs: TopicArn=\S+, Url=(\S+), Version=v1\.0\.0\n/;
  t.equal(outputsLine.exec(r.stdout)?.[1], 'https://t01.example.com/v1.0.0/', 'a short outputs line under the stack target');
  t.same(mostInFlight(r.stderr), { devices: 2, gold: CONCURRENCY, silver: CONCURRENCY }, 'the concurrency is reached and never passed');
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), once([...DEVICE_ACCOUNTS, ...servers(TENANTS)]), 'one deployment per group');
  t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), once(TENANTS.map((x) => x.account)), 'one change set executed per stack');

  const s = await e.fleetctl(['rollout', 'status', 'air-quality@v1.0.0@production', '--json']);
  t.equal(s.code, 0, s.stderr);
  const doc = JSON.parse(s.stdout) as SummaryDoc;
  t.match(doc, { state: 'succeeded', counts: { succeeded: total, failed: 0 } });
  const targets = new Map(doc.waves.flatMap((w) => w.targets.map((x) => [x.name, x] as const)));
  for (const x of TENANTS) {
    const outputs = targets.get(`${x.name}-stack`)?.outputs;
    t.same(Object.keys(outputs ?? {}), ['TopicArn', 'Url', 'Version'], `${x.name}: its stack's outputs`);
    const topic = new RegExp(`^arn:aws:sns:us-east-1:${x.account}:`);
    t.match(outputs, { TopicArn: topic, Url: `https://${x.name}.example.com/v1.0.0/`, Version: 'v1.0.0' });
    t.notOk(targets.get(`${x.name}-web`)?.outputs, 'web targets have none');
  }
  for (const x of TENANTS) {
    const { '.fleetctl-release.json': marker, ...files } = await e.webFiles(x.account);
    t.same(files, WEB_FILES, `${x.name}: the release's web files, nothing else`);
    t.match(JSON.parse(marker ?? '{}'), { version: 'v1.0.0', files: 3 });
  }
});

t.test('a -rc release reaches only the staging subset', async (t) => {
  await e.push('v1.1.0-rc1');
  const mark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'start', '--release', 'v1.1.0-rc1', '--json']);
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr });
  const doc = JSON.parse(r.stdout) as SummaryDoc;
  t.equal(doc.rolloutId, 'air-quality@v1.1.0-rc1@staging');
  t.same(doc.waves.flatMap((w) => w.targets.map((x) => x.name)).sort(), targetsOf(STAGING).sort());
  t.ok(doc.waves.flatMap((w) => w.targets).every((x) => x.status === 'succeeded'));
  const staging = STAGING.map((x) => x.account);
  t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), once(staging));
  t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), once(servers(STAGING)), 'only the staging tenant with servers');
  const writers = new Set(e.sb.calls.since(mark).calls.filter((c) => c.kind === 'write').map((c) => c.accountId));
  writers.delete(PIPELINE_ACCOUNT_ID); // the journal, the lease and the release
  t.same([...writers].sort(), [...staging].sort(), 'no write call in any other account');
  for (const x of TENANTS.filter((y) => !STAGING.includes(y)).slice(0, 3)) {
    t.match(JSON.parse((await e.webFiles(x.account))['.fleetctl-release.json'] ?? '{}'), { version: 'v1.0.0' }, `${x.name} untouched`);
  }
});

t.test('an unmapped tag is refused (exit 2) with the environments', async (t) => {
  const mark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'start', '--release', 'nightly-7']);
  t.equal(r.code, 2, 'exit 2', { stderr: r.stderr });
  t.match(r.stderr, /nightly-7 matches no environment[\s\S]*environments: staging \(v\*-rc\*\); production \(v\*\)/);
  t.equal(e.sb.calls.since(mark).total, 0, 'refused before any call');
});
