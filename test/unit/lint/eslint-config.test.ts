// The lint config keeps every ban where it applies: a pure module in agent/ is still barred from
// controller/ (ESLint replaces, rather than merges, a rule set by an earlier block).
import t from 'tap';
import { ESLint } from 'eslint';
import { PROJECT_ROOT } from '../../helpers/cli.js';

const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function messages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${PROJECT_ROOT}/${file}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

const cases: [string, string, RegExp][] = [
  ['agent/health/policy.ts', "import { x } from '../../controller/main.js';\nexport const y = x;\n", /agent\/ never imports controller/],
  ['agent/health/policy.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n", /pure core: no I\/O/],
  ['controller/rollout/plan.ts', "import { x } from '../../agent/main.js';\nexport const y = x;\n", /controller\/ never imports agent/],
  ['controller/rollout/plan.ts', 'export const y = Date.now();\n', /take the time as an argument/],
  ['controller/rollout/next-steps.ts', 'export const y = Math.random();\n', /random source/],
  ['controller/rollout/config-parse.ts', "import { S3Client } from '@aws-sdk/client-s3';\nexport const y = S3Client;\n", /no AWS SDK here/],
  ['controller/registration/register-plan.ts', 'export const y = process.env;\n', /no process globals/],
  ['controller/registration/deregister-plan.ts', "import { x } from '../../agent/main.js';\nexport const y = x;\n", /controller\/ never imports agent/],
  ['appspec/parse.ts', "import { x } from '../agent/main.js';\nexport const y = x;\n", /imports neither program/],
  ['shared/errors.ts', "import { x } from '../controller/main.js';\nexport const y = x;\n", /imports neither/],
  ['sandbox/server.ts', "import { x } from '../agent/main.js';\nexport const y = x;\n", /never imports our programs/],
];

for (const [file, code, expected] of cases) {
  t.test(`${file}: ${expected.source}`, async (t) => {
    t.match((await messages(file, code)).join('\n'), expected);
  });
}

t.test('I/O stays allowed outside the pure core', async (t) => {
  t.same(await messages('controller/rollout/journal-store.ts', 'export const y = Date.now();\n'), []);
});
