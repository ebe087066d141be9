// The install scripts pass shellcheck, the systemd units pass `systemd-analyze verify`, and the
// unit keeps the stop/restart contract the daemon relies on. Both tools are required: .ci/run
// installs them (apt packages shellcheck and systemd); a machine without them fails here.
import t from 'tap';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALL_SCRIPT, output, PROJECT_ROOT, run, tempDir, UNINSTALL_SCRIPT, which } from './helpers.js';

const UNIT = join(PROJECT_ROOT, 'systemd', 'edge-agent.service');
const RECOVER_UNIT = join(PROJECT_ROOT, 'systemd', 'edge-agent-recover.service');

t.test('shellcheck: install-agent.sh and uninstall-agent.sh', async (t) => {
  if (!which('shellcheck')) {
    t.fail('shellcheck is not installed; .ci/run installs it (apt-get install shellcheck)');
    return;
  }
  const r = run('shellcheck', ['-f', 'gcc', INSTALL_SCRIPT, UNINSTALL_SCRIPT]);
  t.equal(r.code, 0, `shellcheck findings:\n${r.stdout}${r.stderr}`);
});

t.test('systemd-analyze verify: edge-agent.service and edge-agent-recover.service', async (t) => {
  if (!which('systemd-analyze')) {
    t.fail('systemd-analyze is not installed; .ci/run installs it (apt-get install systemd)');
    return;
  }
  // verify insists that ExecStart programs exist on this host: point them at a stand-in
  const dir = tempDir(t, 'units');
  const launcher = join(dir, 'edge-agent');
  writeFileSync(launcher, '#!/bin/sh\nexit 0\n');
  chmodSync(launcher, 0o755);
  writeFileSync(join(dir, 'edge-agent.service'), readFileSync(UNIT, 'utf8').replaceAll('/opt/edge-agent/bin/edge-agent', launcher));
  copyFileSync(RECOVER_UNIT, join(dir, 'edge-agent-recover.service'));
  const r = run('systemd-analyze', ['verify', '--man=no', join(dir, 'edge-agent.service'), join(dir, 'edge-agent-recover.service')]);
  t.equal(r.code, 0, output(r));
  // unknown keys and bad values are only warnings (exit 0): any output is a finding
  t.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no warnings');
});

/** [Section] → key → values (a key may repeat), comments dropped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1] as string, current);
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

t.test('edge-agent.service keeps the contract the daemon relies on', async (t) => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  const service = unit.get('Service') ?? new Map<string, string[]>();
  const one = (key: string): string | undefined => service.get(key)?.at(-1);
  t.equal(one('Type'), 'simple');
  t.same(service.get('ExecStartPre'), ['/opt/edge-agent/bin/edge-agent check-config'], 'config validated before start');
  t.same(service.get('ExecStart'), ['/opt/edge-agent/bin/edge-agent run']);
  t.equal(one('Restart'), 'on-failure');
  t.ok(one('RestartSec'), 'RestartSec set');
  t.ok(unit.get('Unit')?.get('StartLimitBurst') && unit.get('Unit')?.get('StartLimitIntervalSec'), 'start limit set in [Unit]');
  t.same(unit.get('Unit')?.get('OnFailure'), ['edge-agent-recover.service'], 'second-level back-off');
  t.equal(one('KillMode'), 'mixed', 'SIGTERM to the agent only, SIGKILL to the cgroup at the end');
  t.ok(Number(one('TimeoutStopSec')) >= 7200 + 60, `TimeoutStopSec ${one('TimeoutStopSec')} leaves a margin over kill_agent_max_wait_time_seconds (7200)`);
  t.ok(service.get('Environment')?.some((e) => /^"?EDGE_AGENT_NODE_ARGS=.*--max-semi-space-size=1/.test(e)), 'node options for the agent only');
  t.notOk(service.get('Environment')?.some((e) => e.startsWith('NODE_OPTIONS=')), 'no NODE_OPTIONS: hooks would inherit it');
  t.same(service.get('EnvironmentFile'), ['-/etc/edge-agent/edge-agent.env']);
  for (const key of ['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'ProtectClock', 'ProtectKernelModules', 'ProtectKernelTunables', 'SystemCallArchitectures', 'RestrictSUIDSGID', 'User']) {
    t.notOk(service.has(key), `${key} would break hooks that run as root and install anywhere`);
  }
  t.same(unit.get('Install')?.get('WantedBy'), ['multi-user.target']);

  const recover = parseUnit(readFileSync(RECOVER_UNIT, 'utf8')).get('Service') ?? new Map<string, string[]>();
  const sleep = Number(/sleep (\d+)/.exec(recover.get('ExecStart')?.join('\n') ?? '')?.[1]);
  const timeout = Number(/^(\d+)min$/.exec(recover.get('TimeoutStartSec')?.at(-1) ?? '')?.[1]) * 60;
  t.ok(sleep > 0 && timeout > sleep, `the recover unit's pause (${sleep} s) ends before its start timeout (${timeout} s)`);
});
