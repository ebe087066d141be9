// Types for scripts/test-batches.mjs (plain JavaScript, loaded by scripts/run-tests.mjs).
export const TEST_FILE: RegExp;
export const DEFAULT_BATCH_SIZE: number;
export function globToRegExp(glob: string): RegExp;
export function splitArgs(
  args: readonly string[],
  exists: (path: string) => boolean,
): { batchSize: number | undefined; paths: string[]; options: string[] };
export function expandTestPaths(paths: readonly string[], root: string): string[];
export function planBatches(files: readonly string[], size: number, readText: (file: string) => string): string[][];
export function batchFileName(files: readonly string[], index: number): string;
export function batchEntry(files: readonly string[], opts: { root: string; runner: string; timeoutMs: number }): string;
export function perFileTimeout(options: readonly string[], taprc: string): number;
