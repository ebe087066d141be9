// The poll loop's crash safety, with a stateful fake of the Commands service (our port) and the real
// executor and tracker on a temp deployment root.
import t from 'tap';
import { existsSync } from 'node:fs';
import { CommandPoller } from '../../../../agent/command/command-poller.js';
import type { CommandService, CommandStatus, HostCommand } from '../../../../agent/command/command-service.js';
import { CommandExecutor } from '../../../../agent/deployment/command-executor.js';
import { CommandTracker } from '../../../../agent/deployment/command-tracker.js';
import { deploymentLayout, type DeploymentLayout } from '../../../../agent/deployment/layout.js';
import { processRunner } from '../../../../agent/revision/process-runner.js';
import { EdgeError } from '../../../../shared/errors.js';
import { silentLogger } from '../../../../shared/log.js';

const HOST = 'arn:aws:iam::111111111111:user/pi-01';

/** The service side: queued commands, a status per command, and every call in order. */
function fakeService(layout: DeploymentLayout, queue: HostCommand[], status: Record<string, CommandStatus>, stop: AbortController) {
  const calls: string[] = [];
  const service: CommandService = {
    poll: async () => {
      const next = queue.shift();
      if (!next) stop.abort();
      return next;
    },
    acknowledge: async (id) => {
      calls.push(`ack ${id}`);
      return status[id] ?? 'InProgress';
    },
    getDeploymentSpecification: async (executionId) => {
      const id = executionId.replace('exec-', '');
      calls.push(`spec ${id} recorded=${existsSync(layout.commandFile(id))}`);
      throw new EdgeError('COMMANDS_REJECTED', 'The deployment execution could not be found');
    },
    complete: async (id, s, diagnostics) => {
      calls.push(`complete ${id} ${s} ${(JSON.parse(diagnostics) as { error_code: number }).error_code}`);
      status[id] = s;
    },
    update: async () => 'InProgress',
  };
  return { service, calls };
}

function poller(layout: DeploymentLayout, commands: CommandService, extra: Partial<ConstructorParameters<typeof CommandPoller>[0]> = {}): CommandPoller {
  const executor = new CommandExecutor({
    layout,
    log: silentLogger(),
    run: processRunner(),
    baseEnv: { PATH: process.env['PATH'] },
    maxRevisions: 5,
    archiveLimits: { maxBytes: 1 << 20, maxEntries: 100 },
    killGraceMs: 200,
    enableDeploymentsLog: false,
    preserveOwner: false,
  });
  const openSpec = (): Promise<never> => Promise.reject(new Error('unused'));
  return new CommandPoller({ commands, executor, hostIdentifier: HOST, openSpec, log: silentLogger(), waitBetweenPollsMs: 0, ...extra });
}

t.test('a command is on disk before its specification is fetched, and gone once reported', async (t) => {
  const layout = deploymentLayout(t.testdir());
  const stop = new AbortController();
  const cmd = { hostCommandIdentifier: 'hc-1', hostIdentifier: HOST, deploymentExecutionId: 'exec-hc-1', commandName: 'Install' };
  const { service, calls } = fakeService(layout, [cmd], {}, stop);
  await poller(layout, service).run(stop.signal, new AbortController().signal);
  t.same(calls, ['spec hc-1 recorded=true', 'complete hc-1 Failed 5']);
  t.notOk(existsSync(layout.commandFile('hc-1')));
});

t.test('at start: each recorded command is reported once, only when the service has no outcome for it', async (t) => {
  const layout = deploymentLayout(t.testdir());
  const died = new CommandTracker({ layout });
  died.received({ hostCommandIdentifier: 'hc-open', commandName: 'AfterInstall' });
  died.received({ hostCommandIdentifier: 'hc-done', commandName: 'ApplicationStart' }); // its completion arrived, then the crash
  died.received({ hostCommandIdentifier: 'hc-result', commandName: 'Install' }, { status: 'Succeeded', diagnostics: '{"error_code":0}', noop: false });
  died.received({ hostCommandIdentifier: 'hc-gone', commandName: 'ValidateService' });
  const status: Record<string, CommandStatus> = { 'hc-done': 'Succeeded' };
  const stop = new AbortController();
  const { service, calls } = fakeService(layout, [], status, stop);
  const ack = service.acknowledge.bind(service);
  service.acknowledge = async (id, noop, signal) => {
    if (id === 'hc-gone') throw new EdgeError('COMMANDS_REJECTED', 'HostCommandIdentifier is not valid for this host');
    return ack(id, noop, signal);
  };
  await poller(layout, service).run(stop.signal, new AbortController().signal);
  t.same(calls.filter((c) => c.startsWith('complete')).sort(), ['complete hc-open Failed 7', 'complete hc-result Succeeded 0']);
  t.same(calls.filter((c) => c.startsWith('ack')).sort(), ['ack hc-done', 'ack hc-open', 'ack hc-result'], 'the service is asked first');
  t.notOk(existsSync(layout.commandsDir), 'every record is gone, the unknown command dropped');
  const again = fakeService(layout, [], status, new AbortController());
  const stop2 = new AbortController();
  stop2.abort();
  await poller(layout, again.service).run(stop2.signal, new AbortController().signal);
  t.same(again.calls, [], 'nothing is reported twice');
});

t.test('a retryable failure while reporting at start is retried, still once', async (t) => {
  const layout = deploymentLayout(t.testdir());
  new CommandTracker({ layout }).received({ hostCommandIdentifier: 'hc-1', commandName: 'AfterInstall' });
  const stop = new AbortController();
  const { service, calls } = fakeService(layout, [], {}, stop);
  const complete = service.complete.bind(service);
  let failures = 1;
  service.complete = async (...args) => {
    if (failures-- > 0) throw new EdgeError('COMMANDS_UNAVAILABLE', 'connection reset');
    return complete(...args);
  };
  await poller(layout, service, { backoff: { maxMs: 1, throttleMs: 1 } }).run(stop.signal, new AbortController().signal);
  t.same(calls, ['ack hc-1', 'ack hc-1', 'complete hc-1 Failed 7']);
});
