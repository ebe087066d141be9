// One deployment group of a real `edge-agent run` process and virtual hosts: the deployment reaches
// both, and the service records the same lifecycle events for each (the virtual hosts answer through
// the same command broker the real agent polls).
import t from 'tap';
import { BatchGetDeploymentTargetsCommand, ListDeploymentTargetsCommand } from '@aws-sdk/client-codedeploy';
import { addDevice, deploy, readLines, runDevice, startFleet, uploadRevision, waitDone } from '../../helpers/agent-fleet.js';
import { join } from 'node:path';

const appspec = 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: start.sh\n      timeout: 60\n';
const start = '#!/bin/sh\necho "started $DEPLOYMENT_ID" >> proof\n';

t.test('a real edge-agent and virtual hosts share one deployment group', async (t) => {
  const fleet = await startFleet(t);
  const device = await addDevice(fleet, 'pi-real');
  runDevice(device);
  const virtual = fleet.sb.virtualHosts.add({ accountId: fleet.sb.root.accountId, namePrefix: 'pi-virtual', count: 3, tags: { fleet: 'lab' }, eventMs: 5 });
  const id = await deploy(fleet, await uploadRevision(fleet, 'v1', appspec, { 'start.sh': { content: start, mode: 0o755 } }));
  const done = await waitDone(fleet, id, 90_000);
  t.equal(done.status, 'Succeeded', 'the deployment succeeded', { agentOutput: device.output.slice(-2000) });
  t.match(done.deploymentOverview, { Succeeded: 4, Failed: 0 });
  const targetIds = (await fleet.cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }))).targetIds ?? [];
  t.same([...targetIds].sort(), ['pi-real', ...virtual].sort());
  const got = await fleet.cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds }));
  const events = new Map((got.deploymentTargets ?? []).map((d) => [d.instanceTarget?.targetId, (d.instanceTarget?.lifecycleEvents ?? []).map((e) => `${e.lifecycleEventName}:${e.status}:${e.diagnostics?.errorCode}`)]));
  for (const name of virtual) t.same(events.get(name), events.get('pi-real'), `${name} has the real host's lifecycle record`);
  t.equal(events.get('pi-real')?.length, 7);
  t.match(readLines(join(device.dir, 'proof')), [`started ${id}`], 'the real agent ran its hook');
});
