// install-agent.sh and uninstall-agent.sh against a fake root (--destdir), from a package built
// once for linux-x64: files and modes (0600 secrets), idempotent re-runs that keep config and
// history, upgrades, re-provisioning, clear failures, and uninstall with and without
// --keep-history / --purge. systemd is never touched with --destdir.
import t from 'tap';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage, INSTALL_SCRIPT, output, PACKAGE_VERSION, run, tempDir, UNINSTALL_SCRIPT, unpack } from './helpers.js';

const out = tempDir(t, 'install-package');
const built = buildPackage(out);
const tarball = built.tarball;

const AGENT_YML = ':root_dir: /opt/edge-agent/deployment-root\nlog_dir: "/var/log/edge-agent/"\nverbose: false\n';
const ONPREM_YML = 'iam_session_arn: arn:aws:sts::111122223333:assumed-role/CodeDeployInstanceRole/pi-01\naws_credentials_file: /etc/edge-agent/credentials\nregion: eu-west-1\n';
const CREDENTIALS = '[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\naws_session_token = token\n';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const mode = (p: string): string => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');
const read = (p: string): string => readFileSync(p, 'utf8');

function provisioningDir(dir: string, files: Record<string, string> = { 'agent.yml': AGENT_YML, 'onpremises.yml': ONPREM_YML, credentials: CREDENTIALS, 'ca.pem': CA }): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const install = (args: readonly string[], env: NodeJS.ProcessEnv = process.env) => run('bash', [INSTALL_SCRIPT, ...args], { env });
const uninstall = (args: readonly string[]) => run('bash', [UNINSTALL_SCRIPT, ...args]);

t.test('the package was built', async (t) => {
  t.equal(built.code, 0, output(built));
});

t.test('fresh install into a fake root: program, config with modes, dirs, units', async (t) => {
  const root = tempDir(t, 'root');
  const prov = provisioningDir(join(tempDir(t, 'prov'), 'pi-01'), { 'agent.yml': AGENT_YML, 'onpremises.yml': ONPREM_YML, credentials: CREDENTIALS, 'ca.pem': CA, 'notes.txt': 'not ours' });
  const r = install(['--tarball', tarball, '--provisioning', prov, '--destdir', root]);
  t.equal(r.code, 0, output(r));
  t.match(r.stdout, `edge-agent ${PACKAGE_VERSION} -> /opt/edge-agent (in ${root})`);
  t.match(r.stdout, `installed ${PACKAGE_VERSION}`);
  t.match(r.stdout, /--destdir: systemd not touched/);
  t.match(r.stderr, /provisioning: ignored notes\.txt/);

  const opt = join(root, 'opt', 'edge-agent');
  t.same(readdirSync(opt).sort(), ['VERSION', 'bin', 'deployment-root', 'lib', 'share'], 'no lock or staging files left');
  t.equal(read(join(opt, 'VERSION')), `${PACKAGE_VERSION}\n`);
  t.equal(mode(join(opt, 'bin', 'edge-agent')), '0755');
  t.ok(existsSync(join(opt, 'lib', 'edge-agent.mjs')));
  t.equal(mode(join(opt, 'share', 'uninstall-agent.sh')), '0755');

  const etc = join(root, 'etc', 'edge-agent');
  t.equal(mode(etc), '0755');
  t.same(readdirSync(etc).sort(), ['agent.yml', 'ca.pem', 'credentials', 'onpremises.yml']);
  t.equal(read(join(etc, 'onpremises.yml')), ONPREM_YML);
  t.equal(read(join(etc, 'credentials')), CREDENTIALS);
  t.equal(mode(join(etc, 'onpremises.yml')), '0600', 'identity is secret');
  t.equal(mode(join(etc, 'credentials')), '0600', 'credentials are secret');
  t.equal(mode(join(etc, 'agent.yml')), '0644');
  t.equal(mode(join(etc, 'ca.pem')), '0644');
  if (process.getuid?.() === 0) t.equal(statSync(join(etc, 'credentials')).uid, 0, 'secrets owned by root');

  t.equal(mode(join(opt, 'deployment-root')), '0755', 'deployment root searchable for runas users');
  t.equal(mode(join(root, 'var', 'log', 'edge-agent')), '0750');

  const units = join(root, 'etc', 'systemd', 'system');
  t.equal(read(join(units, 'edge-agent.service')), read(join(opt, 'share', 'edge-agent.service')));
  t.equal(read(join(units, 'edge-agent-recover.service')), read(join(opt, 'share', 'edge-agent-recover.service')));
  t.equal(mode(join(units, 'edge-agent.service')), '0644');
  const link = join(root, 'usr', 'local', 'bin', 'edge-agent');
  t.ok(lstatSync(link).isSymbolicLink());
  t.equal(readlinkSync(link), '/opt/edge-agent/bin/edge-agent', 'link target is the real path on the device');

  const version = run(join(opt, 'bin', 'edge-agent'), ['--version'], { cwd: root });
  t.equal(version.stdout.trim(), PACKAGE_VERSION, output(version));
});

t.test('idempotent: a second run changes nothing and keeps config, history and logs', async (t) => {
  const root = tempDir(t, 'root');
  const prov = provisioningDir(tempDir(t, 'prov'));
  t.equal(install(['--tarball', tarball, '--provisioning', prov, '--destdir', root]).code, 0);
  const etc = join(root, 'etc', 'edge-agent');
  writeFileSync(join(etc, 'agent.yml'), `${AGENT_YML}max_revisions: 3 # the operator's edit\n`);
  writeFileSync(join(root, 'opt', 'edge-agent', 'deployment-root', 'history-marker'), 'x');
  writeFileSync(join(root, 'var', 'log', 'edge-agent', 'edge-agent.log'), 'log');
  chmodSync(join(etc, 'credentials'), 0o644); // someone loosened it

  const again = install(['--tarball', tarball, '--destdir', root]);
  t.equal(again.code, 0, output(again));
  t.match(again.stdout, `program files unchanged (${PACKAGE_VERSION})`);
  t.match(again.stdout, /fixed the mode of \/etc\/edge-agent\/credentials to 0600/);
  t.match(again.stdout, /unchanged \/etc\/systemd\/system\/edge-agent\.service/);
  t.match(read(join(etc, 'agent.yml')), /the operator's edit/, 'config kept');
  t.equal(mode(join(etc, 'credentials')), '0600');
  t.ok(existsSync(join(root, 'opt', 'edge-agent', 'deployment-root', 'history-marker')), 'history kept');
  t.ok(existsSync(join(root, 'var', 'log', 'edge-agent', 'edge-agent.log')), 'logs kept');

  // the same provisioning again: files unchanged, except the one the operator edited
  const third = install(['--tarball', tarball, '--provisioning', prov, '--destdir', root]);
  t.equal(third.code, 0, output(third));
  t.match(third.stdout, /unchanged \/etc\/edge-agent\/onpremises\.yml \(mode 0600\)/);
  t.match(third.stdout, /updated \/etc\/edge-agent\/agent\.yml/);
  t.equal(read(join(etc, 'agent.yml')), AGENT_YML, 'provisioning is the source of truth for the files it brings');
});

t.test('upgrade from an unpacked package, and re-provisioning with the installed script', async (t) => {
  const root = tempDir(t, 'root');
  t.equal(install(['--tarball', tarball, '--provisioning', provisioningDir(tempDir(t, 'prov')), '--destdir', root]).code, 0);
  const opt = join(root, 'opt', 'edge-agent');
  writeFileSync(join(opt, 'deployment-root', 'history-marker'), 'x');
  mkdirSync(join(opt, 'node', 'bin'), { recursive: true }); // a runtime from an earlier package
  writeFileSync(join(opt, 'node', 'bin', 'node'), '');

  // the "one command" path: share/install-agent.sh of an unpacked package, no --tarball
  const next = unpack(tarball, tempDir(t, 'next'));
  writeFileSync(join(next, 'VERSION'), '9.9.9-test\n');
  const up = run('bash', [join(next, 'share', 'install-agent.sh'), '--destdir', root]);
  t.equal(up.code, 0, output(up));
  t.match(up.stdout, `upgraded ${PACKAGE_VERSION} -> 9.9.9-test`);
  t.equal(read(join(opt, 'VERSION')), '9.9.9-test\n');
  t.notOk(existsSync(join(opt, 'node')), 'entries the new package does not have are removed');
  t.ok(existsSync(join(opt, 'deployment-root', 'history-marker')), 'history kept');
  t.equal(read(join(root, 'etc', 'edge-agent', 'onpremises.yml')), ONPREM_YML, 'config kept');
  t.same(readdirSync(opt).sort(), ['VERSION', 'bin', 'deployment-root', 'lib', 'share']);

  // change the identity only, with the installed copy of the script (source = destination)
  const newIdentity = ONPREM_YML.replace('pi-01', 'pi-01b');
  const prov2 = provisioningDir(tempDir(t, 'prov2'), { 'codedeploy.onpremises.yml': newIdentity });
  const again = run('bash', [join(opt, 'share', 'install-agent.sh'), '--destdir', root, '--provisioning', prov2]);
  t.equal(again.code, 0, output(again));
  t.match(again.stdout, /program files already in place/);
  t.match(again.stdout, /updated \/etc\/edge-agent\/onpremises\.yml \(mode 0600\)/);
  t.equal(read(join(root, 'etc', 'edge-agent', 'onpremises.yml')), newIdentity, 'the official file name is accepted');
  t.equal(read(join(opt, 'VERSION')), '9.9.9-test\n');
});

t.test('provisioning from a tar archive holding one folder; DESTDIR from the environment; --prefix', async (t) => {
  const root = tempDir(t, 'root');
  const work = tempDir(t, 'prov');
  provisioningDir(join(work, 'pi-02'), { 'codedeployagent.yml': ':log_dir: /srv/edge-logs\n:root_dir: /srv/edge-root\n', 'onpremises.yml': ONPREM_YML, credentials: CREDENTIALS, 'edge-agent.env': 'EDGE_AGENT_NODE=/usr/bin/node\n' });
  const archive = join(work, 'pi-02.tar.gz');
  t.equal(run('tar', ['-czf', archive, '-C', work, 'pi-02']).code, 0);
  const r = install(['--tarball', tarball, '--provisioning', archive, '--prefix', '/usr/lib/edge-agent'], { ...process.env, DESTDIR: root });
  t.equal(r.code, 0, output(r));
  const etc = join(root, 'etc', 'edge-agent');
  t.same(readdirSync(etc).sort(), ['agent.yml', 'credentials', 'edge-agent.env', 'onpremises.yml']);
  t.equal(mode(join(etc, 'edge-agent.env')), '0600');
  t.ok(existsSync(join(root, 'usr', 'lib', 'edge-agent', 'lib', 'edge-agent.mjs')), 'program under --prefix');
  t.equal(mode(join(root, 'srv', 'edge-root')), '0755', 'root_dir from the provisioned config');
  t.equal(mode(join(root, 'srv', 'edge-logs')), '0750', 'log_dir from the provisioned config');
  t.notOk(existsSync(join(root, 'opt', 'edge-agent')), 'nothing under the default prefix');
  const unit = read(join(root, 'etc', 'systemd', 'system', 'edge-agent.service'));
  t.match(unit, /^ExecStart=\/usr\/lib\/edge-agent\/bin\/edge-agent run$/m, 'unit points at --prefix');
  t.match(unit, /^ExecStartPre=\/usr\/lib\/edge-agent\/bin\/edge-agent check-config$/m);
  t.equal(readlinkSync(join(root, 'usr', 'local', 'bin', 'edge-agent')), '/usr/lib/edge-agent/bin/edge-agent');

  const un = run('bash', [UNINSTALL_SCRIPT, '--prefix', '/usr/lib/edge-agent', '--destdir', root, '--purge']);
  t.equal(un.code, 0, output(un));
  t.notOk(existsSync(join(root, 'usr', 'lib', 'edge-agent')));
  t.notOk(existsSync(join(root, 'srv', 'edge-root')), 'the configured root_dir is removed');
  t.notOk(existsSync(etc));
});

t.test('warnings for a missing identity and a credentials path that does not exist', async (t) => {
  const root = tempDir(t, 'root');
  const none = install(['--tarball', tarball, '--destdir', root]);
  t.equal(none.code, 0, output(none));
  t.match(none.stderr, /no on-premises identity at \/etc\/edge-agent\/onpremises\.yml: the agent cannot start until there is one/);

  const prov = provisioningDir(tempDir(t, 'prov'), { 'onpremises.yml': ONPREM_YML.replace('/etc/edge-agent/credentials', '/etc/codedeploy-agent/conf/.aws_credentials') });
  const r = install(['--tarball', tarball, '--provisioning', prov, '--destdir', root]);
  t.equal(r.code, 0, output(r));
  t.match(r.stderr, /names aws_credentials_file \/etc\/codedeploy-agent\/conf\/\.aws_credentials, which does not exist/);
});

t.test('Node.js: an old distro node and no bundled runtime is reported (a warning with --destdir)', async (t) => {
  const root = tempDir(t, 'root');
  const fake = tempDir(t, 'old-node');
  writeFileSync(join(fake, 'node'), '#!/bin/sh\necho v18.19.1\n');
  chmodSync(join(fake, 'node'), 0o755);
  const env = { ...process.env, PATH: `${fake}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
  const r = install(['--tarball', tarball, '--destdir', root], env);
  t.equal(r.code, 0, output(r));
  t.match(r.stderr, /edge-agent needs Node\.js 20 or newer: found .*node v18\.19\.1, and the package has no bundled Node\.js/);
  t.match(r.stderr, /--with-node/);

  // the same with a package that has a runtime inside
  const pkg = unpack(tarball, tempDir(t, 'with-node'));
  mkdirSync(join(pkg, 'node', 'bin'), { recursive: true });
  writeFileSync(join(pkg, 'node', 'bin', 'node'), `#!/bin/sh\nexec '${process.execPath}' "$@"\n`);
  chmodSync(join(pkg, 'node', 'bin', 'node'), 0o755);
  const withNode = run('bash', [join(pkg, 'share', 'install-agent.sh'), '--destdir', root], { env });
  t.equal(withNode.code, 0, output(withNode));
  t.match(withNode.stdout, `Node.js: bundled ${process.version}`);
  t.notMatch(withNode.stderr, /needs Node\.js/);
  t.ok(existsSync(join(root, 'opt', 'edge-agent', 'node', 'bin', 'node')), 'runtime installed');
});

t.test('clear failures, non-zero exit codes', async (t) => {
  const root = tempDir(t, 'root');
  const scratch = tempDir(t, 'scratch');
  const cases: { args: string[]; code: number; message: RegExp }[] = [
    { args: ['--frobnicate'], code: 2, message: /unknown argument: --frobnicate \(see --help\)/ },
    { args: ['--tarball'], code: 2, message: /--tarball needs a value/ },
    { args: ['--prefix', 'relative/dir', '--destdir', root], code: 2, message: /--prefix must be an absolute path/ },
    { args: ['--prefix', '/opt/edge agent', '--destdir', root], code: 2, message: /--prefix may hold only/ },
    { args: ['--destdir', root], code: 1, message: /no agent package: pass --tarball/ },
    { args: ['--tarball', join(scratch, 'missing.tar.gz'), '--destdir', root], code: 1, message: /no such package file/ },
    { args: ['--tarball', tarball, '--provisioning', join(scratch, 'missing'), '--destdir', root], code: 1, message: /no such provisioning bundle/ },
  ];
  for (const c of cases) {
    const r = install(c.args);
    t.equal(r.code, c.code, `${c.args.join(' ')}: ${output(r)}`);
    t.match(r.stderr, c.message, c.args.join(' '));
  }

  writeFileSync(join(scratch, 'not-a-package.txt'), 'hello');
  t.equal(run('tar', ['-czf', join(scratch, 'other.tar.gz'), '-C', scratch, 'not-a-package.txt']).code, 0);
  const other = install(['--tarball', join(scratch, 'other.tar.gz'), '--destdir', root]);
  t.equal(other.code, 1, output(other));
  t.match(other.stderr, /is not an edge-agent package: opt\/edge-agent\/VERSION is missing/);
  writeFileSync(join(scratch, 'garbage.tar.gz'), 'not gzip');
  const garbage = install(['--tarball', join(scratch, 'garbage.tar.gz'), '--destdir', root]);
  t.equal(garbage.code, 1, output(garbage));
  t.match(garbage.stderr, /cannot unpack .*garbage\.tar\.gz/);

  const empty = join(scratch, 'empty-prov');
  mkdirSync(empty);
  writeFileSync(join(empty, 'README'), 'nothing useful');
  const noFiles = install(['--tarball', tarball, '--provisioning', empty, '--destdir', root]);
  t.equal(noFiles.code, 1, output(noFiles));
  t.match(noFiles.stderr, /no provisioning files in .*expected one or more of agent\.yml, onpremises\.yml/);
  const both = provisioningDir(join(scratch, 'both'), { 'agent.yml': AGENT_YML, 'codedeployagent.yml': AGENT_YML });
  const twice = install(['--tarball', tarball, '--provisioning', both, '--destdir', root]);
  t.equal(twice.code, 1, output(twice));
  t.match(twice.stderr, /has both agent\.yml and codedeployagent\.yml: keep one/);
  t.same(readdirSync(root), [], 'inputs are checked before anything is written');

  const help = install(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--provisioning SRC/);
});

t.test('uninstall: --keep-history, plain, --purge, and nothing left to remove', async (t) => {
  const root = tempDir(t, 'root');
  const prov = provisioningDir(tempDir(t, 'prov'));
  const opt = join(root, 'opt', 'edge-agent');
  const history = join(opt, 'deployment-root');
  const fill = (): void => {
    mkdirSync(join(history, 'deployment-instructions'), { recursive: true });
    writeFileSync(join(history, 'deployment-instructions', 'grp-cleanup'), '/opt/app\n');
    writeFileSync(join(root, 'var', 'log', 'edge-agent', 'edge-agent.log'), 'log');
  };
  t.equal(install(['--tarball', tarball, '--provisioning', prov, '--destdir', root]).code, 0);
  fill();

  const keep = uninstall(['--keep-history', '--destdir', root]);
  t.equal(keep.code, 0, output(keep));
  t.match(keep.stdout, /kept the deployment history in \/opt\/edge-agent\/deployment-root/);
  t.same(readdirSync(opt), ['deployment-root'], 'only the history is left');
  t.ok(existsSync(join(history, 'deployment-instructions', 'grp-cleanup')));
  t.notOk(existsSync(join(root, 'etc', 'systemd', 'system', 'edge-agent.service')), 'unit removed');
  t.notOk(existsSync(join(root, 'etc', 'systemd', 'system', 'edge-agent-recover.service')));
  t.notOk(existsSync(join(root, 'usr', 'local', 'bin', 'edge-agent')), 'link removed');
  t.ok(existsSync(join(root, 'etc', 'edge-agent', 'onpremises.yml')), 'config kept without --purge');
  t.ok(existsSync(join(root, 'var', 'log', 'edge-agent', 'edge-agent.log')), 'logs kept without --purge');

  // reinstall over the kept history, then remove everything but the config
  const re = install(['--tarball', tarball, '--destdir', root]);
  t.equal(re.code, 0, output(re));
  t.ok(existsSync(join(history, 'deployment-instructions', 'grp-cleanup')), 'reinstall keeps history');
  const plain = uninstall(['--destdir', root]);
  t.equal(plain.code, 0, output(plain));
  t.notOk(existsSync(opt), 'program and history gone');
  t.match(plain.stdout, /kept the configuration in \/etc\/edge-agent \(--purge removes it\)/);
  t.ok(existsSync(join(root, 'etc', 'edge-agent', 'agent.yml')));

  t.equal(install(['--tarball', tarball, '--destdir', root]).code, 0);
  fill();
  writeFileSync(join(root, 'var', 'log', 'edge-agent', 'other-program.log'), 'not ours');
  const purge = uninstall(['--purge', '--destdir', root]);
  t.equal(purge.code, 0, output(purge));
  t.notOk(existsSync(join(root, 'etc', 'edge-agent')), 'config purged');
  t.notOk(existsSync(join(root, 'var', 'log', 'edge-agent', 'edge-agent.log')), "the agent's logs purged");
  t.ok(existsSync(join(root, 'var', 'log', 'edge-agent', 'other-program.log')), 'files that are not the agent\'s are left alone');
  t.notOk(existsSync(opt));

  const nothing = uninstall(['--destdir', root]);
  t.equal(nothing.code, 0, output(nothing));
  t.match(nothing.stdout, /edge-agent is not installed.*: nothing to remove/);

  const bad = uninstall(['--keep'] );
  t.equal(bad.code, 2, output(bad));
  t.match(bad.stderr, /unknown argument: --keep/);
});

t.test('uninstall leaves a configured root_dir alone when it does not look like a deployment root', async (t) => {
  const root = tempDir(t, 'root');
  const prov = provisioningDir(tempDir(t, 'prov'), { 'agent.yml': 'root_dir: /srv/data\n', 'onpremises.yml': ONPREM_YML });
  t.equal(install(['--tarball', tarball, '--provisioning', prov, '--destdir', root]).code, 0);
  writeFileSync(join(root, 'srv', 'data', 'precious.db'), 'x');
  const r = uninstall(['--destdir', root]);
  t.equal(r.code, 0, output(r));
  t.match(r.stderr, /\/srv\/data does not look like an edge-agent deployment root; left in place/);
  t.ok(existsSync(join(root, 'srv', 'data', 'precious.db')));
});
