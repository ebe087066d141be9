// A tiny port for running helper programs (setfacl, semanage, getent) during Install.
import { execFile } from 'node:child_process';

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** ENOENT when the program is not installed. */
  readonly spawnError?: string;
}

export type ProcessRunner = (file: string, args: readonly string[]) => Promise<ProcessResult>;

/** Runs programs found on `env.PATH` (default: the agent's environment). */
export function processRunner(env: NodeJS.ProcessEnv = process.env): ProcessRunner {
  return (file, args) =>
    new Promise((resolve) => {
      execFile(file, [...args], { env, timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          resolve({ code: null, stdout: String(stdout), stderr: String(stderr), spawnError: (err as NodeJS.ErrnoException).code as string });
          return;
        }
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
      });
    });
}

export const runProcess: ProcessRunner = processRunner();
