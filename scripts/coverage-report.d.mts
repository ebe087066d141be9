// Types for scripts/coverage-report.mjs.
export type ReadSource = (source: string) => string | undefined;
export function fillSourcesContent(doc: unknown, readSource: ReadSource): number;
export function readSourceFile(source: string): string | undefined;
export function fillCoverageDir(dir: string, readSource?: ReadSource): number;
export function main(reporters: readonly string[], root?: string, stdio?: 'inherit' | 'ignore' | 'pipe'): number;
