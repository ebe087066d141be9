// What a running agent does with the CommandStatus the service returns for
// PutHostCommandAcknowledgement (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_poller.rb): "Succeeded" → stop, nothing more;
// "Failed" → for a no-op command one PutHostCommandComplete(Succeeded, CompletedNoopCommand),
// otherwise stop (no hook runs, nothing is completed); anything else → run the command (a no-op
// then completes Succeeded once). A scripted Commands front between the agent and the sandbox
// changes the acknowledgement answers; everything else is the sandbox's real service.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCommandsClient } from '../../helpers/commands-client.js';
import { addDevice, deploy, eventStatuses, lifecycleEvents, readLines, runDevice, startFleet, uploadRevision, waitDone, type Fleet } from '../../helpers/agent-fleet.js';
import { guardProcessesUnder } from '../../helpers/tracked-agent.js';
import { ackIsNoop, completionPayload, startCommandsInterceptor, type CommandsInterceptor, type WireHostCommand } from '../../helpers/commands-interceptor.js';
import type { Device } from '../../../sandbox/simulated-device.js';

const appspec = 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: app-installed\nhooks:\n  AfterInstall:\n    - location: hook.sh\n';
const files = { 'app/a.txt': 'a', 'hook.sh': '#!/bin/sh\necho "$LIFECYCLE_EVENT $DEPLOYMENT_ID" >> proof\n' };
const EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

t.test('one agent, the acknowledgement answers scripted per command', async (t) => {
  const fleet: Fleet = await startFleet(t);
  guardProcessesUnder(t, fleet.dir); // agents and hooks never outlive the test
  const front: CommandsInterceptor = await startCommandsInterceptor({ target: fleet.sb.url });
  t.teardown(() => front.close());
  const device: Device = await addDevice(fleet, 'pi-01', { deploy_control_endpoint: front.url });
  runDevice(device);
  // The service's own side of a command the fake answered for: what it recorded as the outcome.
  const service = createCommandsClient({ endpoint: fleet.sb.url, region: fleet.sb.region, credentials: device.principal });
  const settle = (cmd: WireHostCommand, status: 'Succeeded' | 'Failed'): Promise<void> =>
    service.complete(cmd.HostCommandIdentifier, status, { Format: 'JSON', Payload: JSON.stringify({ error_code: 0, script_name: '', message: `${status} at the service`, log: '' }) });
  const proofLines = (): string[] => readLines(join(device.dir, 'proof'));

  await t.test('no-op commands: a normal ack, an ack answered Failed, an ack answered Succeeded', async (t) => {
    const start = front.mark('deployment 1');
    front.rules = { ack: (cmd) => (cmd.CommandName === 'BeforeInstall' ? 'Failed' : cmd.CommandName === 'ApplicationStart' ? 'Succeeded' : undefined) };
    const id = await deploy(fleet, await uploadRevision(fleet, 'v1', appspec, files));

    // ApplicationStart, acknowledged as already Succeeded: the agent goes straight back to polling.
    const appStartAck = await front.waitForCall((c) => c.op === 'PutHostCommandAcknowledgement' && front.commandNameOf(c) === 'ApplicationStart', start, 60_000);
    await front.waitForCall((c) => c.op === 'PollHostCommand', appStartAck.index);
    const appStart = front.command('ApplicationStart', start) as WireHostCommand;
    t.same(front.callsFor('PutHostCommandComplete', appStart.HostCommandIdentifier), [], 'ack Succeeded: no completion');
    t.equal(ackIsNoop(appStartAck.request), true, 'ApplicationStart is a no-op here');
    await settle(appStart, 'Succeeded'); // the service's record agrees with what it answered

    const info = await waitDone(fleet, id);
    t.equal(info.status, 'Succeeded', 'the deployment succeeded', { output: device.output });
    t.same(eventStatuses(await lifecycleEvents(fleet, id)), EVENTS.map((e) => `${e}:Succeeded`));
    t.same(proofLines(), [`AfterInstall ${id}`], 'the one hook ran once');

    const noopFlags = Object.fromEntries(EVENTS.map((e) => [e, ackIsNoop(front.callsFor('PutHostCommandAcknowledgement', (front.command(e, start) as WireHostCommand).HostCommandIdentifier)[0]?.request ?? {})]));
    t.same(noopFlags, { ApplicationStop: true, DownloadBundle: false, BeforeInstall: true, Install: false, AfterInstall: false, ApplicationStart: true, ValidateService: true }, 'IsCommandNoop as the aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb says');

    const completions = (name: string) => front.callsFor('PutHostCommandComplete', (front.command(name, start) as WireHostCommand).HostCommandIdentifier);
    for (const name of ['ApplicationStop', 'ValidateService']) {
      const [only, ...more] = completions(name);
      t.same(more, [], `${name}: one completion`);
      t.equal(only?.request['CommandStatus'], 'Succeeded');
      t.same(completionPayload(only!), { error_code: 0, script_name: '', message: 'Succeeded: ', log: '' }, `${name}: a no-op runs and succeeds`);
    }
    const [noopAfterFailed, ...again] = completions('BeforeInstall');
    t.same(again, [], 'ack Failed on a no-op: one completion');
    t.equal(noopAfterFailed?.request['CommandStatus'], 'Succeeded');
    t.same(completionPayload(noopAfterFailed!), { error_code: 0, script_name: '', message: 'Succeeded: CompletedNoopCommand', log: '' });
  });

  await t.test('ack Failed on a command with a hook: the hook does not run and nothing is completed', async (t) => {
    const start = front.mark('deployment 2');
    front.rules = { ack: (cmd) => (cmd.CommandName === 'AfterInstall' ? 'Failed' : undefined) };
    const id = await deploy(fleet, await uploadRevision(fleet, 'v2', appspec, files));
    const ack = await front.waitForCall((c) => c.op === 'PutHostCommandAcknowledgement' && front.commandNameOf(c) === 'AfterInstall', start, 60_000);
    // the agent polls again only once it is done with the command
    await front.waitForCall((c) => c.op === 'PollHostCommand', ack.index);
    const afterInstall = front.command('AfterInstall', start) as WireHostCommand;
    t.equal(ackIsNoop(ack.request), false);
    t.same(front.callsFor('PutHostCommandComplete', afterInstall.HostCommandIdentifier), [], 'no completion');
    t.notOk(proofLines().some((l) => l.includes(id)), 'the hook did not run');
    t.notOk(existsSync(join(device.rootDir, 'ongoing-deployment', id)), 'not tracked as in progress (no code 7 at the next start)');

    await settle(afterInstall, 'Failed');
    const info = await waitDone(fleet, id);
    t.equal(info.status, 'Failed');
    t.same(eventStatuses(await lifecycleEvents(fleet, id)).slice(0, 5), ['ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Succeeded', 'Install:Succeeded', 'AfterInstall:Failed']);
    t.equal(device.process?.exitCode, null, 'the agent keeps running');
  });
});
