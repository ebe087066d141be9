// The node options systemd/edge-agent.service gives the agent (EDGE_AGENT_NODE_ARGS): what devices
// run. Read by the benches and by tests that start the agent as the unit does.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const UNIT = join(dirname(fileURLToPath(import.meta.url)), '..', 'systemd', 'edge-agent.service');

export function serviceNodeArgs(): string[] {
  const line = /^Environment="?EDGE_AGENT_NODE_ARGS=(.*?)"?$/m.exec(readFileSync(UNIT, 'utf8'))?.[1];
  if (line === undefined) throw new Error('systemd/edge-agent.service sets no EDGE_AGENT_NODE_ARGS');
  return line.split(/\s+/).filter(Boolean);
}
