// Renders docs/error-codes.md from the registry. `node --import tsx scripts/error-codes-doc.ts --write`
// rewrites the file; test/unit/shared/error-codes-doc.test.ts fails when it has drifted.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, type ErrorCodeInfo } from '../shared/errors.js';

const cell = (text: string): string => text.replaceAll('|', '\\|');

function rows(kind: 'agent' | 'cli'): string[] {
  return Object.entries(ERROR_CODES as Record<string, ErrorCodeInfo>)
    .filter(([, i]) => (kind === 'agent' ? i.diagnostic !== undefined : i.exit !== undefined))
    .map(([code, i]) => `| \`${code}\` | ${i.diagnostic ?? i.exit} | ${i.retryable ? 'yes' : 'no'} | ${cell(i.summary)} | ${cell(i.action)} |`);
}

export function renderErrorCodes(): string {
  return [
    '# Error codes',
    '',
    'Generated from `shared/errors.ts` by `scripts/error-codes-doc.ts`; do not edit by hand.',
    '',
    '## Agent codes',
    '',
    '`diagnostic` is the CodeDeploy completion `error_code` a failed command reports (1 ScriptMissing, 2 ScriptNotExecutable,',
    '3 ScriptTimedOut, 4 ScriptFailed, 5 UnknownError, 6 output left open, 7 failed after an agent restart).',
    'A command-line run (`edge-agent deploy`, ...) that ends with one of these exits 1.',
    '',
    '| code | diagnostic | retryable | meaning | what to do |',
    '| --- | --- | --- | --- | --- |',
    ...rows('agent'),
    '',
    '## Controller and command-line codes',
    '',
    '`exit` is the exit code of a run that ends with the error: 1 the work failed, 2 usage or configuration,',
    '3 waiting for a person (see "Exit codes and JSON output" in README.md). Reported to CodeDeploy, they are UnknownError (5).',
    '',
    '| code | exit | retryable | meaning | what to do |',
    '| --- | --- | --- | --- | --- |',
    ...rows('cli'),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(new URL('../docs/error-codes.md', import.meta.url), renderErrorCodes());
}
