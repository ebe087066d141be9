// The edge-agent command-line contract, one row per case, each a real process: exit codes (0
// success, 1 the work failed, 2 usage/configuration), the JSON envelope
// `schema: "edge-agent.<command>/v1"` on stdout, errors and suggestions on stderr.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { writeRevision } from '../../helpers/revisions.js';

interface Row {
  readonly args: readonly string[];
  readonly exit: number;
  /** The JSON document's schema on stdout (with `error.code` when given, else no `error`). */
  readonly schema?: string;
  readonly errorCode?: string;
  /** Fields the document has (t.match). */
  readonly doc?: Record<string, unknown>;
  readonly stdout?: RegExp;
  readonly stderr?: RegExp;
  readonly env?: NodeJS.ProcessEnv;
}

const dir = t.testdir();
const root = join(dir, 'root');
mkdirSync(root);
writeFileSync(join(dir, 'readings.json'), '{"humidity": 48}');
const agentConfig = (failAbove: number): string =>
  `root_dir: ${root}\nhealth:\n  sys_root: ${dir}\n  checks:\n    humidity: { type: file, path: ${join(dir, 'readings.json')}, field: humidity, fail_above: ${failAbove} }\n`;
const healthy = join(dir, 'healthy.yml');
writeFileSync(healthy, agentConfig(100));
const wet = join(dir, 'wet.yml');
writeFileSync(wet, agentConfig(40));
const badConfig = join(dir, 'bad.yml');
writeFileSync(badConfig, 'health:\n  gate: { fail_on: maybe }\n');
const rev = writeRevision(join(dir, 'rev'), 'version: 0.0\nos: linux\n');
const failing = writeRevision(join(dir, 'failing'), 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: start.sh\n', {
  'start.sh': { content: '#!/bin/sh\necho starting\nexit 3\n', mode: 0o755 },
});
const ID = /^d-[A-Z0-9]{9}-local$/;
const scriptsLog = (group: string): RegExp => new RegExp(`^${root}/${group}/d-[A-Z0-9]{9}-local/logs/scripts\\.log$`);
t.setTimeout(600_000);
const env = { PATH: process.env['PATH'], HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

const rows: Row[] = [
  { args: ['-V'], exit: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  { args: ['--version'], exit: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  { args: ['--help'], exit: 0, stdout: /Exit codes:\n {2}0 {2}success\n {2}1 .*\n {2}2 {2}usage or configuration.*\n {2}3 {2}waiting for a person/ },
  { args: ['health', '--help'], exit: 0, stdout: /EDGE_AGENT_CONFIG[\s\S]*Exit codes:/ },
  { args: ['health', '--jsn'], exit: 2, stderr: /unknown option '--jsn'\n\(Did you mean --json\?\)/ },
  { args: ['helth'], exit: 2, stderr: /unknown command 'helth'\n\(Did you mean health\?\)/ },
  { args: ['status', 'extra'], exit: 2, stderr: /too many arguments/ },
  { args: ['deploy', '-l'], exit: 2, stderr: /option '-l, --bundle-location <path>' argument missing/ },
  { args: [], exit: 2, stderr: /Usage: edge-agent/ },
  { args: ['health', '-c', healthy, '--check', 'humidity', '--json'], exit: 0, schema: 'edge-agent.health/v1' },
  { args: ['health', '--check', 'humidity'], env: { EDGE_AGENT_CONFIG: wet }, exit: 1, stdout: /FAIL\s+humidity\s+48/ },
  { args: ['health', '--check', 'humidity', '--json'], env: { EDGE_AGENT_CONFIG: wet }, exit: 1, schema: 'edge-agent.health/v1' },
  { args: ['health', '-c', healthy, '--check', 'nosuch', '--json'], exit: 2, schema: 'edge-agent.health/v1', stderr: /\[HEALTH_CHECK_UNKNOWN\]/ },
  { args: ['health', '-c', badConfig, '--json'], exit: 2, schema: 'edge-agent.health/v1', stderr: /health\.gate\.fail_on/ },
  { args: ['status', '--root-dir', root, '--json'], exit: 0, schema: 'edge-agent.status/v1' },
  { args: ['status', '--json'], env: { EDGE_AGENT_CONFIG: healthy }, exit: 0, schema: 'edge-agent.status/v1', stdout: new RegExp(`"rootDir": "${root}"`) },
  { args: ['check-config', '-c', healthy, '--json'], exit: 2, schema: 'edge-agent.check-config/v1', errorCode: 'CONFIG_CHECK_FAILED', stdout: /"ok": false/ },
  { args: ['check-config', '-c', join(dir, 'missing.yml')], exit: 2, stdout: /CONFIG_NOT_FOUND/ },
  { args: ['deploy', '-l', rev, '--root-dir', root], exit: 0, stdout: /Local deployment successful/ },
  { args: ['deploy', '-l', join(dir, 'nope'), '--root-dir', root], exit: 2, stderr: /\[CLI_USAGE\]/ },
  { args: ['deploy', '-l', rev, '-c', join(dir, 'missing.yml')], exit: 2, stderr: /\[CONFIG_NOT_FOUND\]/ },
  // --json: the document alone on stdout, progress on stderr; a failure carries `error`
  {
    args: ['deploy', '-l', rev, '--root-dir', root, '-g', 'json-ok', '--json'],
    exit: 0,
    schema: 'edge-agent.deploy/v1',
    doc: { deploymentId: ID, status: 'Succeeded', scriptsLog: scriptsLog('json-ok'), events: [{ name: 'BeforeBlockTraffic', status: 'Succeeded' }] },
    stderr: /Starting to execute deployment[\s\S]*AfterAllowTraffic: nothing to run/,
  },
  {
    args: ['deploy', '-l', failing, '--root-dir', root, '-g', 'json-fail', '--json'],
    exit: 1,
    schema: 'edge-agent.deploy/v1',
    errorCode: 'HOOK_SCRIPT_FAILED',
    doc: {
      deploymentId: ID,
      status: 'Failed',
      failedEvent: 'ApplicationStart',
      scriptsLog: scriptsLog('json-fail'),
      diagnostics: { error_code: 4, script_name: 'start.sh', message: /failed with exit code 3/, log: /\[stdout\]starting/ },
    },
    stderr: /ApplicationStart: failed: .*exit code 3[\s\S]*ERROR: .*\[HOOK_SCRIPT_FAILED\]/,
  },
  { args: ['deploy', '-l', join(dir, 'nope'), '--json'], exit: 2, schema: 'edge-agent.deploy/v1', errorCode: 'CLI_USAGE', stderr: /does not exist \[CLI_USAGE\]/ },
  {
    args: ['check-config', '-c', join(dir, 'missing.yml'), '--json'],
    exit: 2,
    schema: 'edge-agent.check-config/v1',
    errorCode: 'CONFIG_CHECK_FAILED',
    doc: { ok: false, errors: [{ code: 'CONFIG_NOT_FOUND' }] },
    stderr: /missing\.yml does not exist or is not readable \[CONFIG_NOT_FOUND\]/,
  },
  { args: ['status', '--root-dir', join(dir, 'nope'), '--json'], exit: 2, schema: 'edge-agent.status/v1', errorCode: 'AGENT_ROOT_NOT_FOUND' },
  { args: ['status', '--root-dir', root, '--json'], exit: 0, schema: 'edge-agent.status/v1', doc: { rootDir: root, running: false, interrupted: [] } },
  // usage errors with --json: the failure envelope on stdout as well
  { args: ['health', '--bogus', '--json'], exit: 2, schema: 'edge-agent.health/v1', errorCode: 'CLI_USAGE', stderr: /unknown option '--bogus'/ },
  { args: ['deploy', '--json', '-l'], exit: 2, schema: 'edge-agent.deploy/v1', errorCode: 'CLI_USAGE', stderr: /argument missing/ },
  { args: ['helth', '--json'], exit: 2, schema: 'edge-agent/v1', errorCode: 'CLI_USAGE', stderr: /Did you mean health\?/ },
];

t.test('every row: exit code, envelope, stderr', async (t) => {
  for (const row of rows) {
    const r = await runCli('agent', row.args, { ...env, ...row.env }, 120_000);
    const name = `edge-agent ${row.args.join(' ')}`;
    t.equal(r.code, row.exit, `${name}: exit ${row.exit}\n${r.stdout}\n${r.stderr}`);
    if (row.schema) {
      const doc = JSON.parse(r.stdout) as { schema: string; schemaVersion?: number; error?: { code: string; exit: number } };
      t.equal(doc.schema, row.schema, `${name}: schema`);
      t.equal(doc.schemaVersion, undefined, `${name}: one envelope style`);
      if (doc.error) t.match(doc.error, { code: /^[A-Z_]+$/, message: /\w/, action: /\w/, exit: row.exit }, `${name}: the error carries its exit code`);
      if (row.errorCode) t.equal(doc.error?.code, row.errorCode, `${name}: error code`);
      else if (row.exit !== 2) t.equal(doc.error, undefined, `${name}: no error`);
      if (row.doc) t.match(doc, row.doc, `${name}: document`);
    } else if (row.exit === 2) t.equal(r.stdout.includes('{'), false, `${name}: no JSON without --json`);
    if (row.stdout) t.match(r.stdout, row.stdout, `${name}: stdout`);
    if (row.stderr) t.match(r.stderr, row.stderr, `${name}: stderr`);
  }
});
