// SIGTERM to a running agent while a hook runs (graceful shutdown as aws-codedeploy-agent lib/instance_agent/runner/master.rb does it): polling ends, the
// hook may finish within kill_agent_max_wait_time_seconds and its command is reported; past that
// bound the hook's process group is stopped, the command is reported Failed, and the agent exits.
// A recording Commands front (no rules) shows what the agent sent after the signal.
import t, { type Test } from 'tap';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupAlive } from '../../../agent/hooks/process-group.js';
import { stopAgent, type Device } from '../../../sandbox/simulated-device.js';
import { addDevice, deploy, lifecycleEvents, runDevice, startFleet, uploadRevision, waitDone, waitFor, type Fleet } from '../../helpers/agent-fleet.js';
import { guardProcessesUnder } from '../../helpers/tracked-agent.js';
import { completionPayload, startCommandsInterceptor, type CommandsInterceptor } from '../../helpers/commands-interceptor.js';

// ValidateService is the last event: its completion ends the deployment.
const appspec = 'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: hook.sh\n      timeout: 300\n';
// records its pid (= its process group), then runs while the file `hold` exists
const hook = '#!/bin/sh\necho $$ > hook.pid\nwhile [ -f hold ]; do sleep 0.05; done\necho finished >> proof\n';

async function setup(t: Test, boundSeconds: number): Promise<{ fleet: Fleet; front: CommandsInterceptor; device: Device; id: string; pgid: number }> {
  const fleet = await startFleet(t);
  guardProcessesUnder(t, fleet.dir); // agents and hooks never outlive the test
  const front = await startCommandsInterceptor({ target: fleet.sb.url });
  t.teardown(() => front.close());
  const device = await addDevice(fleet, 'pi-01', { deploy_control_endpoint: front.url, kill_agent_max_wait_time_seconds: boundSeconds });
  runDevice(device);
  writeFileSync(join(device.dir, 'hold'), '');
  t.teardown(() => rmSync(join(device.dir, 'hold'), { force: true }));
  const id = await deploy(fleet, await uploadRevision(fleet, 'v1', appspec, { 'hook.sh': hook }));
  const pidFile = join(device.dir, 'hook.pid');
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 60_000, 'the hook to start');
  const pgid = Number(readFileSync(pidFile, 'utf8'));
  t.teardown(() => {
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  });
  return { fleet, front, device, id, pgid };
}

/** What the agent sent after the marker, by operation. */
const opsAfter = (front: CommandsInterceptor, index: number): string[] => front.calls.filter((c) => c.index > index).map((c) => c.op);

t.test('SIGTERM mid-hook within the bound: the hook finishes, Succeeded is reported, exit 0', async (t) => {
  const { fleet, front, device, id, pgid } = await setup(t, 60);
  const signalled = front.mark('SIGTERM');
  const exited = stopAgent(device, 'SIGTERM');
  await waitFor(() => device.output.includes('stopping: no more polling'), 30_000, 'the agent to take the signal');
  t.ok(groupAlive(pgid), 'the hook still runs after the signal');
  rmSync(join(device.dir, 'hold'));
  t.equal(await exited, 0, 'exit code 0');
  t.same(opsAfter(front, signalled), ['PutHostCommandComplete'], 'after the signal: the completion, and no poll');
  const [completion] = front.calls.filter((c) => c.index > signalled);
  t.equal(completion?.request['CommandStatus'], 'Succeeded');
  t.equal(readFileSync(join(device.dir, 'proof'), 'utf8'), 'finished\n', 'the hook ran to its end');
  t.equal((await waitDone(fleet, id)).status, 'Succeeded');
  t.notOk(groupAlive(pgid), 'no process of the hook is left');
  t.notOk(existsSync(join(device.rootDir, 'ongoing-deployment', id)), 'nothing left to report at the next start');
});

t.test('SIGTERM mid-hook past the bound: the hook is stopped, Failed is reported, the agent exits', async (t) => {
  const { fleet, front, device, id, pgid } = await setup(t, 1);
  const signalled = front.mark('SIGTERM');
  const code = await stopAgent(device, 'SIGTERM');
  t.equal(code, 0, 'the agent exits on its own, cleanly');
  t.notOk(groupAlive(pgid), 'the hook process group is gone');
  t.notOk(existsSync(join(device.dir, 'proof')), 'the hook did not run to its end');
  t.same(opsAfter(front, signalled), ['PutHostCommandComplete'], 'after the signal: the completion, and no poll');
  const [completion] = front.calls.filter((c) => c.index > signalled);
  t.equal(completion?.request['CommandStatus'], 'Failed');
  t.match(completionPayload(completion!), { script_name: 'hook.sh', message: 'Script at specified location: hook.sh was stopped because the agent is shutting down' });
  t.equal((await waitDone(fleet, id)).status, 'Failed');
  const validate = (await lifecycleEvents(fleet, id)).find((e) => e.name === 'ValidateService');
  t.match(validate, { status: 'Failed', message: /was stopped because the agent is shutting down/ });
  t.notOk(existsSync(join(device.rootDir, 'ongoing-deployment', id)), 'reported now, so not again at the next start');
});
