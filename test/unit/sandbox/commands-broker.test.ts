import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { PICKUP_TIMEOUT_MESSAGE, SHUTDOWN_MESSAGE, STOPPED_MESSAGE, createCommandBroker, type BrokerOutcome, type HostKey } from '../../../sandbox/commands/broker.js';
import { LIMITS } from '../../../sandbox/commands/shapes.js';
import { AwsError, type HostCommandRequest } from '../../../sandbox/types.js';

const HOST_A: HostKey = { accountId: '222222222222', region: 'eu-west-1', hostIdentifier: 'arn:aws:iam::222222222222:user/pi-a' };
const HOST_B: HostKey = { ...HOST_A, hostIdentifier: 'arn:aws:iam::222222222222:user/pi-b' };
const LONG = 60_000;

function request(host: HostKey, commandName: string, extra: Partial<HostCommandRequest> = {}): HostCommandRequest {
  return {
    accountId: host.accountId,
    region: host.region,
    hostIdentifier: host.hostIdentifier,
    instanceName: host.hostIdentifier.split('/').pop()!,
    commandName,
    deploymentId: 'd-TEST00001',
    deploymentSpec: { DeploymentId: 'd-TEST00001', ApplicationName: 'app', Event: commandName },
    pickupTimeoutMs: LONG,
    completionTimeoutMs: LONG,
    ...extra,
  };
}

const SUCCESS = { Format: 'JSON', Payload: '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}' };

function awsCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AwsError ? e.code : `not an AwsError: ${String(e)}`;
  }
  return undefined;
}

t.test('per-host FIFO queues keyed by account, region and host identifier', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  void broker.dispatch(request(HOST_A, 'DownloadBundle'));
  void broker.dispatch(request(HOST_B, 'DownloadBundle'));
  void broker.dispatch(request(HOST_A, 'Install'));
  void broker.dispatch(request({ ...HOST_A, region: 'us-east-1' }, 'ApplicationStart'));
  void broker.dispatch(request({ ...HOST_A, accountId: '333333333333' }, 'ValidateService'));

  const a1 = await broker.poll(HOST_A, undefined, 0);
  const a2 = await broker.poll(HOST_A, undefined, 0);
  t.equal(a1?.CommandName, 'DownloadBundle');
  t.equal(a2?.CommandName, 'Install');
  t.equal(await broker.poll(HOST_A, undefined, 0), undefined, 'host A drained');
  t.equal((await broker.poll(HOST_B, undefined, 0))?.CommandName, 'DownloadBundle');
  t.equal((await broker.poll({ ...HOST_A, region: 'us-east-1' }, undefined, 0))?.CommandName, 'ApplicationStart');
  t.equal((await broker.poll({ ...HOST_A, accountId: '333333333333' }, undefined, 0))?.CommandName, 'ValidateService');

  t.equal(a1?.HostIdentifier, HOST_A.hostIdentifier);
  t.not(a1?.HostCommandIdentifier, a2?.HostCommandIdentifier, 'unique command ids');
  t.not(a1?.DeploymentExecutionId, a2?.DeploymentExecutionId, 'unique execution ids');
  t.ok(a2!.Nonce > a1!.Nonce, 'nonce increases');
  for (const id of [a1!.DeploymentExecutionId, a2!.DeploymentExecutionId]) {
    t.match(id, LIMITS.executionIdPattern);
    t.ok(id.length <= LIMITS.executionIdMax);
  }
});

t.test('long poll: waits for a dispatch, ends empty after maxWaitMs or on abort', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const waiting = broker.poll(HOST_A, undefined, LONG);
  await sleep(20);
  void broker.dispatch(request(HOST_A, 'BeforeInstall'));
  t.equal((await waiting)?.CommandName, 'BeforeInstall', 'handed to the waiting poller');

  const started = Date.now();
  t.equal(await broker.poll(HOST_A, undefined, 80), undefined);
  t.ok(Date.now() - started >= 70, 'waited about maxWaitMs');

  const ac = new AbortController();
  const aborted = broker.poll(HOST_A, ac.signal, LONG);
  setTimeout(() => ac.abort(), 20);
  t.equal(await aborted, undefined, 'abort ends the poll');
  const outcome = broker.dispatch(request(HOST_A, 'AfterInstall'));
  const next = await broker.poll(HOST_A, undefined, 0);
  t.equal(next?.CommandName, 'AfterInstall', 'an aborted poller does not swallow the next command');
  broker.complete(HOST_A, next!.HostCommandIdentifier, 'Succeeded', SUCCESS);
  t.equal((await outcome).status, 'Succeeded');
});

t.test('two waiting pollers of one host get one command each', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const p1 = broker.poll(HOST_A, undefined, LONG);
  const p2 = broker.poll(HOST_A, undefined, LONG);
  void broker.dispatch(request(HOST_A, 'DownloadBundle'));
  void broker.dispatch(request(HOST_A, 'Install'));
  t.same([(await p1)?.CommandName, (await p2)?.CommandName], ['DownloadBundle', 'Install']);
});

t.test('the full host-side flow resolves dispatch with mapped diagnostics', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const outcome = broker.dispatch(request(HOST_A, 'ApplicationStart'));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  t.equal(broker.acknowledge(HOST_A, cmd.HostCommandIdentifier, { Format: 'JSON', Payload: '{"IsCommandNoop":false}' }), 'InProgress');
  const spec = broker.spec(HOST_A, cmd.DeploymentExecutionId);
  t.same(JSON.parse(spec.json), { DeploymentId: 'd-TEST00001', ApplicationName: 'app', Event: 'ApplicationStart' });
  t.equal(spec.region, 'eu-west-1');
  const payload = { error_code: 4, script_name: 'scripts/start.sh', message: 'Script failed with exit code 1', log: '[stderr]boom\n' };
  broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Failed', { Format: 'JSON', Payload: JSON.stringify(payload) });
  const result = await outcome;
  t.match(result, {
    status: 'Failed',
    diagnostics: { errorCode: 'ScriptFailed', scriptName: 'scripts/start.sh', message: 'Script failed with exit code 1', logTail: '[stderr]boom\n' },
  });
  t.ok(result.startTime <= result.endTime);
  t.equal(broker.acknowledge(HOST_A, cmd.HostCommandIdentifier), 'Failed', 'ack after completion reports the final status');
  t.ok(broker.spec(HOST_A, cmd.DeploymentExecutionId).json, 'the spec stays readable after completion (the agent re-reads it after a Failed ack)');
});

t.test('pickup timeout: not polled in time → Failed with the agent-not-running diagnostics', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const queuedAt = Date.now();
  const outcome = await broker.dispatch(request(HOST_A, 'DownloadBundle', { pickupTimeoutMs: 50 }));
  t.ok(Date.now() - queuedAt >= 45);
  t.match(outcome, { status: 'Failed', diagnostics: { errorCode: 'UnknownError', scriptName: '', message: PICKUP_TIMEOUT_MESSAGE, logTail: '' } });
  t.match(PICKUP_TIMEOUT_MESSAGE, /agent is installed and running/);
  t.equal(await broker.poll(HOST_A, undefined, 0), undefined, 'withdrawn from the queue');
});

t.test('completion timeout after pickup', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());

  const timedOut = broker.dispatch(request(HOST_A, 'ValidateService', { completionTimeoutMs: 60 }));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  broker.acknowledge(HOST_A, cmd.HostCommandIdentifier);
  const outcome = await timedOut;
  t.match(outcome, { status: 'Failed', diagnostics: { errorCode: 'UnknownError', message: /did not report its completion within/ } });
  t.equal(broker.acknowledge(HOST_A, cmd.HostCommandIdentifier), 'Failed');
  t.equal(broker.update(HOST_A, cmd.HostCommandIdentifier), 'Failed', 'update tells the agent the command is over');
  broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Succeeded', SUCCESS);
  t.equal(broker.acknowledge(HOST_A, cmd.HostCommandIdentifier), 'Failed', 'a late completion does not change the outcome');

});

/** A TimerPort whose time moves only when the test says so (no race with a loaded machine). */
function manualTimers() {
  let now = 0;
  const due = new Map<object, { at: number; fn: () => void }>();
  return {
    set: (ms: number, fn: () => void) => {
      const h = {};
      due.set(h, { at: now + ms, fn });
      return h;
    },
    clear: (h: object | undefined) => void (h && due.delete(h)),
    advance(ms: number) {
      now += ms;
      for (const [h, e] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (e.at > now) continue;
        due.delete(h);
        e.fn();
      }
    },
  };
}

t.test('PostHostCommandUpdate heartbeats extend the completion timeout', async (t) => {
  const timers = manualTimers();
  const broker = createCommandBroker({ timers });
  t.teardown(() => broker.close());
  const kept = broker.dispatch(request(HOST_A, 'ValidateService', { completionTimeoutMs: 100 }));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  broker.acknowledge(HOST_A, cmd.HostCommandIdentifier);
  for (let i = 0; i < 4; i++) {
    timers.advance(50);
    t.equal(broker.update(HOST_A, cmd.HostCommandIdentifier, { estimatedCompletionTime: new Date() }), 'InProgress');
  }
  broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Succeeded', SUCCESS);
  t.match(await kept, { status: 'Succeeded', diagnostics: { errorCode: 'Success' } }, 'still running after 200 ms thanks to heartbeats');

  const lapsed = broker.dispatch(request(HOST_A, 'ValidateService', { completionTimeoutMs: 100 }));
  const cmd2 = (await broker.poll(HOST_A, undefined, 0))!;
  broker.acknowledge(HOST_A, cmd2.HostCommandIdentifier);
  timers.advance(50);
  broker.update(HOST_A, cmd2.HostCommandIdentifier, { estimatedCompletionTime: new Date() });
  timers.advance(99);
  t.equal(broker.acknowledge(HOST_A, cmd2.HostCommandIdentifier), 'InProgress', 'the heartbeat restarted the 100 ms');
  timers.advance(1);
  t.match(await lapsed, { status: 'Failed', diagnostics: { message: /did not report its completion within/ } }, 'no heartbeat: it times out');
});

t.test('StopDeployment: a queued command is withdrawn, a running one fails', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const ac = new AbortController();
  const running = broker.dispatch(request(HOST_A, 'BeforeInstall', { signal: ac.signal }));
  const queued = broker.dispatch(request(HOST_A, 'AfterInstall', { signal: ac.signal }));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  ac.abort();
  const [r, q]: [BrokerOutcome, BrokerOutcome] = await Promise.all([running, queued]);
  t.match(r, { status: 'Failed', diagnostics: { errorCode: 'UnknownError', message: STOPPED_MESSAGE } });
  t.notOk(r.withdrawn);
  t.same({ status: q.status, withdrawn: q.withdrawn, diagnostics: q.diagnostics }, { status: 'Failed', withdrawn: true, diagnostics: undefined });
  t.equal(await broker.poll(HOST_A, undefined, 0), undefined, 'the queued command is gone');
  t.equal(broker.acknowledge(HOST_A, cmd.HostCommandIdentifier), 'Failed', 'the agent learns it was stopped');

  const pre = new AbortController();
  pre.abort();
  t.match(await broker.dispatch(request(HOST_A, 'Install', { signal: pre.signal })), { status: 'Failed', withdrawn: true }, 'already aborted');
  t.equal(await broker.poll(HOST_A, undefined, 0), undefined);
});

t.test('completion is idempotent: the first one stands', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const outcome = broker.dispatch(request(HOST_A, 'Install'));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Succeeded', SUCCESS);
  broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Failed', { Format: 'JSON', Payload: '{"error_code":5,"script_name":"","message":"again","log":""}' });
  t.match(await outcome, { status: 'Succeeded', diagnostics: { errorCode: 'Success', message: 'Succeeded: ' } });
  t.equal(broker.acknowledge(HOST_A, cmd.HostCommandIdentifier), 'Succeeded');
  t.equal(broker.update(HOST_A, cmd.HostCommandIdentifier), 'Succeeded');
});

t.test('completion without diagnostics; a malformed payload is rejected and the command keeps running', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  const outcome = broker.dispatch(request(HOST_A, 'Install'));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  t.equal(awsCode(() => broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Failed', { Format: 'JSON', Payload: 'not json' })), 'ClientException');
  t.equal(broker.acknowledge(HOST_A, cmd.HostCommandIdentifier), 'InProgress');
  broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Failed');
  const result = await outcome;
  t.equal(result.status, 'Failed');
  t.equal(result.diagnostics, undefined);
});

t.test('unknown and foreign ids', async (t) => {
  const broker = createCommandBroker();
  t.teardown(() => broker.close());
  void broker.dispatch(request(HOST_A, 'Install'));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  const id = cmd.HostCommandIdentifier;
  t.equal(awsCode(() => broker.acknowledge(HOST_B, id)), 'ClientException', 'ack of another host’s command');
  t.equal(awsCode(() => broker.complete(HOST_B, id, 'Succeeded', SUCCESS)), 'ClientException');
  t.equal(awsCode(() => broker.update(HOST_B, id)), 'ClientException');
  t.equal(awsCode(() => broker.acknowledge(HOST_A, 'bm9wZQ==')), 'ClientException', 'unknown id');
  t.equal(awsCode(() => broker.acknowledge({ ...HOST_A, region: 'us-east-1' }, id)), 'ClientException', 'same ARN, other region');
  t.equal(awsCode(() => broker.spec(HOST_B, cmd.DeploymentExecutionId)), 'DeploymentNotFoundException');
  t.equal(awsCode(() => broker.spec(HOST_A, 'a/b/c/d')), 'DeploymentNotFoundException');
  t.equal(broker.acknowledge(HOST_A, id), 'InProgress', 'the owner still can');
});

t.test('finished commands are forgotten after the retention period', async (t) => {
  let now = new Date('2026-01-01T00:00:00Z');
  const broker = createCommandBroker({ clock: { now: () => now }, retentionMs: 1000 });
  t.teardown(() => broker.close());
  const outcome = broker.dispatch(request(HOST_A, 'Install'));
  const cmd = (await broker.poll(HOST_A, undefined, 0))!;
  broker.complete(HOST_A, cmd.HostCommandIdentifier, 'Succeeded', SUCCESS);
  const result = await outcome;
  t.same([result.startTime, result.endTime], [now, now], 'times come from the clock');
  now = new Date(now.getTime() + 1001);
  void broker.dispatch(request(HOST_A, 'ApplicationStart'));
  t.equal(awsCode(() => broker.acknowledge(HOST_A, cmd.HostCommandIdentifier)), 'ClientException');
  t.equal(awsCode(() => broker.spec(HOST_A, cmd.DeploymentExecutionId)), 'DeploymentNotFoundException');
});

t.test('close fails outstanding commands and ends polls', async (t) => {
  const broker = createCommandBroker();
  const poll = broker.poll(HOST_B, undefined, LONG);
  const running = broker.dispatch(request(HOST_A, 'Install'));
  const queued = broker.dispatch(request(HOST_A, 'AfterInstall'));
  t.equal((await broker.poll(HOST_A, undefined, 0))?.CommandName, 'Install');
  broker.close();
  t.equal(await poll, undefined);
  t.match(await queued, { status: 'Failed', diagnostics: { message: SHUTDOWN_MESSAGE } });
  t.match(await running, { status: 'Failed', diagnostics: { message: SHUTDOWN_MESSAGE } });
  t.match(await broker.dispatch(request(HOST_A, 'Install')), { status: 'Failed' }, 'dispatch after close fails at once');
  t.equal(await broker.poll(HOST_A, undefined, LONG), undefined, 'poll after close is empty at once');
});
