// edge-agent deploy end to end: real child processes, real files, real hook scripts.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { runAgent } from '../../helpers/cli.js';
import { parseCleanupFile } from '../../../agent/revision/cleanup-format.js';
import { ALL_HOOKS, proofAppSpec, writeRevision } from '../../helpers/revisions.js';

// a dozen real deployments: well past tap's default 120 s on a busy machine
t.setTimeout(600_000);

function scriptsFor(proof: string, tag: string): Record<string, string> {
  return Object.fromEntries(ALL_HOOKS.map((h) => [`scripts/${h}.sh`, `#!/bin/sh\necho "${tag} $LIFECYCLE_EVENT $DEPLOYMENT_ID" >> '${proof}'\necho "${tag} says hi from $LIFECYCLE_EVENT"\n`]));
}

const readLines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '') : []);
/** Paths a cleanup file says the Install created (directories and installed files). */
const createdPaths = (p: string): string[] => {
  const parsed = parseCleanupFile(existsSync(p) ? readFileSync(p, 'utf8') : '');
  return parsed.format === 'v2' ? parsed.entries.filter((e) => e.kind === 'mkdir' || e.kind === 'file').map((e) => e.path) : [...parsed.lines];
};
const deploymentIdOf = (stdout: string): string => /within folder \S+\/(d-[A-Z0-9]{9}-local)/.exec(stdout)?.[1] ?? 'missing';

t.test('two consecutive deployments: lifecycle order, ApplicationStop from the first revision, cleanup', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'root');
  const dest = join(dir, 'dest');
  const proof = join(dir, 'proof');
  const files = `files:\n  - source: app\n    destination: ${dest}\n`;
  const rev1 = writeRevision(join(dir, 'rev1'), proofAppSpec(files), { ...scriptsFor(proof, 'rev1'), 'app/v1-only.txt': 'one', 'app/shared.txt': 'v1' });
  const rev2 = writeRevision(join(dir, 'rev2'), proofAppSpec(files), { ...scriptsFor(proof, 'rev2'), 'app/v2-only.txt': 'two', 'app/shared.txt': 'v2' });

  const first = await runAgent(['deploy', '-l', rev1, '--root-dir', root, '-g', 'grp', '-a', 'app1']);
  t.equal(first.code, 0, first.stdout + first.stderr);
  t.match(first.stdout, /^Starting to execute deployment from within folder .*\/root\/grp\/d-[A-Z0-9]{9}-local$/m);
  t.match(first.stdout, /AppSpec file valid. Local deployment successful/);
  t.match(first.stdout, /ApplicationStop: nothing to run/);
  const id1 = deploymentIdOf(first.stdout);
  t.same(
    readLines(proof),
    ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic'].map((e) => `rev1 ${e} ${id1}`),
    'first deployment: no previous revision, so the pre-download hooks are skipped',
  );
  t.same(readdirSync(dest).sort(), ['shared.txt', 'v1-only.txt']);

  // the official on-disk layout
  // (beside it, our own crash records: ongoing-commands/, see docs/engine.md)
  const official = readdirSync(root).filter((n) => !n.startsWith('.') && n !== 'ongoing-commands');
  t.same(official.sort(), ['deployment-instructions', 'deployment-logs', 'grp']);
  t.same(readdirSync(join(root, 'deployment-instructions')).sort(), ['grp-cleanup', 'grp-install.json', 'grp_last_successful_install', 'grp_most_recent_install']);
  t.equal(readFileSync(join(root, 'deployment-instructions', 'grp_last_successful_install'), 'utf8'), join(root, 'grp', id1));
  t.same(readdirSync(join(root, 'grp', id1)).sort(), ['deployment-archive', 'logs']);
  t.same(createdPaths(join(root, 'deployment-instructions', 'grp-cleanup')), [dest, join(dest, 'shared.txt'), join(dest, 'v1-only.txt')]);
  t.same(JSON.parse(readFileSync(join(root, 'deployment-instructions', 'grp-install.json'), 'utf8')).instructions[0], { type: 'mkdir', directory: dest });
  const log1 = readFileSync(join(root, 'grp', id1, 'logs', 'scripts.log'), 'utf8');
  t.match(log1, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d LifecycleEvent - BeforeInstall$/m);
  t.match(log1, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Script - scripts\/BeforeInstall.sh$/m);
  t.match(log1, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[stdout\]rev1 says hi from BeforeInstall$/m);
  t.match(readFileSync(join(root, 'deployment-logs', 'codedeploy-agent-deployments.log'), 'utf8'), new RegExp(`\\[${id1}\\]`));
  t.notOk(existsSync(join(root, 'ongoing-deployment')) && readdirSync(join(root, 'ongoing-deployment')).length > 0, 'no tracking file left');

  // second deployment, from a tgz this time
  const bundle = join(dir, 'rev2.tgz');
  await create({ gzip: true, file: bundle, cwd: rev2 }, ['.']);
  writeFileSync(proof, '');
  const second = await runAgent(['deploy', '-l', bundle, '-t', 'tgz', '--root-dir', root, '-g', 'grp', '-a', 'app1']);
  t.equal(second.code, 0, second.stdout + second.stderr);
  const id2 = deploymentIdOf(second.stdout);
  t.not(id2, id1);
  t.same(readLines(proof), [
    `rev1 BeforeBlockTraffic ${id2}`,
    `rev1 AfterBlockTraffic ${id2}`,
    `rev1 ApplicationStop ${id2}`,
    ...['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic'].map((e) => `rev2 ${e} ${id2}`),
  ], 'pre-download hooks ran the FIRST revision\'s scripts with the current deployment\'s env');
  t.same(readdirSync(dest).sort(), ['shared.txt', 'v2-only.txt'], 'the first revision\'s files were cleaned up');
  t.equal(readFileSync(join(dest, 'shared.txt'), 'utf8'), 'v2');
  t.match(readFileSync(join(root, 'grp', id2, 'logs', 'scripts.log'), 'utf8'), /\[stdout\]rev1 says hi from ApplicationStop/, 'output of the old revision\'s hook goes to the current log');
  t.same(readdirSync(join(root, 'grp', id2)).sort(), ['bundle.tar', 'deployment-archive', 'logs']);
});

t.test('file_exists_behavior: DISALLOW fails, OVERWRITE replaces, RETAIN keeps and does not clean up', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'root');
  const dest = join(dir, 'dest');
  const rev = writeRevision(join(dir, 'rev'), `version: 0.0\nos: linux\nfiles:\n  - source: conf.txt\n    destination: ${dest}\n`, { 'conf.txt': 'from bundle' });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dest);
  writeFileSync(join(dest, 'conf.txt'), 'from user');

  const disallow = await runAgent(['deploy', '-l', rev, '--root-dir', root]);
  t.equal(disallow.code, 1);
  t.match(disallow.stdout, `Install: failed: The deployment failed because a specified file already exists at this location: ${join(dest, 'conf.txt')}`);
  t.match(disallow.stdout, /ERROR: .*\[INSTALL_FILE_EXISTS\] Use file_exists_behavior OVERWRITE or RETAIN/);
  t.equal(readFileSync(join(dest, 'conf.txt'), 'utf8'), 'from user', 'nothing lost');

  const retain = await runAgent(['deploy', '-l', rev, '--root-dir', root, '-b', 'RETAIN']);
  t.equal(retain.code, 0, retain.stdout);
  t.equal(readFileSync(join(dest, 'conf.txt'), 'utf8'), 'from user');
  t.same(createdPaths(join(root, 'deployment-instructions', 'default-local-deployment-group-cleanup')), [], 'retained files are not recorded for cleanup');

  const overwrite = await runAgent(['deploy', '-l', rev, '--root-dir', root, '-b', 'overwrite']);
  t.equal(overwrite.code, 0, overwrite.stdout);
  t.equal(readFileSync(join(dest, 'conf.txt'), 'utf8'), 'from bundle');

  // the AppSpec's own value wins over the flag
  writeFileSync(join(rev, 'appspec.yml'), `version: 0.0\nos: linux\nfile_exists_behavior: RETAIN\nfiles:\n  - source: conf.txt\n    destination: ${dest}\n`);
  writeFileSync(join(dest, 'conf.txt'), 'edited on device');
  // (another group, so this Install does not first clean up what the OVERWRITE deployment installed)
  const appspecWins = await runAgent(['deploy', '-l', rev, '--root-dir', root, '-g', 'other-group', '-b', 'OVERWRITE']);
  t.equal(appspecWins.code, 0, appspecWins.stdout);
  t.equal(readFileSync(join(dest, 'conf.txt'), 'utf8'), 'edited on device');
});

t.test('permissions: mode and owner applied to matching installed files only', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'root');
  const dest = join(dir, 'dest');
  const rev = writeRevision(
    join(dir, 'rev'),
    `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}\npermissions:\n  - object: ${dest}\n    pattern: "*.sh"\n    mode: 750\n    owner: daemon\n    group: daemon\n    type: [file]\n  - object: ${dest}\n    mode: 0700\n    type: [directory]\n`,
    { 'app/run.sh': { content: '#!/bin/sh\n', mode: 0o644 }, 'app/data.txt': { content: 'd', mode: 0o644 }, 'app/sub/x.sh': { content: '#!/bin/sh\n', mode: 0o644 } },
  );
  const res = await runAgent(['deploy', '-l', rev, '--root-dir', root]);
  t.equal(res.code, 0, res.stdout + res.stderr);
  const st = statSync(join(dest, 'run.sh'));
  t.equal(st.mode & 0o7777, 0o750);
  const daemonUid = Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('daemon:'))?.split(':')[2]);
  t.equal(st.uid, daemonUid, 'owner daemon');
  t.equal(statSync(join(dest, 'data.txt')).mode & 0o777, 0o644, 'pattern *.sh did not match data.txt');
  t.equal(statSync(join(dest, 'sub', 'x.sh')).mode & 0o777, 0o644, 'a pattern other than ** only matches direct children');
  t.equal(statSync(join(dest, 'sub')).mode & 0o777, 0o700, 'mode: 0700 read as written (not YAML 1.1 octal 448)');
});

t.test('an invalid AppSpec fails with the official message and exit 1', async (t) => {
  const dir = t.testdir();
  const rev = writeRevision(join(dir, 'rev'), 'version: 1.0\nos: linux\n');
  const res = await runAgent(['deploy', '-l', rev, '--root-dir', join(dir, 'root')]);
  t.equal(res.code, 1);
  t.match(res.stdout, 'The deployment failed because an invalid version value (1.0) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.');
  t.match(res.stdout, /\[APPSPEC_INVALID_VERSION\]/);
});

t.test('bad arguments: ERROR line on stderr and exit 2 (usage/configuration)', async (t) => {
  const dir = t.testdir();
  const res = await runAgent(['deploy', '-l', join(dir, 'nope'), '--root-dir', join(dir, 'root')]);
  t.equal(res.code, 2);
  t.match(res.stderr, `ERROR: location ${join(dir, 'nope')} is specified as a file or directory which does not exist [CLI_USAGE]`);
  t.equal(res.stdout, '', 'nothing ran, nothing to report');
  const rev = writeRevision(join(dir, 'rev'), 'version: 0.0\nos: linux\n');
  const cfg = await runAgent(['deploy', '-l', rev, '-c', join(dir, 'missing.yml')]);
  t.equal(cfg.code, 2);
  t.match(cfg.stderr, `ERROR: configuration file ${join(dir, 'missing.yml')} does not exist or is not readable [CONFIG_NOT_FOUND]`);
});

t.test('--json: one document on stdout (what ran, the scripts.log path, the failure), progress on stderr', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'root');
  const proof = join(dir, 'proof');
  const rev = writeRevision(join(dir, 'rev'), proofAppSpec(), scriptsFor(proof, 'rev'));
  const ok = await runAgent(['deploy', '-l', rev, '--root-dir', root, '-g', 'grp', '-a', 'app', '-e', 'BeforeInstall,AfterInstall', '--json']);
  t.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout) as { deploymentId: string; scriptsLog: string; events: unknown[] };
  t.match(doc, { schema: 'edge-agent.deploy/v1', deploymentGroupId: 'grp', applicationName: 'app', status: 'Succeeded' });
  t.equal(doc.scriptsLog, join(root, 'grp', doc.deploymentId, 'logs', 'scripts.log'));
  t.match(readFileSync(doc.scriptsLog, 'utf8'), /\[stdout\]rev says hi from AfterInstall/, 'the path is the real log');
  t.same(doc.events, [
    { name: 'DownloadBundle', status: 'Succeeded', noop: false },
    { name: 'BeforeInstall', status: 'Succeeded', noop: false },
    { name: 'Install', status: 'Succeeded', noop: false },
    { name: 'AfterInstall', status: 'Succeeded', noop: false },
  ], 'the events that ran, in order');
  t.equal(deploymentIdOf(ok.stderr), doc.deploymentId, 'progress lines on stderr');
  t.notMatch(ok.stdout, /Local deployment successful/, 'no text for people on stdout');

  writeFileSync(join(rev, 'scripts', 'AfterInstall.sh'), '#!/bin/sh\necho "about to fail"\nexit 7\n');
  const bad = await runAgent(['deploy', '-l', rev, '--root-dir', root, '-g', 'grp', '--json']);
  t.equal(bad.code, 1, bad.stderr);
  const failed = JSON.parse(bad.stdout) as { deploymentId: string; events: { name: string; status: string }[] };
  t.match(failed, {
    status: 'Failed',
    failedEvent: 'AfterInstall',
    scriptPath: join(root, 'grp', failed.deploymentId, 'deployment-archive', 'scripts', 'AfterInstall.sh'),
    diagnostics: { error_code: 4, script_name: 'scripts/AfterInstall.sh', log: /\[stdout\]about to fail/ },
    error: { code: 'HOOK_SCRIPT_FAILED', message: /failed with exit code 7/, action: /scripts\.log/, exit: 1 },
  });
  t.same(failed.events.at(-1), { name: 'AfterInstall', status: 'Failed', noop: false }, 'the events stop at the failed one');
  t.notOk(failed.events.some((e) => e.name === 'ApplicationStart'), 'nothing after it ran');
  t.match(bad.stderr, /AfterInstall: failed: .*exit code 7\nERROR: .*\[HOOK_SCRIPT_FAILED\]/);
});

t.test('custom events run with -e; unknown custom events are refused', async (t) => {
  const dir = t.testdir();
  const proof = join(dir, 'proof');
  const rev = writeRevision(join(dir, 'rev'), `version: 0.0\nos: linux\nhooks:\n  CustomEvent:\n    - location: scripts/custom.sh\n`, { 'scripts/custom.sh': `#!/bin/sh\necho "$LIFECYCLE_EVENT" >> '${proof}'\n` });
  const ok = await runAgent(['deploy', '-l', rev, '--root-dir', join(dir, 'root'), '-e', 'ApplicationStart,CustomEvent']);
  t.equal(ok.code, 0, ok.stdout);
  t.same(readLines(proof), ['CustomEvent']);
  t.match(ok.stdout, /DownloadBundle: succeeded\n {2}Install: succeeded\n {2}ApplicationStart: nothing to run\n {2}CustomEvent: succeeded/);
  const unknown = await runAgent(['deploy', '-l', rev, '--root-dir', join(dir, 'root'), '-e', 'OtherEvent']);
  t.equal(unknown.code, 1);
  t.match(unknown.stdout, 'Install: failed: appspec.yml file contains unknown lifecycle events: ["CustomEvent"]');
  const plain = writeRevision(join(dir, 'plain'), 'version: 0.0\nos: linux\n');
  const missing = await runAgent(['deploy', '-l', plain, '--root-dir', join(dir, 'root'), '-e', 'OtherEvent']);
  t.equal(missing.code, 1);
  t.match(missing.stdout, /You specified a lifecycle event which is not a default one and doesn't exist in your appspec.yml file: OtherEvent/);
});

t.test('-e subsets run in the order given, BeforeInstall before the added Install', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'root');
  const proof = join(dir, 'proof');
  const rev1 = writeRevision(join(dir, 'rev1'), proofAppSpec(), scriptsFor(proof, 'rev1'));
  const rev2 = writeRevision(join(dir, 'rev2'), proofAppSpec(), scriptsFor(proof, 'rev2'));

  const only = await runAgent(['deploy', '-l', rev1, '--root-dir', root, '-g', 'g', '-e', 'BeforeInstall']);
  t.equal(only.code, 0, only.stdout);
  t.match(only.stdout, /DownloadBundle: succeeded\n {2}BeforeInstall: succeeded\n {2}Install: succeeded\nAppSpec file valid/);
  t.same(readLines(proof), [`rev1 BeforeInstall ${deploymentIdOf(only.stdout)}`]);

  writeFileSync(proof, '');
  const two = await runAgent(['deploy', '-l', rev2, '--root-dir', root, '-g', 'g', '-e', 'ApplicationStop,BeforeInstall']);
  t.equal(two.code, 0, two.stdout);
  t.match(two.stdout, /ApplicationStop: succeeded\n {2}DownloadBundle: succeeded\n {2}BeforeInstall: succeeded\n {2}Install: succeeded\n/);
  const id = deploymentIdOf(two.stdout);
  t.same(readLines(proof), [`rev1 ApplicationStop ${id}`, `rev2 BeforeInstall ${id}`], 'ApplicationStop still runs the previous revision');

  const bad = await runAgent(['deploy', '-l', rev2, '--root-dir', root, '-g', 'g', '-e', 'Install,BeforeInstall']);
  t.equal(bad.code, 2, 'a usage error');
  t.match(bad.stderr, /^ERROR: BeforeInstall runs before Install .*Please fix the order of your specified events: Install,BeforeInstall \[CLI_USAGE\]/m);
  t.notMatch(bad.stdout, /Starting to execute/, 'refused before anything ran');
});

t.test('-b with an unknown value is refused before anything runs', async (t) => {
  const dir = t.testdir();
  const rev = writeRevision(join(dir, 'rev'), 'version: 0.0\nos: linux\n');
  const res = await runAgent(['deploy', '-l', rev, '--root-dir', join(dir, 'root'), '-b', 'SOMETHING_WEIRD']);
  t.equal(res.code, 2);
  t.match(res.stderr, 'ERROR: file-exists-behavior SOMETHING_WEIRD is not valid. Must be one of DISALLOW,OVERWRITE,RETAIN [CLI_USAGE]');
  t.notOk(existsSync(join(dir, 'root')), 'nothing was created');
});

t.test('a custom hook without -e: the error says how to run it', async (t) => {
  const dir = t.testdir();
  const rev = writeRevision(
    join(dir, 'rev'),
    'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: s.sh\n  Calibrate:\n    - location: s.sh\n  ValidateService:\n    - location: s.sh\n',
    { 's.sh': '#!/bin/sh\necho "$LIFECYCLE_EVENT"\n' },
  );
  const res = await runAgent(['deploy', '-l', rev, '--root-dir', join(dir, 'root')]);
  t.equal(res.code, 1);
  t.match(res.stdout, 'Install: failed: appspec.yml file contains unknown lifecycle events: ["Calibrate"]');
  t.match(res.stdout, 'The AppSpec has custom lifecycle events (Calibrate); they run only when listed with -e/--events.');
  t.match(res.stdout, '  -e ApplicationStart,Calibrate,ValidateService\n');
  const again = await runAgent(['deploy', '-l', rev, '--root-dir', join(dir, 'root'), '-e', 'ApplicationStart,Calibrate,ValidateService']);
  t.equal(again.code, 0, again.stdout);
  t.match(again.stdout, /ApplicationStart: succeeded\n {2}Calibrate: succeeded\n {2}ValidateService: succeeded/);
});

t.test('status: a root that does not exist exits 2; an existing one 0', async (t) => {
  const dir = t.testdir();
  const missing = await runAgent(['status', '--root-dir', join(dir, 'does', 'not', 'exist')]);
  t.equal(missing.code, 2, missing.stdout + missing.stderr);
  t.equal(missing.stdout, '');
  t.match(missing.stderr, `ERROR: deployment root "${join(dir, 'does', 'not', 'exist')}" (--root-dir) does not exist [AGENT_ROOT_NOT_FOUND]`);
  const present = await runAgent(['status', '--root-dir', dir, '--json']);
  t.equal(present.code, 0, present.stderr);
  t.match(JSON.parse(present.stdout), { rootDir: dir, running: false });
});

t.test('max_revisions from the agent config prunes old deployments but keeps the last successful', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'root');
  const cfg = join(dir, 'agent.yml');
  writeFileSync(cfg, `:root_dir: ${root}\n:max_revisions: 2\n:log_dir: ${join(dir, 'logs')}\n`);
  const rev = writeRevision(join(dir, 'rev'), 'version: 0.0\nos: linux\n');
  for (let i = 0; i < 3; i++) {
    const r = await runAgent(['deploy', '-l', rev, '-c', cfg, '-g', 'g']);
    t.equal(r.code, 0, r.stdout);
  }
  t.equal(readdirSync(join(root, 'g')).length, 2);
  t.ok(existsSync(readFileSync(join(root, 'deployment-instructions', 'g_last_successful_install'), 'utf8')));
  t.ok(existsSync(join(dir, 'logs', 'edge-agent-local.log')), 'agent log in the configured log_dir');
});

t.test('a torn cleanup file from a crash during Install does not block the next deployment', async (t) => {
  const dir = t.testdir();
  const root = join(dir, 'root');
  const dest = join(dir, 'dest');
  const rev = writeRevision(join(dir, 'rev'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}\n`, { 'app/a.txt': 'a', 'app/b.txt': 'b' });
  t.equal((await runAgent(['deploy', '-l', rev, '--root-dir', root, '-g', 'g'])).code, 0);
  // as if the agent died while recording the next path: a partial line at the end
  appendFileSync(join(root, 'deployment-instructions', 'g-cleanup'), join(dest, 'half-writ'));
  const again = await runAgent(['deploy', '-l', rev, '--root-dir', root, '-g', 'g']);
  t.equal(again.code, 0, again.stdout);
  t.same(readdirSync(dest).sort(), ['a.txt', 'b.txt']);
});
