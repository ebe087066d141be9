// Types for scripts/run-tests.mjs (plain JavaScript, like the prerequisites check it runs after).
export interface RunProcess {
  readonly pid: number;
  readonly cmdline: string;
  readonly cwd: string;
}

export const HOST_LOG_DIR: string;
export function listFiles(dir: string): Map<string, number>;
export function changedFiles(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): string[];
export function leftoverEntries(runDir: string): string[];
export function processesOfRun(runDir: string, self?: number): RunProcess[];
export function collectLeftovers(runDir: string, logBefore: ReadonlyMap<string, number>, logDir?: string): string[];
export function linkCompileCache(runDir: string, systemTmp: string, euid?: number): string | undefined;
export function batchArgs(args: readonly string[], batchDir: string, root?: string): string[];
