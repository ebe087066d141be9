// The idle daemon's full garbage collection: with the node options systemd/edge-agent.service gives it
// (--expose-gc among them), one collection 5 s after the last command of a deployment, logged at debug level with
// the RSS before and after and the heap figures after (never while a command runs); without the flag, none.
import t from 'tap';
import { startAgent } from '../../../sandbox/simulated-device.js';
import { addDevice, deploy, startFleet, uploadRevision, waitDone, waitFor } from '../../helpers/agent-fleet.js';
import { guardProcessesUnder } from '../../helpers/tracked-agent.js';
import { serviceNodeArgs } from '../../../scripts/unit-node-args.js';
import { AGENT_COMMAND } from '../../helpers/cli.js';

const appspec = 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: hook.sh\n';
const files = { 'hook.sh': '#!/bin/sh\necho installed\n' };

interface LogLine {
  readonly msg?: string;
  readonly time?: number;
  readonly rssBefore?: number;
  readonly rssAfter?: number;
  readonly heapUsed?: number;
}
const logLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
const collections = (output: string): LogLine[] => logLines(output).filter((l) => l.msg === 'idle: full garbage collection');

t.test('one full GC once the agent is idle after a deployment, only under --expose-gc', async (t) => {
  // the collecting agent runs with the unit's node options (--expose-gc among them), as devices do
  t.ok(serviceNodeArgs().includes('--expose-gc'), 'the unit exposes gc to the agent');
  const fleet = await startFleet(t);
  guardProcessesUnder(t, fleet.dir); // agents and hooks never outlive the test
  const withGc = await addDevice(fleet, 'pi-01', { verbose: 'true' });
  const without = await addDevice(fleet, 'pi-02', { verbose: 'true' });
  startAgent(withGc, { nodeArgs: [...serviceNodeArgs(), ...AGENT_COMMAND.nodeArgs] });
  startAgent(without, AGENT_COMMAND);
  const id = await deploy(fleet, await uploadRevision(fleet, 'v1', appspec, files));
  t.equal((await waitDone(fleet, id)).status, 'Succeeded', 'deployed', { output: withGc.output });
  await waitFor(() => collections(withGc.output).length > 0, 30_000, 'the idle collection');
  const [first] = collections(withGc.output);
  t.ok((first?.rssBefore ?? 0) > 0 && (first?.rssAfter ?? 0) > 0 && (first?.heapUsed ?? 0) > 0, 'RSS before and after, and the heap after, are logged', { first });
  const lastCommandEnd = Math.max(...logLines(withGc.output).filter((l) => l.msg === 'command succeeded').map((l) => l.time ?? 0));
  const lastCollection = collections(withGc.output).at(-1)?.time ?? 0;
  t.ok(lastCollection >= lastCommandEnd + 4900, 'the collection waits 5 s after the last command', { lastCommandEnd, lastCollection });
  t.same(collections(without.output), [], 'no collection without --expose-gc');
});
