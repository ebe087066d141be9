// edge-agent status: what the agent is doing or last did, from its state on disk (works while the
// daemon runs, and after it stopped).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import { readAgentState, type AgentStateSnapshot } from '../command/agent-state.js';
import { DEFAULT_AGENT_CONFIG, DEFAULT_CONFIG_PATH, loadAgentConfig } from '../config/agent-config.js';
import { resolveAgentConfigPath } from '../config/config-path.js';
import { deploymentLayout } from '../deployment/layout.js';
import { processAlive as alive } from '../deployment/root-lock.js';

export const STATUS_SCHEMA_VERSION = 1;

export interface AgentStatus {
  readonly schemaVersion: number;
  readonly rootDir: string;
  readonly running: boolean;
  readonly agent?: AgentStateSnapshot;
  /** Deployment groups on this device and their last successful deployment folder. */
  readonly groups: readonly { groupId: string; lastSuccessful?: string; mostRecent?: string }[];
  /** A command the agent was in when it died (reported code 7 at the next start). */
  readonly interrupted: readonly string[];
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function agentStatus(rootDir: string): AgentStatus {
  const layout = deploymentLayout(rootDir);
  const agent = readAgentState(layout.rootDir);
  const groups = existsSync(layout.instructionsDir)
    ? [...new Set(readdirSync(layout.instructionsDir).map((f) => f.replace(/(-cleanup|-install\.json|_last_successful_install|_most_recent_install)$/, '')))]
        .filter((g) => !g.startsWith('.'))
        .sort()
        .map((groupId) => {
          const lastSuccessful = read(layout.lastSuccessfulFile(groupId));
          const mostRecent = read(layout.mostRecentFile(groupId));
          return { groupId, ...(lastSuccessful ? { lastSuccessful } : {}), ...(mostRecent ? { mostRecent } : {}) };
        })
    : [];
  const interrupted = existsSync(layout.ongoingDir) ? readdirSync(layout.ongoingDir).filter((f) => !f.startsWith('.')) : [];
  const running = agent !== undefined && agent.stoppedAt === undefined && alive(agent.pid);
  return { schemaVersion: STATUS_SCHEMA_VERSION, rootDir: layout.rootDir, running, ...(agent ? { agent } : {}), groups, interrupted };
}

export function renderStatus(s: AgentStatus): string {
  const lines = [`deployment root: ${s.rootDir}`];
  if (!s.agent) lines.push('agent: has not run on this root');
  else {
    const a = s.agent;
    lines.push(`agent: ${s.running ? `running (pid ${a.pid})` : 'not running'}, version ${a.agentVersion}, started ${a.startedAt}${a.stoppedAt ? `, stopped ${a.stoppedAt}` : ''}`);
    lines.push(`identity: ${a.hostIdentifier}`);
    lines.push(`last poll: ${a.lastPollAt ?? 'never'}${a.lastPollError ? ` (error: ${a.lastPollError})` : ''}`);
    if (a.current && s.running) lines.push(`now: ${a.current.commandName} of ${a.current.deploymentId} since ${a.current.at}`);
    if (a.last) lines.push(`last command: ${a.last.commandName} of ${a.last.deploymentId}: ${a.last.status ?? '?'} at ${a.last.at}${a.last.message ? ` (${a.last.message})` : ''}`);
  }
  for (const g of s.groups) lines.push(`group ${g.groupId}: last successful ${g.lastSuccessful ?? 'none'}`);
  for (const d of s.interrupted) lines.push(`interrupted: ${d} (reported failed at the next start)`);
  return `${lines.join('\n')}\n`;
}

export interface StatusCommandInput {
  /** --root-dir; else root_dir of the config file (-c, else the default file when present), else the default. */
  readonly rootDir?: string;
  readonly config?: string;
  /** EDGE_AGENT_CONFIG names the config when -c is not given. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The root to report on, and where it came from (for the error when it does not exist). */
export function statusRoot(input: StatusCommandInput, exists: (path: string) => boolean = existsSync): { rootDir: string; from: string } {
  if (input.rootDir !== undefined) return { rootDir: input.rootDir, from: '--root-dir' };
  const file = resolveAgentConfigPath({ flag: input.config, env: input.env ?? {}, exists });
  if (file === undefined) return { rootDir: DEFAULT_AGENT_CONFIG.rootDir, from: `the default root_dir (no ${DEFAULT_CONFIG_PATH})` };
  return { rootDir: loadAgentConfig(file).config.rootDir, from: `root_dir in ${resolve(file)}` };
}

/** A root that is missing or not a directory is a usage error: a typo must not read as "nothing ran here". */
function checkRoot(rootDir: string, from: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(rootDir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    throw new EdgeError('AGENT_ROOT_NOT_FOUND', `deployment root ${JSON.stringify(rootDir)} (${from}) does not exist`, { cause: e });
  }
  if (!isDir) throw new EdgeError('AGENT_ROOT_NOT_FOUND', `deployment root ${JSON.stringify(rootDir)} (${from}) is not a directory`);
}

/** edge-agent status: the status (exit 0); throws on no such root or a bad config (exit 2). */
export function statusCommand(input: StatusCommandInput): CommandOutcome<AgentStatus> {
  const { rootDir, from } = statusRoot(input);
  checkRoot(rootDir, from);
  return { data: agentStatus(rootDir), exit: ExitCode.OK };
}
