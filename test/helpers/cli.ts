// Runs our real CLIs as child processes (TypeScript through the tsx loader). Each leads its own
// process group, tracked so that it and anything it started die with the test process at the latest.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { killGroupOf, trackGroup } from './process-groups.js';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TSX_IMPORT = pathToFileURL(join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const ENTRY = { agent: join(PROJECT_ROOT, 'agent', 'main.ts'), fleetctl: join(PROJECT_ROOT, 'controller', 'main.ts') };

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function spawnCli(program: keyof typeof ENTRY, args: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = PROJECT_ROOT): ChildProcess {
  // tsx is resolved from the project even when the process runs elsewhere
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, ENTRY[program], ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  trackGroup(child);
  return child;
}

export function runCli(program: keyof typeof ENTRY, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000, cwd = PROJECT_ROOT): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(program, args, env, cwd);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killGroupOf(child);
      reject(new Error(`${program} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The agent as tests run it: TypeScript through the tsx loader. */
export const AGENT_COMMAND = { nodeArgs: ['--import', TSX_IMPORT, ENTRY.agent] } as const;

export const runAgent = (args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult> => runCli('agent', args, env);
