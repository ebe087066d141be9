export function controllerSources(root?: string): string[];
export default function coverageMap(testFile: string): string[];
