import t from 'tap';
import { join } from 'node:path';
import { runCli, PROJECT_ROOT } from '../../helpers/cli.js';
import { writeRevision } from '../../helpers/revisions.js';

t.test('the example revision is valid', async (t) => {
  const res = await runCli('fleetctl', ['validate', join(PROJECT_ROOT, 'appspec', 'examples', 'air-quality')]);
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /appspec.yml: valid\n$/);
});

t.test('a custom hook is valid, with a warning saying what runs it', async (t) => {
  const rev = writeRevision(join(t.testdir(), 'rev'), 'version: 0.0\nos: linux\nhooks:\n  FlashFirmware:\n    - location: scripts/x.sh\n', {
    'scripts/x.sh': { content: '#!/bin/sh\n', mode: 0o755 },
  });
  const res = await runCli('fleetctl', ['validate', rev, '--json']);
  t.equal(res.code, 0, res.stderr);
  const doc = JSON.parse(res.stdout) as { valid: boolean; findings: { severity: string; code: string; message: string }[] };
  t.equal(doc.valid, true);
  t.match(doc.findings, [{ severity: 'warning', code: 'HOOK_EVENT_CUSTOM', message: /edge-agent deploy -e .*service lifecycle that includes it|lifecycle includes it/ }]);
});

t.test('every problem is reported, with the official messages, as text and JSON', async (t) => {
  const dir = t.testdir();
  const rev = writeRevision(
    join(dir, 'rev'),
    'version: 0.0\nos: linux\nfiles:\n  - source: nope\n    destination: /opt/x\nhooks:\n  BeforeInstall:\n    - location: scripts/missing.sh\n  AfterInstall:\n    - location: scripts/plain.sh\n  CustomThing:\n    - location: scripts/plain.sh\n',
    { 'scripts/plain.sh': { content: '#!/bin/sh\n', mode: 0o644 } },
  );
  const res = await runCli('fleetctl', ['validate', rev]);
  t.equal(res.code, 1);
  t.match(res.stdout, 'appspec.yml: INVALID');
  t.match(res.stdout, 'error HOOK_SCRIPT_MISSING at hooks.BeforeInstall[0].location: Script does not exist at specified location: scripts/missing.sh');
  t.match(res.stdout, 'warning HOOK_SCRIPT_NOT_EXECUTABLE at hooks.AfterInstall[0].location');
  t.match(res.stdout, 'warning HOOK_EVENT_CUSTOM at hooks.CustomThing');
  t.match(res.stdout, /CustomThing is a custom lifecycle event: valid, but it runs only with edge-agent deploy -e <events>/);
  t.match(res.stdout, 'error INSTALL_SOURCE_MISSING at files[0].source: files source nope is not in the revision');

  const json = await runCli('fleetctl', ['validate', rev, '--json']);
  t.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as { schema: string; valid: boolean; findings: { code: string; message: string }[] };
  t.equal(report.schema, 'fleetctl.validate/v1');
  t.equal(report.valid, false);
  t.same(report.findings.map((f) => f.code).sort(), ['HOOK_EVENT_CUSTOM', 'HOOK_SCRIPT_MISSING', 'HOOK_SCRIPT_NOT_EXECUTABLE', 'HOOK_SCRIPT_NOT_EXECUTABLE', 'INSTALL_SOURCE_MISSING']);

  const bad = writeRevision(join(dir, 'bad'), 'version: 1\nos: Linux\nfile_exists_behavior: overwrite\n');
  const parsed = await runCli('fleetctl', ['validate', join(bad, 'appspec.yml'), '--json']);
  t.equal(parsed.code, 1);
  t.same((JSON.parse(parsed.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code).sort(), ['APPSPEC_INVALID_FILE_EXISTS_BEHAVIOR', 'APPSPEC_INVALID_VERSION', 'APPSPEC_UNSUPPORTED_OS']);

  const missing = await runCli('fleetctl', ['validate', join(dir, 'nothing-here')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /does not exist.*\[CLI_USAGE\]/, 'errors go to stderr');
  t.equal(missing.stdout, '', 'nothing on stdout without --json');
});
