import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandExecutor, type CommandResult } from '../../../../agent/deployment/command-executor.js';
import { parseDeploymentSpec, type DeploymentSpec } from '../../../../agent/deployment/deployment-spec.js';
import { CommandTracker } from '../../../../agent/deployment/command-tracker.js';
import { deploymentLayout } from '../../../../agent/deployment/layout.js';
import { HOOK_TOKEN_ENV } from '../../../../agent/hooks/interrupted-hook.js';
import { groupAlive, procStartTime, signalGroup } from '../../../../agent/hooks/process-group.js';
import { processRunner } from '../../../../agent/revision/process-runner.js';
import { silentLogger } from '../../../../shared/log.js';
import { writeRevision } from '../../../helpers/revisions.js';

function setup(root: string) {
  return new CommandExecutor({
    layout: deploymentLayout(root),
    log: silentLogger(),
    run: processRunner(),
    baseEnv: { PATH: process.env['PATH'], AWS_SECRET_ACCESS_KEY: 'do-not-leak' },
    maxRevisions: 5,
    archiveLimits: { maxBytes: 1 << 30, maxEntries: 10_000 },
    killGraceMs: 1000,
    enableDeploymentsLog: false,
    preserveOwner: false,
  });
}

function spec(id: string, location: string, extra: Record<string, unknown> = {}): DeploymentSpec {
  return parseDeploymentSpec({
    DeploymentId: id,
    DeploymentGroupId: 'grp',
    DeploymentGroupName: 'grp-name',
    ApplicationName: 'app',
    Revision: { RevisionType: 'Local Directory', LocalRevision: { Location: location, BundleType: 'directory' } },
    ...extra,
  });
}

async function run(t: Test, ex: CommandExecutor, name: string, s: DeploymentSpec): Promise<CommandResult> {
  const reported: CommandResult[] = [];
  const r = await ex.execute(name, s, { hostCommandIdentifier: `hc-${name}`, report: (x) => void reported.push(x) });
  t.equal(reported.length, 1, 'exactly one report per command');
  return r;
}

t.test('unsupported commands fail without creating the deployment folder', async (t) => {
  const root = t.testdir();
  const ex = setup(root);
  const r = await run(t, ex, 'UpdateDeploymentAgent', spec('d-1', root));
  t.equal(r.status, 'Failed');
  t.equal(r.diagnostics, '{"error_code":5,"script_name":"","message":"Unsupported command type: UpdateDeploymentAgent.","log":""}');
  t.notOk(existsSync(join(root, 'grp')));
  t.ok(ex.isNoop('UpdateDeploymentAgent', spec('d-1', root)), 'reported as a no-op in the ack, as the official agent does');
});

t.test('out-of-order commands are refused; success diagnostics; no tracking file left', async (t) => {
  const root = t.testdir();
  const rev = writeRevision(join(root, 'rev'), 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: s.sh\n', { 's.sh': '#!/bin/sh\nenv\n' });
  const ex = setup(join(root, 'dr'));
  const s = spec('d-1', rev);
  const early = await run(t, ex, 'AfterInstall', s);
  t.equal(early.error?.code, 'COMMAND_OUT_OF_ORDER');
  t.match(early.error?.message, 'AfterInstall cannot run while the deployment is Pending: Install has not completed');
  t.equal((await run(t, ex, 'Install', s)).error?.code, 'COMMAND_OUT_OF_ORDER');
  t.equal(ex.deploymentState(s), 'Pending');
  const dl = await run(t, ex, 'DownloadBundle', s);
  t.equal(dl.diagnostics, '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}');
  t.equal(ex.deploymentState(s), 'Downloaded');
  t.equal((await run(t, ex, 'Install', s)).status, 'Succeeded');
  t.equal(ex.deploymentState(s), 'Installed');
  t.notOk(ex.isNoop('AfterInstall', s));
  t.ok(ex.isNoop('ValidateService', s), 'no scripts for the event: no-op');
  t.equal((await run(t, ex, 'AfterInstall', s)).status, 'Succeeded');
  const log = readFileSync(join(root, 'dr', 'grp', 'd-1', 'logs', 'scripts.log'), 'utf8');
  t.match(log, /\[stdout\]LIFECYCLE_EVENT=AfterInstall/);
  t.match(log, /\[stdout\]DEPLOYMENT_GROUP_ID=grp/);
  t.notMatch(log, /do-not-leak/, 'the agent secret is not in the hook env');
  t.notOk(existsSync(join(root, 'dr', 'ongoing-deployment', 'd-1')));
});

t.test('hook revision sources: previous revision, first deployment, blue/green rollback', async (t) => {
  const root = t.testdir();
  const ex = setup(join(root, 'dr'));
  const layout = deploymentLayout(join(root, 'dr'));
  const rev = writeRevision(join(root, 'rev'), 'version: 0.0\nos: linux\nhooks:\n  ApplicationStop:\n    - location: stop.sh\n', { 'stop.sh': '#!/bin/sh\n' });
  const s1 = spec('d-1', rev);
  t.equal(ex.hookRevisionDir('ApplicationStop', s1), undefined, 'first deployment: nothing to run');
  t.ok(ex.isNoop('ApplicationStop', s1));
  for (const c of ['DownloadBundle', 'Install']) t.equal((await run(t, ex, c, s1)).status, 'Succeeded');
  const s2 = spec('d-2', rev);
  const d1 = layout.deploymentDir('grp', 'd-1');
  t.equal(ex.hookRevisionDir('ApplicationStop', s2), d1);
  t.equal(ex.hookRevisionDir('BeforeBlockTraffic', s2), d1);
  t.equal(ex.hookRevisionDir('AfterInstall', s2), layout.deploymentDir('grp', 'd-2'), 'New events use the current deployment');
  const failedNew = await run(t, ex, 'BeforeInstall', s2);
  t.equal(failedNew.error?.code, 'COMMAND_OUT_OF_ORDER');
  // blue/green rollback: BeforeBlockTraffic uses the most recent install, AllowTraffic the last successful
  mkdirSync(join(layout.deploymentDir('grp', 'd-3'), 'deployment-archive'), { recursive: true });
  writeFileSync(layout.mostRecentFile('grp'), layout.deploymentDir('grp', 'd-3'));
  const rollback = spec('d-4', rev, { DeploymentType: 'BLUE_GREEN', DeploymentCreator: 'codeDeployRollback' });
  t.equal(ex.hookRevisionDir('BeforeBlockTraffic', rollback), layout.deploymentDir('grp', 'd-3'));
  t.equal(ex.hookRevisionDir('AfterAllowTraffic', rollback), d1);
  // a previous revision deleted by hand does not block deployments forever
  writeFileSync(layout.lastSuccessfulFile('grp'), join(root, 'deleted-by-hand'));
  t.equal(ex.hookRevisionDir('ApplicationStop', s2), undefined);
});

t.test('recoverInterrupted reports the tracked command once, before clearing', async (t) => {
  const root = t.testdir();
  const layout = deploymentLayout(root);
  mkdirSync(layout.ongoingDir, { recursive: true });
  writeFileSync(layout.ongoingFile('d-9'), 'host-command-9');
  const ex = setup(root);
  const seen: string[] = [];
  const found = await ex.recoverInterrupted((cmd, diag) => {
    t.ok(existsSync(layout.ongoingFile('d-9')), 'still tracked while reporting');
    seen.push(`${cmd.deploymentId} ${cmd.hostCommandIdentifier} ${diag}`);
  });
  t.equal(found?.deploymentId, 'd-9');
  t.same(seen, ['d-9 host-command-9 {"error_code":7,"script_name":"","message":"Failed: Failing in-progress lifecycle event after an agent restart.","log":""}']);
  t.equal(await ex.recoverInterrupted(() => void t.fail('not twice')), undefined);
});

t.test('a failed DownloadBundle leaves no half-unpacked archive', async (t) => {
  const root = t.testdir();
  writeFileSync(join(root, 'broken.tgz'), 'this is not gzip');
  const ex = setup(join(root, 'dr'));
  const s = parseDeploymentSpec({ DeploymentId: 'd-1', DeploymentGroupId: 'grp', DeploymentGroupName: 'g', ApplicationName: 'a', Revision: { RevisionType: 'Local File', LocalRevision: { Location: join(root, 'broken.tgz'), BundleType: 'tgz' } } });
  const r = await run(t, ex, 'DownloadBundle', s);
  t.equal(r.error?.code, 'ARCHIVE_CORRUPT');
  t.notOk(existsSync(join(root, 'dr', 'grp', 'd-1', 'deployment-archive')));
  const s3 = parseDeploymentSpec({ DeploymentId: 'd-2', DeploymentGroupId: 'grp', DeploymentGroupName: 'g', ApplicationName: 'a', Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'b', Key: 'k', BundleType: 'zip' } } });
  const s3r = await run(t, ex, 'DownloadBundle', s3);
  t.match(s3r.error?.message, /S3 revisions need the agent daemon/);
});

t.test('recoverInterrupted: each recorded command once, oldest first; the hook stopped before its report', async (t) => {
  const root = t.testdir();
  const layout = deploymentLayout(root);
  const ex = setup(root);
  // an agent that died mid-hook: the hook runs on, carrying the recorded token
  const token = `tok-${process.pid}`;
  const hook = spawn('sh', ['-c', 'echo ready; sleep 30'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env['PATH'], [HOOK_TOKEN_ENV]: token } });
  const hookPid = hook.pid as number;
  t.teardown(() => signalGroup(hookPid, 'SIGKILL'));
  await new Promise((r) => hook.stdout.once('data', r));
  const hookGone = new Promise((r) => hook.once('exit', r));
  const died = new CommandTracker({ layout, now: () => Date.now() - 5000 });
  died.received({ hostCommandIdentifier: 'hc-received', commandName: 'DownloadBundle' }); // before its spec was fetched
  const running = new CommandTracker({ layout });
  running.received({ hostCommandIdentifier: 'hc-hook', commandName: 'AfterInstall' });
  running.track('d-1', 'hc-hook', 'AfterInstall');
  running.hookStarting('hc-hook', { event: 'AfterInstall', script: 'a.sh', token });
  running.hookStarted('hc-hook', hookPid, procStartTime(hookPid));
  const reporting = new CommandTracker({ layout, now: () => Date.now() + 5000 });
  reporting.received({ hostCommandIdentifier: 'hc-reporting', commandName: 'Install' }, { status: 'Succeeded', diagnostics: '{"error_code":0}', noop: false });
  const seen: string[] = [];
  await ex.recoverInterrupted((cmd, diag) => {
    if (cmd.hostCommandIdentifier === 'hc-hook') t.notOk(groupAlive(hookPid), 'the hook group is gone before the report');
    t.ok(existsSync(layout.commandFile(cmd.hostCommandIdentifier)), 'still recorded while reporting');
    seen.push(`${cmd.hostCommandIdentifier} ${cmd.status} ${JSON.parse(diag).error_code}`);
  });
  await hookGone;
  t.same(seen, ['hc-received Failed 7', 'hc-hook Failed 7', 'hc-reporting Succeeded 0'], 'code 7, or the result it was reporting');
  t.notOk(existsSync(layout.commandsDir));
  t.notOk(existsSync(layout.ongoingDir));
  t.equal(await ex.recoverInterrupted(() => void t.fail('not twice')), undefined);
});

t.test('recoverInterrupted: a report that throws keeps the record (reported again next time)', async (t) => {
  const root = t.testdir();
  const layout = deploymentLayout(root);
  new CommandTracker({ layout }).received({ hostCommandIdentifier: 'hc-1', commandName: 'AfterInstall' });
  const ex = setup(root);
  await t.rejects(ex.recoverInterrupted(() => Promise.reject(new Error('service down'))));
  const again: string[] = [];
  await ex.recoverInterrupted((cmd) => void again.push(cmd.hostCommandIdentifier));
  t.same(again, ['hc-1']);
});

t.test('execute: the crash record follows the command and goes once the result is reported', async (t) => {
  const root = t.testdir();
  const tokenFile = join(root, 'token');
  const rev = writeRevision(join(root, 'rev'), 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: h.sh\n', { 'h.sh': `#!/bin/sh\necho "$EDGE_AGENT_HOOK_TOKEN" > '${tokenFile}'\n` });
  const ex = setup(join(root, 'dr'));
  const s = spec('d-1', rev);
  await run(t, ex, 'DownloadBundle', s);
  const phases: unknown[] = [];
  ex.tracker.received({ hostCommandIdentifier: 'hc-BeforeInstall', commandName: 'BeforeInstall' });
  const r = await ex.execute('BeforeInstall', s, {
    hostCommandIdentifier: 'hc-BeforeInstall',
    report: () => void phases.push(JSON.parse(readFileSync(deploymentLayout(join(root, 'dr')).commandFile('hc-BeforeInstall'), 'utf8'))),
  });
  t.equal(r.status, 'Succeeded');
  t.match(phases, [{ phase: 'reporting', deploymentId: 'd-1', result: { status: 'Succeeded' } }], 'the result is recorded before it is reported');
  t.notOk(existsSync(deploymentLayout(join(root, 'dr')).commandFile('hc-BeforeInstall')), 'and removed after');
  t.ok(readFileSync(tokenFile, 'utf8').trim().length >= 32, 'the hook carried a token');
});
