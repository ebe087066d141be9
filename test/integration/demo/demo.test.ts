// The README's first command, npm run demo (scripts/demo.ts), run from source: a sandbox, five real
// agent daemons reporting health over MQTT, a HalfAtATime deployment in which the health gate keeps
// the release off the wet pi-04 and pi-05's ValidateService fails, the shadows, and fleetctl status;
// then release v1.1.0 pushed with the real fleetctl and rolled out to the canary station (health
// gate, bake), the other stations (the same two refusing it, tolerated by the wave's gate) and three
// tenant accounts (stack, web files, gateway servers); then release v1.2.0, whose canary reports
// unhealthy: the rollout halts at the canary's health gate, rolls the canary back and exits 1.
// The demo removes its folder at the end (it runs with TMPDIR in a folder of this test's, which is
// left empty) and leaves no process.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, TSX_IMPORT } from '../../helpers/cli.js';
import { killGroupOf, processesUnder, trackGroup } from '../../helpers/process-groups.js';
import { tempDir } from '../../helpers/temp-dir.js';

// three parts, the second and third with eight fleetctl runs, each a tsx start-up, and a 20 s bake:
// minutes on a loaded machine
t.setTimeout(600_000);

t.test('npm run demo ends as expected: the gate, the shadows, fleetctl status, then the release and its rollout', async (t) => {
  const tmp = tempDir(t, 'demo-tmp');
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, join(PROJECT_ROOT, 'scripts', 'demo.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, EDGE_DEMO_FROM_SOURCE: '1', EDGE_DEMO_KEEP: '', TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackGroup(child);
  const timer = setTimeout(() => killGroupOf(child), 540_000);
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
  // the second part: the release pushed, planned and rolled out, wave by wave
  const release = 's3://pipeline-artifacts-111111111111/releases/air-quality/v1.1.0/';
  t.match(out, `$ fleetctl release push --version v1.1.0\nrelease air-quality v1.1.0: manifest created at ${release}release.json`);
  t.match(out, /device revision registered with CodeDeploy application air-quality/);
  const plan = /\$ fleetctl rollout plan --release v1\.1\.0\n([\s\S]*?)the rollout could run/.exec(out)?.[1] ?? '';
  t.match(plan, /wave canaries: 1 target\(s\)[\s\S]*stations@ring1 \[devices\][^\n]*ring 1 of 2/);
  t.match(plan, /gate device-health[\s\S]*bake: 20s[\s\S]*wave devices[\s\S]*wave tenants: 9 target\(s\), 3 at once/);
  t.match(out, '$ fleetctl rollout start --release v1.1.0\n');
  // the live view (plain lines: stderr is no terminal here), on stderr: in order within it
  t.match(out, /wave canaries: started\n {2}stations@ring1: deploying[\s\S]*wave canaries: gates passed \(deployed\)/);
  t.match(out, /wave canaries: gates passed \(baked\)\nwave canaries: passed\nwave devices: started\n {2}stations@ring2: deploying/);
  t.match(out, /wave devices: passed\nwave tenants: started[\s\S]*rollout succeeded/);
  t.match(out, /rollout air-quality@v1\.1\.0@production: SUCCEEDED\n {2}targets: 11 succeeded, 0 failed/);
  t.match(out, /Canary stations@ring1 \(d-\w+\): pi-01 took v1\.1\.0\n {2}gates deployed: device-health: 0 of 1 devices unhealthy/);
  t.match(out, /Then stations@ring2 \(d-\w+\): pi-02, pi-03 took v1\.1\.0; pi-04, pi-05 refused it/);
  t.match(out, /pi-01 is measuring with v1\.1\.0: \{"version":"1\.1\.0"/);
  for (const id of ['300000000000', '300000000001', '300000000002']) {
    t.match(out, `tenant ${id}: stack air-quality-alerts CREATE_COMPLETE at v1.1.0; s3://tenant-${id}-web/dashboard/: 3 objects`);
  }
  t.match(out, `The rollout's journal: ${release}rollouts/production/journal/\n`);
  t.match(out, /As expected: v1\.1\.0 rolled out to the canary, the other stations and all three tenant accounts\./);
  // the third part: v1.2.0 reaches the canary, fails its health gate, is rolled back; fleetctl exits 1
  t.match(out, '$ fleetctl release push --version v1.2.0\n');
  const bad = out.slice(out.indexOf('$ fleetctl rollout start --release v1.2.0\n'));
  t.match(bad, /wave canaries: gates FAILED[^\n]*device-health: 1 of 1 devices unhealthy/);
  t.match(out, /stations@ring1: rolling-back[\s\S]*stations@ring1: rolled-back[\s\S]*rollout halted/);
  t.match(out, '(fleetctl rollout start exited 1, as expected: the rollout halted)');
  t.match(out, /\$ fleetctl rollout status air-quality@v1\.2\.0@production\nrollout air-quality@v1\.2\.0@production: HALTED/);
  t.match(out, /unhealthy pi-01: unhealthy: [^\n]*pm25/);
  t.match(out, /rollback \(policy all\):\n {4}stations@ring1 +rolled back +deployment d-\w+/);
  t.match(out, /pi-01 is measuring with v1\.1\.0 again: \{"version":"1\.1\.0"[^\n]*"pm25":7\.1/);
  t.match(out, /v1\.2\.0 was deployed 1 time\(s\): d-\w+ to all-stations-ring1 Succeeded/);
  t.match(out, /As expected: v1\.2\.0 halted at its canary's health gate and pi-01 runs v1\.1\.0 again;\n/);
  t.match(out, 'no other station and no tenant saw v1.2.0.');
  const work = /everything lives in (\S+)/.exec(out)?.[1] ?? '';
  t.ok(work.startsWith(`${tmp}/edge-fleet-demo-`), `the demo worked in ${work}`);
  t.notOk(existsSync(work), 'the demo removed its folder');
  t.same(readdirSync(tmp).filter((e) => !/^tsx-\d+$/.test(e)), [], 'and left nothing else in the temp folder (but tsx\'s compile cache)');
  t.same(processesUnder(tmp), [], 'no agent or station still runs');
});
