import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { customEventHint } from '../../../../agent/cli/deploy-command.js';

const hooks = (names: string[]): string =>
  `version: 0.0\nos: linux\nhooks:\n${names.map((n) => `  ${JSON.stringify(n)}:\n    - location: scripts/x.sh\n`).join('')}`;

t.test('custom events: the hint lists them and a -e list that runs them', async (t) => {
  const dir = t.testdir();
  const names = ['ApplicationStop', 'ValidateService', 'Calibrate', 'AfterInstall', 'ApplicationStart', 'FlushCache'];
  writeFileSync(join(dir, 'appspec.yml'), hooks(names));
  const lines = customEventHint(dir, 'appspec.yml', undefined);
  t.match(lines[0], /custom lifecycle events \(Calibrate, FlushCache\); they run only when listed with -e\/--events/);
  t.equal(lines[1], '  -e ApplicationStop,AfterInstall,ApplicationStart,Calibrate,FlushCache,ValidateService', 'custom events before ValidateService');
  t.match(lines[2], /DownloadBundle and Install are added/);
});

t.test('with -e given, the missing custom events are added to the list given', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'appspec.yml'), hooks(['CustomEvent', 'Other']));
  const lines = customEventHint(dir, 'appspec.yml', ['ApplicationStart', 'Other']);
  t.match(lines[0], /\(CustomEvent\)/);
  t.equal(lines[1], '  -e ApplicationStart,Other,CustomEvent');
});

t.test('names that cannot be listed are named as such (quoted: hostile bytes stay on one line)', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'appspec.yml'), hooks(['bad-name\nInjected', 'ApplicationStart']));
  const lines = customEventHint(dir, 'appspec.yml', undefined);
  t.same(lines, ['Hook names that are not PascalCase cannot run at all: "bad-name\\nInjected"']);
});

t.test('no hint without custom events or without a readable AppSpec', async (t) => {
  const dir = t.testdir();
  t.same(customEventHint(dir, 'appspec.yml', undefined), [], 'no AppSpec');
  writeFileSync(join(dir, 'appspec.yml'), hooks(['ApplicationStart']));
  t.same(customEventHint(dir, 'appspec.yml', undefined), []);
  writeFileSync(join(dir, 'appspec.yml'), 'version: [');
  t.same(customEventHint(dir, 'appspec.yml', undefined), [], 'unparsable AppSpec');
});
