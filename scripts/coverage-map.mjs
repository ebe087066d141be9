// tap's coverage map for `npm test`: every test file is measured against the controller's sources
// (controller/**/*.ts), so the coverage report covers controller/ and only it (files a test loads:
// a file no test imports is not listed). Report through scripts/coverage-report.mjs: see there why.
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The controller's TypeScript sources, relative to the project root. */
export function controllerSources(root = PROJECT) {
  return readdirSync(join(root, 'controller'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

const sources = controllerSources();

export default function coverageMap() {
  return sources;
}
