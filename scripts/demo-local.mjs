#!/usr/bin/env node
// npm run demo:local: two local deployments of the example air-quality revision into a temporary
// folder, showing ApplicationStop running from the first revision and the first revision's files
// cleaned up by the second Install. Everything happens inside that folder: the revision is a copy
// confined to it (scripts/confine-example.mjs), the station is stopped by the installed revision's
// own ApplicationStop script at the end, and the folder is removed unless --keep is given.
//   npm run demo:local [-- --keep]          (needs a build: npm run build, which demo:local runs)
//   node --import tsx scripts/demo-local.mjs --agent agent/main.ts   (from the sources)
// The agent runs with this process's node options, so the second form needs no build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { create } from 'tar';
import { confineExample } from './confine-example.mjs';

const project = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({ options: { keep: { type: 'boolean', default: false }, agent: { type: 'string' } } });
const agent = resolve(flags.agent ?? join(project, 'dist', 'agent', 'main.js'));
const say = (line = '') => void process.stdout.write(`${line}\n`);
/** This process's node options for the agent; a bare --import (e.g. tsx) resolved here, as the agent runs elsewhere. */
const bare = (spec) => !/^[./]/.test(spec) && !spec.includes(':');
const nodeArgs = process.execArgv.map((arg, i, all) => {
  if (all[i - 1] === '--import' && bare(arg)) return import.meta.resolve(arg);
  const inline = /^--import=(.+)$/.exec(arg)?.[1];
  return inline && bare(inline) ? `--import=${import.meta.resolve(inline)}` : arg;
});

if (!existsSync(agent)) {
  say(`${relative(project, agent)} is missing: run npm run build first`);
  process.exit(2);
}
// Ctrl-C reaches the agent too (same terminal); it stops its hook, and the cleanup below still runs
process.on('SIGINT', () => say('\ninterrupted: cleaning up'));

const work = mkdtempSync(join(tmpdir(), 'edge-agent-demo-'));
const root = join(work, 'deployment-root');
const dest = join(work, 'opt', 'air-quality-station');
say(`Demo folder: ${work}${flags.keep ? ' (kept afterwards: --keep)' : ' (removed afterwards; pass --keep to keep it)'}`);

/** A copy of the example installing into the demo folder, as a tgz bundle. */
async function makeRevision(version) {
  const dir = confineExample(join(work, `revision-${version}`), dest);
  writeFileSync(join(dir, 'app', 'VERSION'), `${version}\n`);
  writeFileSync(join(dir, 'app', `calibration-${version}.json`), JSON.stringify({ version, pm25Offset: 0.4 }) + '\n');
  const bundle = join(work, `air-quality-${version}.tgz`);
  await create({ gzip: true, file: bundle, cwd: dir, portable: true }, ['.']);
  return bundle;
}

function deploy(bundle, version) {
  const args = ['deploy', '-l', bundle, '-t', 'tgz', '-a', 'air-quality', '-d', 'pi-fleet', '-g', 'air-quality-pi-fleet', '--root-dir', root];
  const shown = `-l ${relative(work, bundle)} -t tgz -a air-quality -g air-quality-pi-fleet --root-dir ${relative(work, root)}`;
  say(`\n$ edge-agent deploy ${shown}   # ${version}`);
  // hooks work in the agent's working directory: the demo folder
  const res = spawnSync(process.execPath, [...nodeArgs, agent, ...args], { cwd: work, encoding: 'utf8' });
  process.stdout.write(`${res.stdout.trimEnd().replace(/^/gm, '  ')}\n`);
  if (res.stderr) process.stderr.write(res.stderr);
  if (res.status !== 0) throw new Error(`deployment of ${version} failed (exit ${res.status ?? res.signal})`);
  return /within folder (\S+)/.exec(res.stdout)?.[1];
}

/** Stops the station the way the next deployment's ApplicationStop would: the installed revision's stop script. */
function stopStation() {
  const pointer = join(root, 'deployment-instructions', 'air-quality-pi-fleet_last_successful_install');
  if (!existsSync(pointer)) return;
  const script = join(readFileSync(pointer, 'utf8').trim(), 'deployment-archive', 'scripts', 'stop_station.sh');
  say(`\n$ sh ${relative(work, script)}   # the last revision's ApplicationStop`);
  const res = spawnSync('sh', [script], { cwd: work, encoding: 'utf8' });
  process.stdout.write(`${`${res.stdout}${res.stderr}`.trimEnd().replace(/^/gm, '  ')}\n`);
}

/** Processes still working in the demo folder (none, once the station is stopped). */
function leftovers() {
  const found = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)) {
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd === work || cwd.startsWith(work + sep)) found.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

let failed = false;
try {
  const v1 = await makeRevision('1.0.0');
  const v2 = await makeRevision('1.1.0');
  deploy(v1, 'first revision');
  say(`\nInstalled files: ${readdirSync(dest).sort().join(', ')}`);
  const second = deploy(v2, 'second revision');
  say(`\nInstalled files: ${readdirSync(dest).sort().join(', ')}`);
  say("  calibration-1.0.0.json is gone: the second Install replayed the first one's cleanup file.");
  const log = readFileSync(join(second, 'logs', 'scripts.log'), 'utf8').split('\n');
  const stop = log.findIndex((l) => l.includes('LifecycleEvent - ApplicationStop'));
  say("\nApplicationStop of the second deployment ran the FIRST revision's script (from scripts.log):");
  for (const l of log.slice(stop, stop + 3)) say(`  ${l}`);
  say(`\nReading from the running station: ${readFileSync(join(dest, 'readings.json'), 'utf8').trim()}`);
  say(`\nDeployment root: ${root}`);
  for (const f of readdirSync(join(root, 'deployment-instructions')).sort()) say(`  deployment-instructions/${f}`);
} catch (e) {
  failed = true;
  process.stderr.write(`demo failed: ${e.message}\n`);
} finally {
  stopStation();
  const left = leftovers();
  if (left.length > 0) {
    failed = true;
    process.stderr.write(`processes left in the demo folder after ApplicationStop (killed now): ${left.join(', ')}\n`);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  if (flags.keep) say(`\nKept the demo folder: ${work}`);
  else {
    rmSync(work, { recursive: true, force: true });
    say(`\nRemoved the demo folder ${work}`);
  }
}
process.exitCode = failed ? 1 : 0;
