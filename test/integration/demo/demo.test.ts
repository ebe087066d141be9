// The README's first command, npm run demo (scripts/demo.ts), run from source: a sandbox, five real
// agent daemons reporting health over MQTT, a HalfAtATime deployment in which the health gate keeps
// the release off the wet pi-04 and pi-05's ValidateService fails, the shadows, and fleetctl status.
import t from 'tap';
import { join } from 'node:path';
import { PROJECT_ROOT, TSX_IMPORT } from '../../helpers/cli.js';
import { execFile } from 'node:child_process';

t.test('npm run demo ends as expected and shows the gate, the shadows and fleetctl status', async (t) => {
  const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = execFile(process.execPath, ['--import', TSX_IMPORT, join(PROJECT_ROOT, 'scripts', 'demo.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, EDGE_DEMO_FROM_SOURCE: '1' },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
  t.equal(result.code, 0, result.out);
  t.match(result.out, /As expected: 3 stations updated; the health gate kept the release off wet pi-04/);
  t.match(result.out, /pi-04: Failed\n.*DownloadBundle FAILED[\s\S]*UnknownError in edge-agent health gate: Health gate: the device is unhealthy[\s\S]*enclosure_humidity \[fail\]: 97% is above the limit of 90%/);
  t.match(result.out, /pi-05: Failed\n.*ValidateService FAILED\n.*ScriptFailed in scripts\/testSensors\.sh/);
  t.match(result.out, /pi-04: health unhealthy \(enclosure 97 %[^\n]*\), last command DownloadBundle Failed/);
  // on a busy machine cpu_load warns, so the dry stations may read degraded: never unhealthy
  t.match(result.out, /pi-05: health (healthy|degraded) [^\n]*, last command ValidateService Failed/);
  t.match(result.out, /\$ fleetctl status\nDEVICE +STATUS[\s\S]*pi-04 +Registered +fleet=air-quality,site=park +d-\w+ Failed +unhealthy \([^)]*enclosure_humidity[^)]*\)/);
  t.match(result.out, /5 devices/);
});
