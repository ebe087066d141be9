// Lint rules. Pure core folders (appspec/, agent/deployment/transitions.ts) may not import I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = ['node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:https', 'pino', 'tar', 'yauzl'];

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
  {
    files: ['agent/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/controller/**'], message: 'agent/ never imports controller/' }] }] },
  },
  {
    files: ['controller/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/agent/**'], message: 'controller/ never imports agent/' }] }] },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/agent/**', '**/controller/**'], message: 'the sandbox is a stand-in for AWS: it never imports our programs' }] }] },
  },
  {
    files: ['appspec/**/*.ts', 'agent/deployment/transitions.ts', 'sandbox/codedeploy/target-selection.ts', 'sandbox/codedeploy/batch-planner.ts', 'sandbox/iot/shadow-document.ts', 'sandbox/iot/shadow-request.ts', 'sandbox/iot/mqtt-topics.ts', 'agent/health/policy.ts', 'agent/health/check-specs.ts', 'agent/health/health-config.ts', 'agent/health/render.ts', 'agent/health/led.ts', 'agent/health/agent-cli-env.ts', 'agent/config/config-sections.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules.map((name) => ({ name, message: 'pure core: no I/O here; take it through deps' })) }],
      'no-restricted-globals': ['error', { name: 'process', message: 'pure core: no process globals' }],
    },
  },
);
