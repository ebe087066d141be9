#!/usr/bin/env node
// npm run demo: two local deployments of the example air-quality revision into a temporary
// deployment root, showing ApplicationStop running from the first revision and the first
// revision's files cleaned up by the second Install. Needs a build (npm run build) first.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';

const here = dirname(fileURLToPath(import.meta.url));
const project = join(here, '..');
const agent = join(project, 'dist', 'agent', 'main.js');
const example = join(project, 'appspec', 'examples', 'air-quality');
const work = mkdtempSync(join(tmpdir(), 'edge-agent-demo-'));
const root = join(work, 'deployment-root');
const dest = join(work, 'opt', 'air-quality-station');

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

/** A copy of the example with its install destination moved into the demo's temp dir. */
async function makeRevision(version) {
  const dir = join(work, `revision-${version}`);
  cpSync(example, dir, { recursive: true });
  for (const file of ['appspec.yml', ...readdirSync(join(dir, 'scripts')).map((f) => join('scripts', f))]) {
    const p = join(dir, file);
    writeFileSync(p, readFileSync(p, 'utf8').replaceAll('/opt/air-quality-station', dest));
  }
  writeFileSync(join(dir, 'app', 'VERSION'), `${version}\n`);
  writeFileSync(join(dir, 'app', `calibration-${version}.json`), JSON.stringify({ version, pm25Offset: 0.4 }) + '\n');
  const bundle = join(work, `air-quality-${version}.tgz`);
  await create({ gzip: true, file: bundle, cwd: dir, portable: true }, ['.']);
  return bundle;
}

function deploy(bundle, version) {
  say(`\n$ edge-agent deploy -l ${relative(work, bundle)} -t tgz -a air-quality -g air-quality-pi-fleet --root-dir ${relative(work, root)}   # ${version}`);
  const res = spawnSync(process.execPath, [agent, 'deploy', '-l', bundle, '-t', 'tgz', '-a', 'air-quality', '-d', 'pi-fleet', '-g', 'air-quality-pi-fleet', '--root-dir', root], { encoding: 'utf8' });
  process.stdout.write(res.stdout.replace(/^/gm, '  '));
  if (res.stderr) process.stderr.write(res.stderr);
  if (res.status !== 0) throw new Error(`deployment of ${version} failed (exit ${res.status})`);
  const folder = /within folder (\S+)/.exec(res.stdout)?.[1];
  return folder;
}

function stopStation() {
  const pidfile = join(dest, 'station.pid');
  if (existsSync(pidfile)) {
    try {
      process.kill(Number(readFileSync(pidfile, 'utf8')));
    } catch {
      // already gone
    }
  }
}

if (!existsSync(agent)) {
  say('dist/agent/main.js is missing: run npm run build first');
  process.exit(2);
}
say(`Demo folder: ${work}`);
try {
  const v1 = await makeRevision('1.0.0');
  const v2 = await makeRevision('1.1.0');
  deploy(v1, 'first revision');
  say(`\nInstalled files: ${readdirSync(dest).sort().join(', ')}`);
  const second = deploy(v2, 'second revision');
  say(`\nInstalled files: ${readdirSync(dest).sort().join(', ')}`);
  say('  calibration-1.0.0.json is gone: the second Install replayed the first one\'s cleanup file.');
  const log = readFileSync(join(second, 'logs', 'scripts.log'), 'utf8').split('\n');
  const stop = log.findIndex((l) => l.includes('LifecycleEvent - ApplicationStop'));
  say('\nApplicationStop of the second deployment ran the FIRST revision\'s script (from scripts.log):');
  for (const l of log.slice(stop, stop + 3)) say(`  ${l}`);
  say(`\nReading from the running station: ${readFileSync(join(dest, 'readings.json'), 'utf8').trim()}`);
  say(`\nDeployment root: ${root}`);
  for (const f of readdirSync(join(root, 'deployment-instructions')).sort()) say(`  deployment-instructions/${f}`);
} finally {
  stopStation();
}
