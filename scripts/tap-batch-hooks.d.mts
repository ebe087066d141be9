// Types for scripts/tap-batch-hooks.mjs (a node:module resolve hook).
export function initialize(data: { files?: readonly string[] } | undefined): void;
export function bareUrl(url: string): string;
export function resolve(
  specifier: string,
  context: { parentURL?: string },
  nextResolve: (specifier: string, context: { parentURL?: string }) => unknown,
): Promise<unknown>;
