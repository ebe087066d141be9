// The fleetctl command-line contract, one row per case, each a real process: exit codes (0 success,
// 1 the work failed, 2 usage/configuration), the JSON envelope `schema: "fleetctl.<command>/v1"`
// on stdout, errors and suggestions on stderr; and `validate` loads no AWS SDK.
import t from 'tap';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT, runCli } from '../../helpers/cli.js';
import { writeRevision } from '../../helpers/revisions.js';
import { sessionArn, startFleet } from '../controller/register-fixtures.js';

t.setTimeout(600_000);

interface Row {
  readonly args: readonly string[];
  readonly exit: number;
  /** The JSON document's schema on stdout (with `error.code` when given). */
  readonly schema?: string;
  readonly errorCode?: string;
  readonly stdout?: RegExp;
  readonly stderr?: RegExp;
  /** 'none': no AWS region or credentials anywhere; 'sandbox': the sandbox's environment. */
  readonly env?: 'none' | 'sandbox';
}

const dir = t.testdir();
const rev = writeRevision(join(dir, 'rev'), 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: s.sh\n', { 's.sh': { content: '#!/bin/sh\n', mode: 0o755 } });
const bad = writeRevision(join(dir, 'bad'), 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: missing.sh\n');
const out = join(dir, 'bundles');
const noAws: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  HOME: dir,
  AWS_CONFIG_FILE: join(dir, 'no-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
};

const rows: Row[] = [
  { args: ['-V'], exit: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  { args: ['--version'], exit: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  { args: ['--help'], exit: 0, stdout: /Exit codes:\n {2}0 {2}success\n {2}1 .*\n {2}2 {2}usage or configuration.*\n {2}3 {2}waiting for a person/ },
  { args: ['register', '--help'], exit: 0, stdout: /Exit codes:/ },
  { args: ['validate', rev, '--jsn'], exit: 2, stderr: /unknown option '--jsn'\n\(Did you mean --json\?\)/ },
  { args: ['valdate', rev], exit: 2, stderr: /unknown command 'valdate'\n\(Did you mean validate\?\)/ },
  { args: ['validate'], exit: 2, stderr: /missing required argument 'path'/ },
  { args: ['validate', rev, 'extra'], exit: 2, stderr: /too many arguments/ },
  { args: [], exit: 2, stderr: /Usage: fleetctl/ },
  { args: ['validate', rev, '--json'], exit: 0, schema: 'fleetctl.validate/v1' },
  { args: ['validate', bad, '--json'], exit: 1, schema: 'fleetctl.validate/v1' },
  { args: ['validate', join(dir, 'nothing'), '--json'], exit: 2, schema: 'fleetctl.validate/v1', errorCode: 'CLI_USAGE', stderr: /does not exist/ },
  { args: ['ls', '--json'], env: 'none', exit: 2, schema: 'fleetctl.ls/v1', errorCode: 'CLI_AWS_CONFIG', stderr: /no AWS region: set AWS_REGION/ },
  { args: ['status', '--region', 'eu-west-1'], env: 'none', exit: 2, stderr: /no AWS credentials.*AWS_ACCESS_KEY_ID/ },
  { args: ['ls', '--concurrency', 'x'], exit: 2, stderr: /--concurrency.*whole number/ },
  { args: ['status', '--deployments', '0'], exit: 2, stderr: /--deployments.*whole number/ },
  { args: ['deregister', '--json'], env: 'sandbox', exit: 2, schema: 'fleetctl.deregister/v1', errorCode: 'CLI_USAGE' },
  { args: ['register', 'c-1', '--iam-session-arn', sessionArn('c-1'), '--out', out, '--json'], env: 'sandbox', exit: 0, schema: 'fleetctl.register/v1' },
  { args: ['ls', '--json'], env: 'sandbox', exit: 0, schema: 'fleetctl.ls/v1' },
  { args: ['status', 'c-1', '--json'], env: 'sandbox', exit: 0, schema: 'fleetctl.status/v1' },
  { args: ['status', 'nosuch', '--json'], env: 'sandbox', exit: 1, schema: 'fleetctl.status/v1' },
  { args: ['deregister', 'nosuch', '--json'], env: 'sandbox', exit: 1, schema: 'fleetctl.deregister/v1' },
  {
    args: ['register', 'c-1', '--iam-session-arn', sessionArn('other'), '--out', out],
    env: 'sandbox',
    exit: 1,
    stdout: /c-1\s+conflict[\s\S]*c-1: to resolve: fleetctl deregister c-1 and register again, or register it with the identity it has \(arn:aws:sts::\d+:assumed-role\/edge\/c-1\)/,
  },
  { args: ['register', 'c-1', '--iam-session-arn', sessionArn('other'), '--out', out, '--json'], env: 'sandbox', exit: 1, schema: 'fleetctl.register/v1' },
  { args: ['sandbox', 'start', '--bogus'], exit: 2, stderr: /unknown option '--bogus'/ },
  // usage errors with --json: the failure envelope on stdout as well (schema of the command, else the program's)
  { args: ['validate', rev, '--bogus', '--json'], exit: 2, schema: 'fleetctl.validate/v1', errorCode: 'CLI_USAGE', stderr: /unknown option '--bogus'/ },
  { args: ['sandbox', 'start', '--json', '--bogus'], exit: 2, schema: 'fleetctl.sandbox.start/v1', errorCode: 'CLI_USAGE' },
  { args: ['validate', '--json'], exit: 2, schema: 'fleetctl.validate/v1', errorCode: 'CLI_USAGE', stderr: /missing required argument 'path'/ },
  { args: ['valdate', rev, '--json'], exit: 2, schema: 'fleetctl/v1', errorCode: 'CLI_USAGE', stderr: /Did you mean validate\?/ },
];

t.test('every row: exit code, envelope, stderr', async (t) => {
  const fleet = await startFleet();
  t.teardown(() => fleet.close());
  const envs = { none: noAws, sandbox: fleet.env, default: { ...noAws, AWS_REGION: 'us-east-1' } };
  for (const row of rows) {
    const r = await runCli('fleetctl', row.args, envs[row.env ?? 'default'], 120_000);
    const name = `fleetctl ${row.args.join(' ')}`;
    t.equal(r.code, row.exit, `${name}: exit ${row.exit}\n${r.stdout}\n${r.stderr}`);
    if (row.schema) {
      const doc = JSON.parse(r.stdout) as { schema: string; error?: { code: string; action: string; exit: number } };
      t.equal(doc.schema, row.schema, `${name}: schema`);
      if (row.errorCode) t.match(doc.error, { code: row.errorCode, exit: row.exit, action: /\w/ }, `${name}: error`);
      else t.equal(doc.error, undefined, `${name}: no error`);
    }
    if (row.stdout) t.match(r.stdout, row.stdout, `${name}: stdout`);
    if (row.stderr) t.match(r.stderr, row.stderr, `${name}: stderr`);
    if (row.exit === 2 && !row.schema) t.equal(r.stdout.includes('{'), false, `${name}: usage errors print no JSON`);
  }
});

t.test('fleetctl validate loads no AWS SDK (ls does, so the recorder works)', async (t) => {
  const recorder = pathToFileURL(join(PROJECT_ROOT, 'test', 'helpers', 'module-recorder.mjs')).href;
  const loaded = (args: string[]): string[] => {
    const file = join(dir, `modules-${args[0]}.txt`);
    rmSync(file, { force: true });
    spawnSync(process.execPath, ['--import', recorder, '--import', 'tsx', join(PROJECT_ROOT, 'controller', 'main.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...noAws, EDGE_RECORD_MODULES: file },
      timeout: 60_000,
    });
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  };
  const validate = loaded(['validate', rev]);
  t.ok(validate.some((u) => u.includes('/controller/commands/validate.ts')), 'the recorder saw the command');
  t.same(validate.filter((u) => /@aws-sdk|@smithy|@aws-crypto/.test(u)), [], 'no AWS SDK module');
  const ls = loaded(['ls']);
  t.ok(ls.some((u) => u.includes('@aws-sdk/client-codedeploy')), 'a fleet command does load the SDK');
});

t.test('--out: a new bundle folder is git-ignored; an existing folder git would track draws a warning', async (t) => {
  const fleet = await startFleet();
  t.teardown(() => fleet.close());
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  spawnSync('git', ['init', '-q', repo]);
  const first = await runCli('fleetctl', ['register', 'g-1', '--iam-session-arn', sessionArn('g-1')], fleet.env, 120_000, repo);
  t.equal(first.code, 0, first.stderr);
  t.match(readFileSync(join(repo, 'fleetctl-bundles', '.gitignore'), 'utf8'), /^\*$/m, 'the default folder ignores everything in it');
  t.notMatch(first.stderr, /warning/);
  const ignored = spawnSync('git', ['check-ignore', '-q', join('fleetctl-bundles', 'g-1', 'onpremises.yml')], { cwd: repo });
  t.equal(ignored.status, 0, 'git ignores the bundles');
  mkdirSync(join(repo, 'tracked'));
  const second = await runCli('fleetctl', ['register', 'g-2', '--iam-session-arn', sessionArn('g-2'), '--out', 'tracked'], fleet.env, 120_000, repo);
  t.equal(second.code, 0, second.stderr);
  t.match(second.stderr, /warning: .*tracked is inside the git work tree .* git does not ignore it: provisioning bundles hold private keys/);
});
