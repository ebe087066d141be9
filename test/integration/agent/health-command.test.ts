// `edge-agent health` as a real child process: exit 0 healthy, 1 unhealthy, 2 probe error or bad
// configuration; --json; the config from EDGE_AGENT_CONFIG (what the agent exports to hooks).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runAgent } from '../../helpers/cli.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';

function device(t: Teardowns, tempMilliC: number): { dir: string; config: string } {
  const dir = tempDir(t, 'health-cli');
  const zone = join(dir, 'sys', 'class', 'thermal', 'thermal_zone0');
  mkdirSync(zone, { recursive: true });
  writeFileSync(join(zone, 'type'), 'cpu-thermal\n');
  writeFileSync(join(zone, 'temp'), `${tempMilliC}\n`);
  writeFileSync(join(dir, 'readings.json'), '{"humidity": 48}');
  const config = join(dir, 'agent.yml');
  writeFileSync(
    config,
    [
      `root_dir: ${join(dir, 'root')}`,
      'health:',
      `  sys_root: ${dir}`,
      '  checks:',
      `    humidity: { type: file, path: ${join(dir, 'readings.json')}, field: humidity, fail_above: 100 }`,
      `    pm25: { type: file, path: ${join(dir, 'missing.json')}, field: pm25 }`,
      '',
    ].join('\n'),
  );
  return { dir, config };
}

const env = { ...process.env, PATH: process.env['PATH'] ?? '', EDGE_AGENT_CONFIG: '' };

t.test('exit 0: healthy, human output', async (t) => {
  const d = device(t, 45_000);
  const r = await runAgent(['health', '-c', d.config, '--check', 'cpu_temperature', '--check', 'humidity'], env);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^health: healthy \(2 checks/);
  t.match(r.stdout, /ok\s+cpu_temperature\s+45 °C/);
  t.match(r.stdout, /ok\s+humidity\s+48/);
});

t.test('exit 1: a check fails, with the value and the threshold', async (t) => {
  const d = device(t, 86_000);
  const r = await runAgent(['health', '-c', d.config, '--check', 'cpu_temperature,humidity', '--json'], env);
  t.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { verdict: string; checks: { name: string; status: string; reason?: string }[] };
  t.equal(report.verdict, 'unhealthy');
  t.match(report.checks, [{ name: 'cpu_temperature', status: 'fail', reason: '86 °C is above the limit of 80 °C (fail_above)' }, { name: 'humidity', status: 'ok' }]);
});

t.test('exit 2: a probe cannot read; an unknown check; a bad config', async (t) => {
  const d = device(t, 45_000);
  const missing = await runAgent(['health', '-c', d.config, '--check', 'pm25,humidity'], env);
  t.equal(missing.code, 2);
  t.match(missing.stdout, /ERROR\s+pm25\s+-\s+no reading: .*missing.json does not exist/);
  const unknown = await runAgent(['health', '-c', d.config, '--check', 'dht22'], env);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /no health check named dht22 is configured; configured checks: .*humidity, pm25 \[HEALTH_CHECK_UNKNOWN\]/);
  writeFileSync(join(d.dir, 'bad.yml'), 'health:\n  gate: { fail_on: maybe }\n');
  const bad = await runAgent(['health', '-c', join(d.dir, 'bad.yml')], env);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /config key health.gate.fail_on: expected unhealthy or degraded/);
});

t.test('EDGE_AGENT_CONFIG and a checks file (-f), as hooks use them', async (t) => {
  const d = device(t, 45_000);
  writeFileSync(join(d.dir, 'checks.yml'), `checks:\n  humidity_strict: { type: file, path: ${join(d.dir, 'readings.json')}, field: humidity, fail_above: 40 }\n`);
  const r = await runAgent(['health', '-f', join(d.dir, 'checks.yml'), '--check', 'humidity_strict,cpu_temperature'], { ...env, EDGE_AGENT_CONFIG: d.config });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /FAIL\s+humidity_strict\s+48\s+48 is above the limit of 40 \(fail_above\)/);
  t.match(r.stdout, /ok\s+cpu_temperature\s+45 °C/, 'sys_root came from the config named by EDGE_AGENT_CONFIG');
  const noFile = await runAgent(['health', '-f', join(d.dir, 'nope.yml')], { ...env, EDGE_AGENT_CONFIG: d.config });
  t.equal(noFile.code, 2);
  t.match(noFile.stderr, /checks file .*nope.yml does not exist/);
});
