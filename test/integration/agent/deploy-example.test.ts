// The example air-quality revision, confined to a scratch folder: deploying it twice and stopping
// it (its ApplicationStop, through `edge-agent deploy -e ApplicationStop`) leaves no process and no
// file outside that folder; `npm run demo:local` (scripts/demo-local.mjs) does the same and removes its folder.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confineExample, EXAMPLE_INSTALL_DIR } from '../../../scripts/confine-example.mjs';
import { PROJECT_ROOT, spawnCli, TSX_IMPORT, type CliResult } from '../../helpers/cli.js';
import { killProcessesUnder, processesUnder, trackGroup } from '../../helpers/process-groups.js';

const TIMEOUT_MS = 240_000;

function finish(child: ReturnType<typeof spawn>, what: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish in ${TIMEOUT_MS} ms\n${stdout}\n${stderr}`));
    }, TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `edge-agent deploy` working in `cwd` (where hooks work, as on a device). */
const deployIn = (cwd: string, args: readonly string[]): Promise<CliResult> =>
  finish(spawnCli('agent', ['deploy', ...args], process.env, cwd), 'edge-agent deploy');

/** Processes anywhere whose command line names `dir` (a station started from there). */
function processesNaming(dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .filter((n) => {
      try {
        return readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

const LONG = { timeout: TIMEOUT_MS * 2 };

t.test('two confined deployments of the example, then its ApplicationStop: nothing left running or outside', LONG, async (t) => {
  const scratch = t.testdir();
  t.teardown(() => void killProcessesUnder(scratch));
  const optBefore = existsSync(EXAMPLE_INSTALL_DIR);
  const dest = join(scratch, 'opt', 'air-quality-station');
  const rev = confineExample(join(scratch, 'revision'), dest);
  t.throws(() => confineExample(join(scratch, 'revision'), dest), 'never writes into an existing folder');
  t.throws(() => confineExample(join(scratch, 'other'), `${dest}\nx`), /use a plain path/);
  for (const f of ['appspec.yml', 'scripts/station-lib.sh', 'scripts/health-checks.yml']) {
    const text = readFileSync(join(rev, f), 'utf8');
    t.notMatch(text.replaceAll(dest, ''), EXAMPLE_INSTALL_DIR, `${f}: no /opt path left`);
    t.match(text, dest, `${f}: installs into the scratch folder`);
  }
  const common = ['-l', rev, '-a', 'air-quality', '-g', 'pi-fleet', '--root-dir', join(scratch, 'root')];
  const pidfile = join(dest, 'station.pid');

  const first = await deployIn(scratch, common);
  t.equal(first.code, 0, first.stdout + first.stderr);
  const pid1 = Number(readFileSync(pidfile, 'utf8'));
  t.ok(alive(pid1), 'the first station runs');
  t.ok(processesUnder(scratch).includes(pid1), 'it works inside the scratch folder');

  writeFileSync(join(rev, 'app', 'VERSION'), '1.1.0\n');
  const second = await deployIn(scratch, common);
  t.equal(second.code, 0, second.stdout + second.stderr);
  const pid2 = Number(readFileSync(pidfile, 'utf8'));
  t.not(pid2, pid1);
  t.notOk(alive(pid1), "the second deployment's ApplicationStop stopped the first station");
  t.same(processesUnder(scratch).filter((p) => p !== pid2 && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('station.sh')), [], 'one station');
  const secondId = /within folder \S+\/(d-\S+)/.exec(second.stdout)?.[1] ?? '';
  const log2 = readFileSync(join(scratch, 'root', 'pi-fleet', secondId, 'logs', 'scripts.log'), 'utf8');
  t.match(log2, `[stdout]stopping station 1.0.0 (pid ${pid1}, process group ${pid1})`);

  // stop: the installed revision's ApplicationStop (DownloadBundle and Install follow; ApplicationStart is not run)
  const stop = await deployIn(scratch, [...common, '-e', 'ApplicationStop']);
  t.equal(stop.code, 0, stop.stdout + stop.stderr);
  t.match(stop.stdout, /ApplicationStop: succeeded\n {2}DownloadBundle: succeeded\n {2}Install: succeeded\n/);
  t.notOk(alive(pid2), 'the station is stopped');
  t.same(processesUnder(scratch), [], 'no process works in the scratch folder');
  t.same(processesNaming(scratch), [], 'no process started from it runs anywhere');
  t.notOk(existsSync(pidfile), 'its pid file is gone');

  // every path the agent installed or recorded is inside the scratch folder
  const instructions = readFileSync(join(scratch, 'root', 'deployment-instructions', 'pi-fleet-install.json'), 'utf8');
  for (const path of instructions.match(/"\/[^"]*"/g) ?? []) t.ok(JSON.parse(path).startsWith(scratch + '/'), `${path} is inside`);
  t.equal(existsSync(EXAMPLE_INSTALL_DIR), optBefore, `${EXAMPLE_INSTALL_DIR} untouched`);
});

t.test('npm run demo:local stops its station and removes its folder unless --keep', LONG, async (t) => {
  const scratch = t.testdir();
  t.teardown(() => void killProcessesUnder(scratch));
  const demo = (args: string[]): Promise<CliResult> => {
    const script = [join(PROJECT_ROOT, 'scripts', 'demo-local.mjs'), '--agent', join(PROJECT_ROOT, 'agent', 'main.ts')];
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, ...script, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TMPDIR: scratch },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackGroup(child);
    return finish(child, 'demo-local');
  };
  const demoDirs = (): string[] => readdirSync(scratch).filter((n) => n.startsWith('edge-agent-demo-'));

  const run = await demo([]);
  t.equal(run.code, 0, run.stdout + run.stderr);
  const folder = /^Demo folder: (\S+) \(removed afterwards; pass --keep to keep it\)$/m.exec(run.stdout)?.[1] ?? 'missing';
  t.ok(folder.startsWith(join(scratch, 'edge-agent-demo-')), 'says where its folder is');
  t.match(run.stdout, /\[stdout\]stopping station 1\.0\.0 \(pid \d+/, 'the second deployment stopped the first station');
  t.match(run.stdout, /stop_station\.sh {3}# the last revision's ApplicationStop\n {2}stopping station 1\.1\.0 \(pid \d+/);
  t.match(run.stdout, `Removed the demo folder ${folder}`);
  t.notOk(existsSync(folder), 'folder removed');
  t.same(demoDirs(), []);
  t.same(processesUnder(scratch), [], 'nothing left running');

  const kept = await demo(['--keep']);
  t.equal(kept.code, 0, kept.stdout + kept.stderr);
  const keptFolder = /^Kept the demo folder: (\S+)$/m.exec(kept.stdout)?.[1] ?? 'missing';
  t.ok(existsSync(join(keptFolder, 'deployment-root')), 'kept, with its deployment root');
  t.notOk(existsSync(join(keptFolder, 'opt', 'air-quality-station', 'station.pid')), 'the station was stopped');
  t.same(processesUnder(scratch), [], 'nothing left running');
});
