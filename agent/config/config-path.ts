// The one answer to "which agent config file does this edge-agent command use": -c/--config when
// given, else $EDGE_AGENT_CONFIG (the agent sets it for the hooks it runs), else
// /etc/edge-agent/agent.yml when it exists, else none (the built-in defaults).
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH } from './agent-config.js';

export interface ConfigPathInput {
  /** -c/--config (or -c/--agent-configuration-file of deploy). */
  readonly flag?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly exists?: (path: string) => boolean;
  /** Tests replace /etc/edge-agent/agent.yml. */
  readonly defaultPath?: string;
}

/** The config file to load (as given), or undefined for the built-in defaults. */
export function resolveAgentConfigPath(input: ConfigPathInput): string | undefined {
  if (input.flag !== undefined) return input.flag;
  const fromEnv = input.env?.['EDGE_AGENT_CONFIG'];
  if (fromEnv) return fromEnv;
  const fallback = input.defaultPath ?? DEFAULT_CONFIG_PATH;
  return (input.exists ?? existsSync)(fallback) ? fallback : undefined;
}
