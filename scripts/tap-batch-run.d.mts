// Types for scripts/tap-batch-run.mjs.
export function runBatch(files: readonly string[], opts: { root: string; timeoutMs: number }): Promise<void>;
