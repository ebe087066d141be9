// Renders docs/error-codes.md from the registry. `node --import tsx scripts/error-codes-doc.ts --write`
// rewrites the file; test/unit/shared/error-codes-doc.test.ts fails when it has drifted.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../shared/errors.js';

export function renderErrorCodes(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, i]) => `| \`${code}\` | ${i.diagnostic} | ${i.retryable ? 'yes' : 'no'} | ${i.summary} | ${i.action.replaceAll('|', '\\|')} |`);
  return [
    '# Error codes',
    '',
    'Generated from `shared/errors.ts` by `scripts/error-codes-doc.ts`; do not edit by hand.',
    '`diagnostic` is the CodeDeploy completion `error_code` a failed command reports (1 ScriptMissing, 2 ScriptNotExecutable,',
    '3 ScriptTimedOut, 4 ScriptFailed, 5 UnknownError, 6 output left open, 7 failed after an agent restart).',
    '',
    '| code | diagnostic | retryable | meaning | what to do |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(new URL('../docs/error-codes.md', import.meta.url), renderErrorCodes());
}
