// Types for scripts/test-prereqs.mjs (plain JavaScript so it runs before `npm ci`).
export interface Requirement {
  readonly command: string;
  readonly package: string;
  readonly usedBy: string;
}

export type Decision =
  | { readonly action: 'none' }
  | { readonly action: 'install'; readonly packages: string[]; readonly steps: string[][] }
  | { readonly action: 'stop'; readonly packages: string[]; readonly command: string | undefined; readonly message: string };

export const REQUIREMENTS: readonly Requirement[];
export function missingRequirements(requirements: readonly Requirement[], has: (command: string) => boolean): Requirement[];
export function decide(missing: readonly Requirement[], facts: { isRoot: boolean; hasAptGet: boolean }): Decision;
export function onPath(command: string, path?: string): boolean;
export interface PrereqDeps {
  has(command: string): boolean;
  readonly isRoot: boolean;
  runStep(argv: readonly string[]): boolean;
  print(text: string): void;
}
export function main(argv?: readonly string[], deps?: PrereqDeps): number;
