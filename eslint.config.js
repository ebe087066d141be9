// Lint rules. Each folder keeps its import bans (agent/ never imports controller/, and so on), and
// the pure core (listed below) may not import I/O, read process globals, or read the clock or a
// random source: those come in through `deps`. ESLint's flat config replaces a rule for files that
// match a later block, so each block states the whole rule: bans are composed, never overridden.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = ['node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:https', 'node:dgram', 'node:worker_threads', 'pino', 'tar', 'yauzl', 'yazl'];
const ioPaths = ioModules.map((name) => ({ name, message: 'pure core: no I/O here; take it through deps' }));
const awsSdk = { group: ['@aws-sdk/*'], message: 'pure core: no AWS SDK here; take a port through deps' };

/** Import bans by folder: which of our folders each may not import. */
const folderBans = {
  agent: { group: ['**/controller/**'], message: 'agent/ never imports controller/' },
  controller: { group: ['**/agent/**'], message: 'controller/ never imports agent/' },
  sandbox: { group: ['**/agent/**', '**/controller/**'], message: 'the sandbox is a stand-in for AWS: it never imports our programs' },
  shared: { group: ['**/agent/**', '**/controller/**', '**/sandbox/**'], message: 'shared/ is imported by both programs; it imports neither' },
  appspec: { group: ['**/agent/**', '**/controller/**', '**/sandbox/**'], message: 'appspec/ is the shared AppSpec model; it imports neither program' },
};

/** Pure modules: plans, rules and policies, with no side effects. */
const pure = {
  agent: [
    'agent/deployment/transitions.ts',
    'agent/health/policy.ts',
    'agent/health/check-specs.ts',
    'agent/health/health-config.ts',
    'agent/health/render.ts',
    'agent/health/led.ts',
    'agent/health/agent-cli-env.ts',
    'agent/config/config-sections.ts',
  ],
  controller: [
    'controller/fleet/model.ts',
    'controller/fleet/tags.ts',
    'controller/fleet/csv.ts',
    'controller/fleet/inventory.ts',
    'controller/registration/register-plan.ts',
    'controller/registration/deregister-plan.ts',
    'controller/registration/policies.ts',
    'controller/registration/report.ts',
    'controller/cli/tps-option.ts',
    'controller/rollout/config-types.ts',
    'controller/rollout/config-rules.ts',
    'controller/rollout/config-targets.ts',
    'controller/rollout/config-parse.ts',
    'controller/rollout/yaml-cursor.ts',
    'controller/rollout/routing.ts',
    'controller/rollout/plan.ts',
    'controller/rollout/journal-model.ts',
    'controller/rollout/next-steps.ts',
    'controller/rollout/journal-safety.ts',
    'controller/rollout/rollback-plan.ts',
    'controller/rollout/config-safety.ts',
    'controller/rollout/gates/types.ts',
    'controller/rollout/gates/device-verdicts.ts',
    'controller/rollout/gates/deployment-outcome.ts',
    'controller/rollout/gates/text.ts',
    'controller/rollout/gates/command-env.ts',
    'controller/release/tar-writer.ts',
    'controller/aws/limits.ts',
    'controller/aws/call-stats.ts',
  ],
  sandbox: ['sandbox/codedeploy/target-selection.ts', 'sandbox/codedeploy/batch-planner.ts', 'sandbox/iot/shadow-document.ts', 'sandbox/iot/shadow-request.ts', 'sandbox/iot/mqtt-topics.ts'],
  shared: ['shared/retry.ts', 'shared/utc-time.ts'],
  appspec: ['appspec/**/*.ts'],
};

const restrict = (patterns, paths = []) => ['error', { patterns, paths }];
const pureRules = {
  'no-restricted-globals': ['error', { name: 'process', message: 'pure core: no process globals' }],
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'pure core: take the time as an argument (a clock in deps)' },
    { object: 'Math', property: 'random', message: 'pure core: take a random source through deps' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**', 'tap-snapshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...Object.entries(folderBans).map(([folder, ban]) => ({ files: [`${folder}/**/*.ts`], rules: { 'no-restricted-imports': restrict([ban]) } })),
  ...Object.entries(pure).map(([folder, files]) => ({
    files,
    rules: { 'no-restricted-imports': restrict([folderBans[folder], awsSdk], ioPaths), ...pureRules },
  })),
);
