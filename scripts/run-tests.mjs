#!/usr/bin/env node
// Runs tap (arguments passed through) inside a fresh temp folder and proves the run left nothing:
// TMPDIR points at `<system temp>/edge-fleet-tests-XXXXXX` for tap and every test process, so all
// temp folders the tests make land there. After tap exits, anything still in that folder (besides
// tsx's compile cache), any process still running with that TMPDIR, and any file written under
// /var/log/edge-agent during the run are leftovers: they are listed, the processes killed, the
// folder removed, and the run fails. npm test, test:unit and test:integration all come through here.
// tsx's compile cache in the run folder is a link to the one tsx keeps outside runs, so modules are
// not compiled again on every run. `--batch[=N]` (test:unit) runs up to N test files per process
// (scripts/test-batches.mjs, scripts/tap-batch-run.mjs): each process costs about 1.3 s of CPU
// before its first test, more than most unit test files take to run.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { batchEntry, batchFileName, expandTestPaths, perFileTimeout, planBatches, splitArgs } from './test-batches.mjs';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the agent writes by default: a test must always pass its own log_dir. */
export const HOST_LOG_DIR = '/var/log/edge-agent';
/**
 * Entries tools (not tests) keep in TMPDIR while they run: tsx's compile cache, and the compile cache
 * of tap's plugin build (ts-node's v8-compile-cache), which the first run after `npm ci` makes when
 * it rebuilds tap's Test class for the plugins .taprc names.
 */
const TOOL_ENTRY = /^(tsx|v8-compile-cache)-\d+$/;

/** Files under `dir` (recursively) with their modification time in ms; empty when it does not exist. */
export function listFiles(dir) {
  const out = new Map();
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        try {
          out.set(p, statSync(p).mtimeMs);
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  walk(dir);
  return out;
}

/** Files that are new or changed in `after` compared with `before` (listFiles results). */
export function changedFiles(before, after) {
  return [...after].filter(([p, mtime]) => before.get(p) !== mtime).map(([p]) => p).sort();
}

/** Entries of the run's temp folder that tests left (tool caches excepted). */
export function leftoverEntries(runDir) {
  return existsSync(runDir) ? readdirSync(runDir).filter((name) => !TOOL_ENTRY.test(name)).sort().map((name) => join(runDir, name)) : [];
}

/** Processes (other than this one) whose environment has TMPDIR=runDir: started by the run. */
export function processesOfRun(runDir, self = process.pid) {
  const needle = Buffer.from(`\0TMPDIR=${runDir}\0`);
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === self) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`), Buffer.from([0])]);
      if (!env.includes(needle)) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let cwd = '?';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // exited, or a zombie
      }
      found.push({ pid: Number(name), cmdline, cwd });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

/** Kills the processes, then lists and removes what the run left; returns the report lines. */
export function collectLeftovers(runDir, logBefore, logDir = HOST_LOG_DIR) {
  const lines = [];
  for (const p of processesOfRun(runDir)) {
    lines.push(`process ${p.pid} (cwd ${p.cwd}): ${p.cmdline.slice(0, 200)}`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const entry of leftoverEntries(runDir)) lines.push(`temp folder entry ${entry}`);
  for (const file of changedFiles(logBefore, listFiles(logDir))) lines.push(`file written outside the temp folders: ${file}`);
  return lines;
}

/**
 * tsx keeps its compile cache in `<TMPDIR>/tsx-<euid>`, so a run's fresh TMPDIR would start it empty
 * and every run would compile every module again. The run folder gets a link to the cache tsx uses
 * outside runs (`<system temp>/tsx-<euid>`; entries are keyed by a hash of source, path and tool
 * versions, so sharing is safe), provided it is a folder of this user's that nobody else may write;
 * otherwise (undefined) the run keeps a cache of its own.
 */
export function linkCompileCache(runDir, systemTmp, euid = process.geteuid()) {
  const name = `tsx-${euid}`;
  const cache = join(systemTmp, name);
  try {
    mkdirSync(cache, { mode: 0o700 });
  } catch (e) {
    if (e.code !== 'EEXIST') return undefined;
  }
  const st = lstatSync(cache);
  if (!st.isDirectory() || st.uid !== euid || (st.mode & 0o022) !== 0) return undefined;
  symlinkSync(cache, join(runDir, name));
  return cache;
}

/**
 * `--batch[=N]`: tap's arguments with the test files grouped into processes of up to N files, each
 * run by an entry written to `batchDir` (see scripts/tap-batch-run.mjs); each file keeps its own
 * timeout and the process gets the sum. Without --batch, `args` unchanged.
 */
export function batchArgs(args, batchDir, root = PROJECT) {
  const { batchSize, paths, options } = splitArgs(args, (p) => existsSync(resolve(root, p)));
  if (batchSize === undefined) return args;
  if (paths.length === 0) throw new Error('--batch needs the test files, folders or globs to run');
  const files = expandTestPaths(paths, root);
  if (files.length === 0) throw new Error(`no test files match ${paths.join(' ')}`);
  const batches = planBatches(files, batchSize, (f) => readFileSync(join(root, f), 'utf8'));
  let taprc = '';
  try {
    taprc = readFileSync(join(root, '.taprc'), 'utf8');
  } catch {
    // no .taprc: tap's defaults
  }
  const timeout = perFileTimeout(options, taprc);
  const runner = join(PROJECT, 'scripts', 'tap-batch-run.mjs');
  const entries = batches.map((batch, i) => {
    if (batch.length === 1) return batch[0];
    const entry = join(batchDir, batchFileName(batch, i));
    writeFileSync(entry, batchEntry(batch, { root, runner, timeoutMs: timeout * 1000 }));
    return entry;
  });
  const longest = Math.max(...batches.map((b) => b.length));
  return [...options, ...(timeout > 0 ? [`--timeout=${timeout * longest}`] : []), ...entries];
}

/** A fresh folder for batch entry files under `<project>/.tap`. */
function batchFolder() {
  const tapDir = join(PROJECT, '.tap');
  mkdirSync(tapDir, { recursive: true });
  return mkdtempSync(join(tapDir, 'edge-fleet-batches-'));
}

function main(args) {
  const systemTmp = tmpdir();
  const runDir = mkdtempSync(join(systemTmp, 'edge-fleet-tests-'));
  // only a --batch run writes entry files: inside the project's .tap, because tap keeps each test
  // file's output at `.tap/test-results/<its path from the project>`, which for a file outside the
  // project climbs out of .tap (and can land outside the project)
  const batchDir = args.some((a) => /^--batch(=\d+)?$/.test(a)) ? batchFolder() : undefined;
  const cleanUp = () => {
    rmSync(runDir, { recursive: true, force: true });
    if (batchDir) rmSync(batchDir, { recursive: true, force: true });
  };
  let tapArgs;
  try {
    linkCompileCache(runDir, systemTmp);
    tapArgs = batchArgs(args, batchDir);
  } catch (e) {
    process.stderr.write(`run-tests: ${e.message}\n`);
    cleanUp();
    process.exitCode = 2;
    return;
  }
  const logBefore = listFiles(HOST_LOG_DIR);
  const tap = join(PROJECT, 'node_modules', '.bin', 'tap');
  const child = spawn(tap, tapArgs, { cwd: PROJECT, stdio: 'inherit', env: { ...process.env, TMPDIR: runDir } });
  child.on('error', (e) => {
    process.stderr.write(`run-tests: cannot start tap (${tap}): ${e.message}; run npm ci first\n`);
    cleanUp();
    process.exitCode = 1;
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('close', (code, signal) => {
    const lines = collectLeftovers(runDir, logBefore);
    cleanUp();
    if (lines.length > 0) {
      process.stderr.write(`\nleftovers: the test run left ${lines.length} thing(s) behind (now killed or removed):\n`);
      for (const line of lines) process.stderr.write(`  ${line}\n`);
    }
    const tapCode = code ?? (signal ? 1 : 0);
    process.exitCode = tapCode !== 0 ? tapCode : lines.length > 0 ? 1 : 0;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
