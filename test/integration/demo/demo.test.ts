// The README's first command, npm run demo (scripts/demo.ts), run from source: a sandbox, five real
// agent daemons reporting health over MQTT, a HalfAtATime deployment in which the health gate keeps
// the release off the wet pi-04 and pi-05's ValidateService fails, the shadows, and fleetctl status.
// The demo removes its folder at the end (it runs with TMPDIR in a folder of this test's, which is
// left empty) and leaves no process.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, TSX_IMPORT } from '../../helpers/cli.js';
import { killGroupOf, processesUnder, trackGroup } from '../../helpers/process-groups.js';
import { tempDir } from '../../helpers/temp-dir.js';

t.test('npm run demo ends as expected and shows the gate, the shadows and fleetctl status', async (t) => {
  const tmp = tempDir(t, 'demo-tmp');
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, join(PROJECT_ROOT, 'scripts', 'demo.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, EDGE_DEMO_FROM_SOURCE: '1', EDGE_DEMO_KEEP: '', TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackGroup(child);
  const timer = setTimeout(() => killGroupOf(child), 300_000);
  t.teardown(() => clearTimeout(timer));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, out);
  t.match(out, /As expected: 3 stations updated; the health gate kept the release off wet pi-04/);
  t.match(out, /pi-04: Failed\n.*DownloadBundle FAILED[\s\S]*UnknownError in edge-agent health gate: Health gate: the device is unhealthy[\s\S]*enclosure_humidity \[fail\]: 97% is above the limit of 90%/);
  t.match(out, /pi-05: Failed\n.*ValidateService FAILED\n.*ScriptFailed in scripts\/testSensors\.sh/);
  t.match(out, /pi-04: health unhealthy \(enclosure 97 %[^\n]*\), last command DownloadBundle Failed/);
  // on a busy machine cpu_load warns, so the dry stations may read degraded: never unhealthy
  t.match(out, /pi-05: health (healthy|degraded) [^\n]*, last command ValidateService Failed/);
  t.match(out, /\$ fleetctl status\nDEVICE +STATUS[\s\S]*pi-04 +Registered +fleet=air-quality,site=park +d-\w+ Failed +unhealthy \([^)]*enclosure_humidity[^)]*\)/);
  t.match(out, /5 devices/);
  const work = /everything lives in (\S+)/.exec(out)?.[1] ?? '';
  t.ok(work.startsWith(`${tmp}/edge-fleet-demo-`), `the demo worked in ${work}`);
  t.notOk(existsSync(work), 'the demo removed its folder');
  t.same(readdirSync(tmp).filter((e) => !/^tsx-\d+$/.test(e)), [], 'and left nothing else in the temp folder (but tsx\'s compile cache)');
  t.same(processesUnder(tmp), [], 'no agent or station still runs');
});
