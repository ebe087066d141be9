// `fleetctl rollout abort` against the sandbox: a first release rolled out fully; the second's stack
// update is slow (a new resource takes ten minutes to provision). Its controller dies (SIGKILL)
// while both tenant stacks are UPDATE_IN_PROGRESS; abort takes the dead holder's lease at once,
// cancels both updates with CancelUpdateStack, follows the rollbacks to UPDATE_ROLLBACK_COMPLETE
// (the first release's parameters and outputs back) and ends the rollout aborted, with who and why
// in the journal, without starting anything more. With the controller alive, abort journals the
// request and cancels the updates; the controller follows the rollbacks and ends the rollout aborted.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import type { Sandbox } from '../../../sandbox/sandbox.js';
import { killGroupOf } from '../../helpers/process-groups.js';
import { APP, callsPerAccount, rolloutId, startEstate, status, TENANTS } from './rollout-fixture.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
t.setTimeout(300_000);

/** The resource the second release adds: provisioning it takes ten minutes, so its update is cancelled, not finished. */
const SLOW = '  Slow:\n    Type: AWS::SNS::Topic\n    Metadata: { SandboxDelayMs: 600000 }\n';

const tenantCfn = (sb: Sandbox, accountId: string): CloudFormationClient => {
  const p = sb.rootOf(accountId);
  const credentials = { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
  return new CloudFormationClient({ endpoint: sb.url, region: sb.region, maxAttempts: 3, credentials });
};

const stackOf = async (cfn: CloudFormationClient): Promise<Stack> =>
  (await cfn.send(new DescribeStacksCommand({ StackName: APP }))).Stacks![0]!;
const oncePerTenant = Object.fromEntries(TENANTS.map((x) => [x, 1]));
const outputsOf = (s: Stack) => Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
const parametersOf = (s: Stack) => Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));

/** Two tenant stacks mid-update under a live controller (`rollout start` of v2.0.0), after v1.0.0 rolled out. */
async function slowUpdate(t: Test) {
  const e = await startEstate(t);
  const cfns = TENANTS.map((id) => tenantCfn(e.sb, id));
  t.teardown(() => cfns.forEach((c) => c.destroy()));

  await e.push('v1.0.0');
  const first = await e.fleetctl(['rollout', 'start', '--release', 'v1.0.0']);
  t.equal(first.code, 0, 'the first release rolled out', { stderr: first.stderr });
  const before = await Promise.all(cfns.map(stackOf));
  t.same(before.map((s) => [s.StackStatus, outputsOf(s)['Version']]), [['CREATE_COMPLETE', 'v1.0.0'], ['CREATE_COMPLETE', 'v1.0.0']]);

  const templateFile = join(e.dir, 'cloud', 'template.yaml');
  writeFileSync(templateFile, readFileSync(templateFile, 'utf8').replace('Resources:\n', `Resources:\n${SLOW}`));
  await e.push('v2.0.0');
  const id = rolloutId('v2.0.0');
  const mark = e.sb.calls.mark();
  const child = e.spawn(['rollout', 'start', '--release', 'v2.0.0']);
  t.teardown(() => killGroupOf(child));
  let stderr = '';
  child.stdout?.resume();
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })));
  // the controller reports each stack's status as it follows it: both updates are under way
  await new Promise<void>((resolve, reject) => {
    const updating = ['t1-stack', 't2-stack'].map((name) => new RegExp(`${name}: in-progress UPDATE_IN_PROGRESS`));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (updating.every((re) => re.test(stderr))) resolve();
    });
    void ended.then(() => reject(new Error(`the controller ended before both stacks were updating:\n${stderr}`)));
  });
  t.same((await Promise.all(cfns.map(stackOf))).map((s) => s.StackStatus), ['UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS']);
  return { e, cfns, before, id, mark, child, ended };
}

/** Both stacks are back on v1.0.0 (parameters, outputs, no resource of the update), each cancelled once since `abortMark`. */
async function rolledBack(t: Test, s: Awaited<ReturnType<typeof slowUpdate>>, abortMark: number): Promise<void> {
  const after = await Promise.all(s.cfns.map(stackOf));
  for (const [i, stack] of after.entries()) {
    t.equal(stack.StackStatus, 'UPDATE_ROLLBACK_COMPLETE', `${TENANTS[i]}: rolled back`);
    t.same(parametersOf(stack), parametersOf(s.before[i]!), `${TENANTS[i]}: the first release's parameters`);
    t.same(outputsOf(stack), outputsOf(s.before[i]!), `${TENANTS[i]}: the first release's outputs`);
    const resources = (await s.cfns[i]!.send(new DescribeStackResourcesCommand({ StackName: APP }))).StackResources ?? [];
    t.notOk(resources.some((x) => x.LogicalResourceId === 'Slow'), `${TENANTS[i]}: the resource the update was creating is gone`);
  }
  t.same(callsPerAccount(s.e.sb, abortMark, 'CancelUpdateStack'), oncePerTenant, 'one cancel per stack');
  t.same(callsPerAccount(s.e.sb, s.mark, 'ExecuteChangeSet'), oncePerTenant, 'each stack update was started once');
}

const cancelled = (doc: Record<string, unknown>) =>
  (doc['stops'] as { target: string }[]).filter((x) => x.target.endsWith('-stack')).sort((a, b) => a.target.localeCompare(b.target));
const CANCELS = [
  { target: 't1-stack', action: `CancelUpdateStack ${APP}`, outcome: 'stopped' },
  { target: 't2-stack', action: `CancelUpdateStack ${APP}`, outcome: 'stopped' },
];

t.test('abort cancels the stack updates in flight, rolls them back and ends the rollout aborted', async (t) => {
  const u = await slowUpdate(t);
  const { e, id, child, ended } = u;
  killGroupOf(child, 'SIGKILL');
  t.equal((await ended).signal, 'SIGKILL', 'the controller died mid-update');

  const abortMark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'abort', id, '--reason', 'canary alarms', '--json']);
  t.equal(r.code, 0, 'abort exits 0 (docs/rollouts.md)', { stderr: r.stderr });
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  t.match(doc, {
    schema: 'fleetctl.rollout.abort/v1',
    rolloutId: id,
    abortOutcome: 'concluded',
    state: 'aborted',
    abort: { reason: 'canary alarms' },
  });
  t.match(cancelled(doc), CANCELS);
  await rolledBack(t, u, abortMark);
  for (const op of ['CreateDeployment', 'CreateChangeSet', 'ExecuteChangeSet']) {
    t.same(callsPerAccount(e.sb, abortMark, op), {}, `nothing started after the abort: no ${op}`);
  }
  for (const op of ['PutObject', 'CopyObject']) {
    const writes = Object.entries(callsPerAccount(e.sb, abortMark, op));
    const tenantWrites = writes.filter(([account]) => (TENANTS as readonly string[]).includes(account));
    t.same(tenantWrites, [], `no web file written after the abort (${op})`);
  }

  // the journal: who aborted and why, each stack target failed, the wave and the rollout aborted
  const s = await status(e, 'v2.0.0');
  t.equal(s.state, 'aborted');
  t.match(s, { abort: { by: /on \S+ pid \d+$/, reason: 'canary alarms' }, reason: /canary alarms/ });
  const targets = Object.fromEntries(s.waves.flatMap((w) => w.targets.map((x) => [String(x['name']), x])));
  for (const name of ['t1-stack', 't2-stack']) {
    const reason = `stack ${APP} UPDATE_ROLLBACK_COMPLETE: Stack update cancelled`;
    t.match(targets[name], { status: 'failed', reason }, `${name}: failed, as cancelled`);
  }
  const halted = { name: 'tenants', status: 'halted', reason: /^aborted by .*: canary alarms$/ };
  t.match(s.waves, [{ name: 'devices', status: 'passed' }, halted]);
  t.match(s.counts, { inProgress: 0, pending: 0 });
  const again = await e.fleetctl(['rollout', 'abort', id, '--json']);
  t.equal(again.code, 0);
  t.match(JSON.parse(again.stdout), { abortOutcome: 'already-finished', state: 'aborted' }, 'a second abort changes nothing');
});

t.test('abort while the controller lives: the updates are cancelled and the controller ends the rollout aborted', async (t) => {
  const u = await slowUpdate(t);
  const abortMark = u.e.sb.calls.mark();
  const r = await u.e.fleetctl(['rollout', 'abort', u.id, '--reason', 'bad canary', '--json']);
  t.equal(r.code, 0, 'abort exits 0', { stderr: r.stderr });
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  t.match(doc, { abortOutcome: 'recorded', abort: { reason: 'bad canary' } }, 'the live controller keeps driving');
  t.match(cancelled(doc), CANCELS);
  t.match(await u.ended, { code: 1, signal: null }, 'the controller ends the rollout and exits 1');
  await rolledBack(t, u, abortMark);
  const s = await status(u.e, 'v2.0.0');
  t.match(s, { state: 'aborted', abort: { reason: 'bad canary' }, counts: { inProgress: 0, pending: 0 } });
  const targets = Object.fromEntries(s.waves.flatMap((w) => w.targets.map((x) => [String(x['name']), x])));
  for (const name of ['t1-stack', 't2-stack']) {
    t.match(targets[name], { status: 'failed', reason: /UPDATE_ROLLBACK_COMPLETE: Stack update cancelled/ }, `${name}: failed, as cancelled`);
  }
});
