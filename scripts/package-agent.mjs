#!/usr/bin/env node
// npm run package:agent: builds the self-contained device package
//   dist/edge-agent-<version>-linux-<arch>.tar.gz  (+ .sha256)
// holding opt/edge-agent/{bin/edge-agent, lib/edge-agent.mjs (+ lib/chunks/, lib/vendor/, lib/package.json),
// node/ (with --with-node),
// share/{edge-agent.service, edge-agent-recover.service, edge-agent.env.example,
// install-agent.sh, uninstall-agent.sh, install.md, THIRD-PARTY-LICENSES.txt}, VERSION}.
// The agent is an esbuild bundle (scripts/package-bundle.mjs): no node_modules on the device. See docs/install.md.
//
//   node scripts/package-agent.mjs [--arch arm64|x64] [--with-node] [--node-version 22]
//                                  [--out-dir dist]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { bundleAgent } from './package-bundle.mjs';

const project = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ARCHES = { arm64: { elfMachine: 183 }, x64: { elfMachine: 62 } };
const MIN_NODE_MAJOR = 20;
/** aws-crt's JavaScript is bundled; its native binding for the target is shipped as
 * lib/aws-crt-nodejs.node and found through AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH (set by the
 * launcher). It is loaded only when IoT telemetry or the IoT identity is configured. */
const CRT_BINARY = 'aws-crt-nodejs.node';
// bin/edge-agent: picks the Node.js that runs the bundle. Checked by shellcheck in the tests.
const WRAPPER = `#!/bin/sh
# edge-agent launcher (installed as /opt/edge-agent/bin/edge-agent).
# Runs lib/edge-agent.mjs with, in this order:
#   1. $EDGE_AGENT_NODE, when set (e.g. in /etc/edge-agent/edge-agent.env);
#   2. the distribution's node (first on PATH) when it is version ${MIN_NODE_MAJOR} or newer;
#   3. the Node.js runtime bundled in this package (node/bin/node, packages built --with-node).
# $EDGE_AGENT_NODE_ARGS (space-separated node options, set by edge-agent.service) go on the node
# command line; NODE_OPTIONS is left alone because hook scripts would inherit it.
set -e

self=$(readlink -f "$0" 2>/dev/null || printf '%s\\n' "$0")
prefix=$(cd "$(dirname "$self")/.." && pwd -P)
min_major=${MIN_NODE_MAJOR}

# node_ok NODE: true when NODE runs and is version $min_major or newer (its version in $found)
node_ok() {
  found=$("$1" --version 2>/dev/null) || return 1
  major=\${found#v}
  major=\${major%%.*}
  case $major in '' | *[!0-9]*) return 1 ;; esac
  [ "$major" -ge "$min_major" ]
}

seen=
if [ -n "\${EDGE_AGENT_NODE:-}" ]; then
  node=$EDGE_AGENT_NODE
elif distro_node=$(command -v node 2>/dev/null) && node_ok "$distro_node"; then
  node=$distro_node
else
  [ -n "\${distro_node:-}" ] && seen="$distro_node is \${found:-not runnable}"
  bundled="no bundled runtime in $prefix/node"
  if [ -x "$prefix/node/bin/node" ] && node_ok "$prefix/node/bin/node"; then
    node=$prefix/node/bin/node
  else
    [ -x "$prefix/node/bin/node" ] && bundled="a bundled runtime in $prefix/node that does not run here (\${found:-no version})"
    echo "edge-agent: needs Node.js $min_major or newer, and found \${seen:-no node on PATH} and $bundled." >&2
    echo "edge-agent: install Node.js $min_major+, set EDGE_AGENT_NODE in /etc/edge-agent/edge-agent.env, or install a package built with --with-node." >&2
    exit 127
  fi
fi

# aws-crt (IoT telemetry) finds the native binding shipped next to the bundle
AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH=\${AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH:-$prefix/lib/${CRT_BINARY}}
export AWS_CRT_NODEJS_BINARY_ABSOLUTE_PATH

# exec: node becomes the service's main process and gets systemd's SIGTERM itself (KillMode=mixed)
# shellcheck disable=SC2086 # EDGE_AGENT_NODE_ARGS is a list of options: split on purpose
exec "$node" \${EDGE_AGENT_NODE_ARGS:-} "$prefix/lib/edge-agent.mjs" "$@"
`;

class PackageError extends Error {}

/** Stops the build with a message for the operator (the scratch folder is still removed). */
function fail(message) {
  throw new PackageError(message);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        arch: { type: 'string', default: 'arm64' },
        'with-node': { type: 'boolean', default: false },
        'node-version': { type: 'string', default: '22' },
        'out-dir': { type: 'string', default: join(project, 'dist') },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`package-agent: ${e.message}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write('usage: node scripts/package-agent.mjs [--arch arm64|x64] [--with-node] [--node-version 22] [--out-dir dist]\n');
    process.exit(0);
  }
  if (!(parsed.arch in ARCHES)) {
    process.stderr.write(`package-agent: --arch must be one of ${Object.keys(ARCHES).join(', ')}, got ${parsed.arch}\n`);
    process.exit(2);
  }
  return { arch: parsed.arch, withNode: parsed['with-node'], nodeVersion: parsed['node-version'], outDir: resolve(parsed['out-dir']) };
}

function sourceDateEpoch() {
  if (/^\d+$/.test(process.env.SOURCE_DATE_EPOCH ?? '')) return Number(process.env.SOURCE_DATE_EPOCH);
  const git = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: project, encoding: 'utf8' });
  if (git.status === 0 && /^\d+$/.test(git.stdout.trim())) return Number(git.stdout.trim());
  return Math.floor(Date.now() / 1000);
}

/** The package folder (node_modules/<name> or node_modules/@scope/<name>) an input file belongs to. */
function packageDirOf(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const len = parts[at + 1]?.startsWith('@') ? 3 : 2;
  return parts.slice(0, at + len).join('/');
}

function thirdPartyLicenses(inputs) {
  const dirs = [...new Set(Object.keys(inputs).map(packageDirOf).filter((d) => d !== undefined))].sort();
  const sections = [];
  for (const dir of dirs) {
    const abs = join(project, dir);
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const licenseFile = readdirSync(abs).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = licenseFile ? readFileSync(join(abs, licenseFile), 'utf8').trim() : `(no license file; package.json says ${pkg.license ?? 'nothing'})`;
    sections.push(`${pkg.name}@${pkg.version} (${pkg.license ?? 'unknown license'})\n\n${text}\n`);
  }
  return `Third-party software bundled into lib/edge-agent.mjs, lib/chunks/ and lib/vendor/\n${'='.repeat(68)}\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

function elfMachine(file) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(20);
    readSync(fd, head, 0, 20, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) return -1;
    return head.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

/** Puts the Node.js runtime from the node-linux-<arch> npm package into <root>/node. */
function addNode(root, arch, range, scratch) {
  const spec = `node-linux-${arch}@${range}`;
  const dl = join(scratch, 'node-download');
  mkdirSync(dl, { recursive: true });
  const pack = spawnSync('npm', ['pack', spec, '--pack-destination', dl, '--json'], { cwd: scratch, encoding: 'utf8' });
  if (pack.status !== 0) {
    fail(`--with-node: could not fetch ${spec} from the npm registry:\n${pack.stderr.trim()}\nBuild without --with-node to make a package that uses the device's Node.js ${MIN_NODE_MAJOR}+.`);
  }
  const info = JSON.parse(pack.stdout)[0];
  const major = Number(String(info.version).split('.')[0]);
  if (!(major >= MIN_NODE_MAJOR)) fail(`--with-node: ${spec} resolved to Node.js ${info.version}; the agent needs ${MIN_NODE_MAJOR} or newer`);
  const untar = spawnSync('tar', ['-xzf', join(dl, info.filename), '-C', dl], { encoding: 'utf8' });
  if (untar.status !== 0) fail(`--with-node: cannot unpack ${info.filename}: ${untar.stderr}`);
  const binary = join(dl, 'package', 'bin', 'node');
  if (!existsSync(binary)) fail(`--with-node: ${info.filename} has no bin/node`);
  if (elfMachine(binary) !== ARCHES[arch].elfMachine) fail(`--with-node: ${info.filename}'s bin/node is not a linux-${arch} executable`);
  mkdirSync(join(root, 'node', 'bin'), { recursive: true });
  copyFileSync(binary, join(root, 'node', 'bin', 'node'));
  chmodSync(join(root, 'node', 'bin', 'node'), 0o755);
  const license = readdirSync(join(dl, 'package')).find((f) => /^licen[cs]e/i.test(f));
  if (license) copyFileSync(join(dl, 'package', license), join(root, 'node', 'LICENSE'));
  writeFileSync(join(root, 'node', 'VERSION'), `${info.version}\n`);
  return info.version;
}

/** The aws-crt native binding for linux-<arch> (glibc), from the aws-crt npm package (it ships all). */
function addCrtBinding(root, arch) {
  const from = join(project, 'node_modules', 'aws-crt', 'dist', 'bin', `linux-${arch}-glibc`, CRT_BINARY);
  if (!existsSync(from)) fail(`aws-crt has no linux-${arch}-glibc binding at ${from}: run npm ci`);
  if (elfMachine(from) !== ARCHES[arch].elfMachine) fail(`${from} is not a linux-${arch} binary`);
  copyFileSync(from, join(root, 'lib', CRT_BINARY));
}

/** Every directory 0755, every file 0644 unless listed as executable. */
function normaliseModes(dir, executables) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) normaliseModes(p, executables);
    else chmodSync(p, executables.has(p) ? 0o755 : 0o644);
  }
}

async function writeTarball(stage, file, epoch) {
  const tmp = `${file}.partial`;
  const tar = spawn('tar', ['--create', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${epoch}`, '--format=gnu', '-C', stage, 'opt'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((res) => tar.on('close', res));
  await pipeline(tar.stdout, createGzip({ level: 9 }), createWriteStream(tmp));
  const code = await exited;
  if (code !== 0) {
    rmSync(tmp, { force: true });
    fail(`tar failed (${code}): ${stderr}`);
  }
  renameSync(tmp, file);
}

async function main() {
  const { arch, withNode, nodeVersion, outDir } = options();
  const version = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).version;
  const scratch = mkdtempSync(join(tmpdir(), 'edge-agent-package-'));
  try {
    const stage = join(scratch, 'stage');
    const root = join(stage, 'opt', 'edge-agent');
    for (const d of ['bin', 'lib', 'share']) mkdirSync(join(root, d), { recursive: true });

    const { inputs } = await bundleAgent(join(root, 'lib'), { project, fail });
    writeFileSync(join(root, 'bin', 'edge-agent'), WRAPPER);
    addCrtBinding(root, arch);
    const share = {
      'edge-agent.service': 'systemd/edge-agent.service',
      'edge-agent-recover.service': 'systemd/edge-agent-recover.service',
      'edge-agent.env.example': 'systemd/edge-agent.env.example',
      'install-agent.sh': 'scripts/install-agent.sh',
      'uninstall-agent.sh': 'scripts/uninstall-agent.sh',
      'install.md': 'docs/install.md',
    };
    for (const [name, from] of Object.entries(share)) copyFileSync(join(project, from), join(root, 'share', name));
    writeFileSync(join(root, 'share', 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(inputs));
    writeFileSync(join(root, 'VERSION'), `${version}\n`);
    const node = withNode ? addNode(root, arch, nodeVersion, scratch) : undefined;

    const executables = new Set(['bin/edge-agent', 'share/install-agent.sh', 'share/uninstall-agent.sh', 'node/bin/node'].map((p) => join(root, p)));
    normaliseModes(stage, executables);
    mkdirSync(outDir, { recursive: true });
    const name = `edge-agent-${version}-linux-${arch}.tar.gz`;
    const file = join(outDir, name);
    await writeTarball(stage, file, sourceDateEpoch());
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    writeFileSync(`${file}.sha256`, `${sha}  ${name}\n`);
    const size = (statSync(file).size / 1024 / 1024).toFixed(1);
    const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
    process.stdout.write(`${shown}  ${size} MB  edge-agent ${version} linux-${arch}, Node.js: ${node ? `bundled ${node}` : `none bundled (the device needs Node.js ${MIN_NODE_MAJOR}+)`}\nsha256 ${sha}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`package-agent: ${e instanceof PackageError ? e.message : (e?.stack ?? e)}\n`);
  process.exitCode = 1;
});
