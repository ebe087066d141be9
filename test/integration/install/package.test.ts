// npm run package:agent's script, built once for linux-x64: the tarball's layout and modes, the
// unpacked agent running from a temp dir without the project's node_modules (a real local
// deployment included), and the launcher's choice of Node.js.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { addDevice, deploy, eventStatuses, lifecycleEvents, readLines, startFleet, uploadRevision, waitDone } from '../../helpers/agent-fleet.js';
import { trackGroup } from '../../helpers/process-groups.js';
import { proofAppSpec, proofScripts, writeRevision } from '../../helpers/revisions.js';
import { sdkConfig, startAgent } from '../../../sandbox/simulated-device.js';
import { buildPackage, output, PACKAGE_VERSION, PROJECT_ROOT, run, tempDir, unpack, which } from './helpers.js';

const out = tempDir(t, 'package-out');
const built = buildPackage(out);
const unpacked = tempDir(t, 'package-unpacked');
const prefix = existsSync(built.tarball) ? unpack(built.tarball, unpacked) : join(unpacked, 'opt', 'edge-agent');
const launcher = join(prefix, 'bin', 'edge-agent');
const NODE = process.execPath;
const execFileAsync = promisify(execFile);

t.test('the package builds, with its checksum', async (t) => {
  t.equal(built.code, 0, output(built));
  t.ok(existsSync(built.tarball), `${built.tarball} exists`);
  t.match(built.stdout, `edge-agent ${PACKAGE_VERSION} linux-x64, Node.js: none bundled`);
  const sha = createHash('sha256').update(readFileSync(built.tarball)).digest('hex');
  t.equal(readFileSync(`${built.tarball}.sha256`, 'utf8'), `${sha}  edge-agent-${PACKAGE_VERSION}-linux-x64.tar.gz\n`);
});

t.test('layout, modes and ownership inside the tarball', async (t) => {
  const listing = run('tar', ['-tzvf', built.tarball, '--numeric-owner']);
  t.equal(listing.code, 0, output(listing));
  const entries = new Map<string, { mode: string; owner: string }>();
  for (const line of listing.stdout.trim().split('\n')) {
    const [mode, owner, , , , path] = line.split(/\s+/);
    entries.set(path as string, { mode: mode as string, owner: owner as string });
  }
  const chunks = [...entries.keys()].filter((p) => /^opt\/edge-agent\/lib\/(vendor\/)?chunks\/[\w-]+\.mjs$/.test(p));
  t.ok(chunks.some((p) => /lib\/chunks\/daemon-\w+\.mjs$/.test(p)), 'the daemon is a chunk of its own (loaded by `run` only)');
  t.ok(chunks.some((p) => p.includes('/lib/vendor/chunks/')), 'the AWS SDK clients share chunks of their own');
  t.same([...entries.keys()].filter((p) => !chunks.includes(p)).sort(), [
    'opt/',
    'opt/edge-agent/',
    'opt/edge-agent/VERSION',
    'opt/edge-agent/bin/',
    'opt/edge-agent/bin/edge-agent',
    'opt/edge-agent/lib/',
    'opt/edge-agent/lib/aws-crt-nodejs.node',
    'opt/edge-agent/lib/chunks/',
    'opt/edge-agent/lib/edge-agent.mjs',
    'opt/edge-agent/lib/package.json',
    'opt/edge-agent/lib/vendor/',
    'opt/edge-agent/lib/vendor/chunks/',
    'opt/edge-agent/lib/vendor/client-s3.mjs',
    'opt/edge-agent/lib/vendor/client-sts.mjs',
    'opt/edge-agent/share/',
    'opt/edge-agent/share/THIRD-PARTY-LICENSES.txt',
    'opt/edge-agent/share/edge-agent-recover.service',
    'opt/edge-agent/share/edge-agent.env.example',
    'opt/edge-agent/share/edge-agent.service',
    'opt/edge-agent/share/install-agent.sh',
    'opt/edge-agent/share/install.md',
    'opt/edge-agent/share/uninstall-agent.sh',
  ]);
  const executables = ['opt/edge-agent/bin/edge-agent', 'opt/edge-agent/share/install-agent.sh', 'opt/edge-agent/share/uninstall-agent.sh'];
  for (const [path, { mode, owner }] of entries) {
    t.equal(owner, '0/0', `${path} owned by root`);
    const want = path.endsWith('/') ? 'drwxr-xr-x' : executables.includes(path) ? '-rwxr-xr-x' : '-rw-r--r--';
    t.equal(mode, want, `${path} mode`);
  }
  t.equal(readFileSync(join(prefix, 'VERSION'), 'utf8'), `${PACKAGE_VERSION}\n`);
  for (const f of ['edge-agent.service', 'edge-agent-recover.service', 'edge-agent.env.example']) {
    t.equal(readFileSync(join(prefix, 'share', f), 'utf8'), readFileSync(join(PROJECT_ROOT, 'systemd', f), 'utf8'), `share/${f} is systemd/${f}`);
  }
  t.match(readFileSync(join(prefix, 'share', 'THIRD-PARTY-LICENSES.txt'), 'utf8'), /^pino@\S+ \(MIT\)$/m, 'bundled packages listed with licenses');
  const files = (dir: string): string[] => readdirSync(join(prefix, 'lib', dir)).filter((f) => f.endsWith('.mjs')).map((f) => join(dir, f));
  const code = ['edge-agent.mjs', ...files('chunks'), ...files('vendor'), ...files('vendor/chunks')].map((f) => readFileSync(join(prefix, 'lib', f), 'utf8')).join('\n');
  t.notMatch(code, /from ?["'](tsx|typescript|tap)["']/, 'no dev dependencies in the bundle');
  // the agent reaches the SDK clients through lib/package.json's #vendor/ map, and only there
  t.same(JSON.parse(readFileSync(join(prefix, 'lib', 'package.json'), 'utf8')).imports, { '#vendor/*': './vendor/*' });
  t.notMatch(files('chunks').map((f) => readFileSync(join(prefix, 'lib', f), 'utf8')).join('\n'), /S3ServiceException|STSServiceException/, "no SDK client in the agent's chunks");
});

t.test('the unpacked agent runs without node_modules', async (t) => {
  for (let dir = prefix; dir !== parse(dir).root; dir = dirname(dir)) {
    t.notOk(existsSync(join(dir, 'node_modules')), `no node_modules in ${dir}`);
  }
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: unpacked, TMPDIR: tmpdir() };
  const version = run(launcher, ['--version'], { cwd: unpacked, env });
  t.equal(version.code, 0, output(version));
  t.equal(version.stdout.trim(), PACKAGE_VERSION, 'agent --version matches the package VERSION');
  const help = run(launcher, ['deploy', '--help'], { cwd: unpacked, env });
  t.equal(help.code, 0, output(help));
  t.match(help.stdout, /--bundle-location/);

  // a real deployment: tgz unpacking, hooks, logging all come from the bundle
  const proof = join(unpacked, 'proof');
  const rev = writeRevision(join(unpacked, 'rev'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${join(unpacked, 'dest')}\nhooks:\n  AfterInstall:\n    - location: scripts/after.sh\n      timeout: 30\n`, {
    'app/hello.txt': 'hello\n',
    'scripts/after.sh': `#!/bin/sh\necho "$LIFECYCLE_EVENT" >> '${proof}'\n`,
  });
  const bundle = join(unpacked, 'rev.tgz');
  t.equal(run('tar', ['-czf', bundle, '-C', rev, '.']).code, 0);
  const config = join(unpacked, 'agent.yml');
  writeFileSync(config, `:root_dir: ${join(unpacked, 'root')}\n:log_dir: ${join(unpacked, 'log')}\n`);
  const deploy = run(launcher, ['deploy', '-l', bundle, '-t', 'tgz', '-c', config], { cwd: unpacked, env });
  t.equal(deploy.code, 0, output(deploy));
  t.equal(readFileSync(join(unpacked, 'dest', 'hello.txt'), 'utf8'), 'hello\n');
  t.equal(readFileSync(proof, 'utf8'), 'AfterInstall\n');
});

t.test('the packaged daemon downloads from S3 and learns identities through lib/vendor/', async (t) => {
  const fleet = await startFleet(t);
  const device = await addDevice(fleet, 'pi-pkg');
  trackGroup(startAgent(device, { nodeArgs: [join(prefix, 'lib', 'edge-agent.mjs')] }));
  await uploadRevision(fleet, 'pkg.tgz', proofAppSpec(), proofScripts(join(device.dir, 'proof')));
  const info = await waitDone(fleet, await deploy(fleet, 'pkg.tgz'));
  t.equal(info.status, 'Succeeded', device.output.slice(-3000));
  t.match(eventStatuses(await lifecycleEvents(fleet, info.deploymentId as string)), ['ApplicationStop:Succeeded', 'DownloadBundle:Succeeded']);
  t.same(readLines(join(device.dir, 'proof')), ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'], 'the revision\'s hooks ran (no ApplicationStop before a first revision)');

  // the STS client (IoT identity) as a module of the package sees it: through #vendor/
  const probe = join(prefix, 'lib', 'probe-sts.mjs');
  writeFileSync(probe, `const { STSClient, GetCallerIdentityCommand } = await import('#vendor/client-sts.mjs');\nconst sts = new STSClient(JSON.parse(process.argv[2]));\nprocess.stdout.write((await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '');\nsts.destroy();\n`);
  t.teardown(() => rmSync(probe, { force: true }));
  // asynchronously: the sandbox answering it runs in this process
  const sts = await execFileAsync(NODE, [probe, JSON.stringify(sdkConfig(fleet.sb))], { cwd: unpacked, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: unpacked, TMPDIR: tmpdir() }, timeout: 30_000 });
  t.match(sts.stdout, /^arn:aws:(iam|sts)::\d{12}:/, 'GetCallerIdentity answered');
});

t.test('the launcher picks a Node.js >= 20: override, distro, bundled, or a clear error', async (t) => {
  const fakes = tempDir(t, 'fake-node');
  const log = join(fakes, 'used');
  /** A node that records its name and arguments, then runs the real one. */
  const recordingNode = (path: string, name: string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> '${log}'\nexec '${NODE}' "$@"\n`);
    chmodSync(path, 0o755);
  };
  const oldNodeDir = join(fakes, 'old');
  mkdirSync(oldNodeDir);
  writeFileSync(join(oldNodeDir, 'node'), '#!/bin/sh\necho v18.19.1\n');
  chmodSync(join(oldNodeDir, 'node'), 0o755);
  const newNodeDir = join(fakes, 'new');
  recordingNode(join(newNodeDir, 'node'), 'distro');
  const override = join(fakes, 'override-node');
  recordingNode(override, 'override');
  const used = (): string => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  const launch = (path: string, extra: NodeJS.ProcessEnv = {}, cmd = launcher) => {
    rmSync(log, { force: true });
    return run(cmd, ['--version'], { cwd: fakes, env: { PATH: `${path}:/usr/bin:/bin`, ...extra } });
  };

  let r = launch(newNodeDir, { EDGE_AGENT_NODE_ARGS: '--max-semi-space-size=1 --no-warnings' });
  t.equal(r.code, 0, output(r));
  t.match(used(), `distro --max-semi-space-size=1 --no-warnings ${join(prefix, 'lib', 'edge-agent.mjs')} --version`, 'the distro node, with EDGE_AGENT_NODE_ARGS on its command line');

  r = launch(oldNodeDir);
  t.equal(r.code, 127, output(r));
  t.match(r.stderr, /needs Node\.js 20 or newer, and found .*old\/node is v18\.19\.1 and no bundled runtime/);
  t.match(r.stderr, /--with-node/);

  const bundled = join(prefix, 'node', 'bin', 'node');
  recordingNode(bundled, 'bundled');
  t.teardown(() => rmSync(join(prefix, 'node'), { recursive: true, force: true }));
  r = launch(oldNodeDir);
  t.equal(r.code, 0, output(r));
  t.equal(r.stdout.trim(), PACKAGE_VERSION);
  t.match(used(), /^bundled /m, 'the bundled node when the distro one is too old');

  r = launch(newNodeDir, { EDGE_AGENT_NODE: override });
  t.equal(r.code, 0, output(r));
  t.match(used(), /^override /m, 'EDGE_AGENT_NODE wins');
  t.notMatch(used(), /^distro /m);

  // through a symlink, as /usr/local/bin/edge-agent
  const link = join(fakes, 'usr-local-bin', 'edge-agent');
  mkdirSync(dirname(link));
  symlinkSync(launcher, link);
  r = launch(newNodeDir, {}, link);
  t.equal(r.code, 0, output(r));
  t.equal(r.stdout.trim(), PACKAGE_VERSION);
});

t.test('the generated launcher passes shellcheck', async (t) => {
  if (!which('shellcheck')) {
    t.fail('shellcheck is not installed; .ci/run installs it (apt-get install shellcheck)');
    return;
  }
  const r = run('shellcheck', ['-f', 'gcc', '-s', 'sh', launcher]);
  t.equal(r.code, 0, `shellcheck findings:\n${r.stdout}${r.stderr}`);
});

t.test('package-agent.mjs: usage errors', async (t) => {
  const script = join(PROJECT_ROOT, 'scripts', 'package-agent.mjs');
  const bad = run(NODE, [script, '--arch', 'mips']);
  t.equal(bad.code, 2, output(bad));
  t.match(bad.stderr, /--arch must be one of arm64, x64, got mips/);
  const unknown = run(NODE, [script, '--frobnicate']);
  t.equal(unknown.code, 2, output(unknown));
  const help = run(NODE, [script, '--help']);
  t.equal(help.code, 0, output(help));
  t.match(help.stdout, /--with-node/);
});
