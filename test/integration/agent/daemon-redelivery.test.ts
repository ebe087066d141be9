// A command the service delivers again (a service-side retry) while the agent still runs it: the
// agent does not run it twice. It runs one command at a time and polls again only when the command
// is done, so it sees the re-delivery right after its completion; it then does what the official
// agent does with any command (specification, acknowledgement) and stops when the service says the
// command already has its outcome: exactly one completion. When the service lost that completion
// (the acknowledgement answers InProgress), the recorded result is sent again, still without
// running anything. A scripted Commands front re-delivers; the rest is the sandbox's real service.
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDevice, deploy, eventStatuses, lifecycleEvents, readLines, runDevice, startFleet, uploadRevision, waitDone, waitFor } from '../../helpers/agent-fleet.js';
import { guardProcessesUnder } from '../../helpers/tracked-agent.js';
import { completionPayload, startCommandsInterceptor, type CommandsCall, type WireHostCommand } from '../../helpers/commands-interceptor.js';

const appspec = 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: hook.sh\n      timeout: 60\n';
// runs while the file `hold` exists in the agent's working directory
const hook = '#!/bin/sh\necho "start $DEPLOYMENT_ID" >> proof\nwhile [ -f hold ]; do sleep 0.05; done\necho "end $DEPLOYMENT_ID" >> proof\n';
const EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

t.test('one agent, re-deliveries scripted by the Commands front', async (t) => {
  const fleet = await startFleet(t);
  guardProcessesUnder(t, fleet.dir); // agents and hooks never outlive the test
  const front = await startCommandsInterceptor({ target: fleet.sb.url });
  t.teardown(() => front.close());
  const device = await addDevice(fleet, 'pi-01', { deploy_control_endpoint: front.url });
  runDevice(device);
  const proof = (id: string): string[] => readLines(join(device.dir, 'proof')).filter((l) => l.endsWith(id));
  const key = await uploadRevision(fleet, 'v1', appspec, { 'hook.sh': hook });
  /** Answer the next poll with `cmd` again, once; resolves with that poll. */
  const redeliverOnce = (cmd: WireHostCommand): Promise<CommandsCall> =>
    new Promise((resolve) => {
      front.rules = {
        ...front.rules,
        poll: (call) => {
          front.rules = { ...front.rules, poll: undefined };
          resolve(call);
          return { HostCommand: cmd };
        },
      };
    });

  await t.test('re-delivered while its hook runs: run once, completed once', async (t) => {
    const start = front.mark('deployment 1');
    writeFileSync(join(device.dir, 'hold'), '');
    const id = await deploy(fleet, key);
    await waitFor(() => proof(id).length > 0, 60_000, 'the hook to start');
    const cmd = front.command('AfterInstall', start) as WireHostCommand;
    const redelivered = redeliverOnce(cmd); // the service retries the command while the hook runs
    rmSync(join(device.dir, 'hold'));
    const poll = await redelivered;
    const info = await waitDone(fleet, id);
    t.equal(info.status, 'Succeeded', 'the deployment succeeded', { output: device.output });
    t.same(eventStatuses(await lifecycleEvents(fleet, id)), EVENTS.map((e) => `${e}:Succeeded`));
    t.same(proof(id), [`start ${id}`, `end ${id}`], 'the hook ran once');

    const [ack, reAck, ...moreAcks] = front.callsFor('PutHostCommandAcknowledgement', cmd.HostCommandIdentifier);
    const completions = front.callsFor('PutHostCommandComplete', cmd.HostCommandIdentifier);
    t.equal(completions.length, 1, 'exactly one completion');
    t.equal(completions[0]?.request['CommandStatus'], 'Succeeded');
    const [completion] = completions as [CommandsCall];
    t.ok(ack && completion.index > ack.index, 'acknowledged, then completed');
    t.same(
      front.calls.filter((c) => c.op === 'PollHostCommand' && c.index > (ack?.index ?? 0) && c.index < completion.index),
      [],
      'no poll while the hook ran',
    );
    t.ok(poll.index > completion.index, 'the re-delivery reached the agent after its completion');
    t.equal(reAck?.response?.['CommandStatus'], 'Succeeded', 'the re-delivery was acknowledged: the service has the outcome');
    t.same(moreAcks, []);
  });

  await t.test('re-delivered because the service lost the completion: run once, the same result sent again', async (t) => {
    const start = front.mark('deployment 2');
    let lost: WireHostCommand | undefined;
    front.rules = {
      complete: (cmd) => {
        if (cmd.CommandName !== 'AfterInstall' || lost) return false;
        lost = cmd;
        void redeliverOnce(cmd);
        return true; // answered without reaching the service
      },
    };
    const id = await deploy(fleet, key);
    const info = await waitDone(fleet, id);
    t.equal(info.status, 'Succeeded', 'the deployment succeeded', { output: device.output });
    t.same(proof(id), [`start ${id}`, `end ${id}`], 'the hook ran once');
    const cmd = front.command('AfterInstall', start) as WireHostCommand;
    t.equal(lost?.HostCommandIdentifier, cmd.HostCommandIdentifier);
    const acks = front.callsFor('PutHostCommandAcknowledgement', cmd.HostCommandIdentifier);
    t.same(
      acks.map((c) => c.response?.['CommandStatus']),
      ['InProgress', 'InProgress'],
      'acknowledged twice; the second time the service still had no outcome',
    );
    const completions = front.callsFor('PutHostCommandComplete', cmd.HostCommandIdentifier);
    t.same(
      completions.map((c) => [c.scripted === true, c.request['CommandStatus']]),
      [
        [true, 'Succeeded'],
        [false, 'Succeeded'],
      ],
      'the lost completion, then the same one again, which reached the service',
    );
    t.same(completionPayload(completions[1]!), completionPayload(completions[0]!));
  });
});
