import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../../shared/log.js';
import { deploymentLayout } from '../../../../agent/deployment/layout.js';
import type { DeploymentSpec } from '../../../../agent/deployment/deployment-spec.js';
import { install } from '../../../../agent/revision/installer.js';
import { processRunner } from '../../../../agent/revision/process-runner.js';
import { writeRevision } from '../../../helpers/revisions.js';

function setup(t: Test) {
  const dir = t.testdir({ dest: {} });
  const layout = deploymentLayout(join(dir, 'root'));
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => { lines.push(JSON.parse(chunk.toString())); cb(); } });
  const log = createLogger({ name: 'test', destination: sink });
  const deps = { layout, run: processRunner({ PATH: '' }), log, preserveOwner: false, hookMappingKeys: [] };
  const spec = (id: string, over: Partial<DeploymentSpec> = {}): DeploymentSpec => ({
    deploymentId: id, deploymentGroupId: 'g', deploymentGroupName: 'G', applicationName: 'A', deploymentCreator: 'user',
    deploymentType: 'IN_PLACE', appSpecFilename: 'appspec.yml', fileExistsBehavior: 'DISALLOW',
    revision: { type: 'Local Directory', location: '/nowhere', bundleType: 'directory' }, ...over,
  });
  const revision = (id: string, yaml: string, files: Record<string, string>) => writeRevision(layout.archiveDir('g', id), yaml, files);
  return { dir, dest: join(dir, 'dest'), layout, deps, spec, revision, lines };
}

t.test('daemon path: an invalid FileExistsBehavior fails only when a file is in the way, with the official message', async (t) => {
  const { dest, deps, spec, revision } = setup(t);
  const yaml = `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}\n`;
  revision('d-1', yaml, { 'app/a.txt': 'a' });
  await install(spec('d-1', { fileExistsBehavior: 'SOMETHING_WEIRD' }), deps);
  t.equal(readFileSync(join(dest, 'a.txt'), 'utf8'), 'a', 'no conflict: installed');
  writeFileSync(join(dest, 'user.txt'), 'mine');
  revision('d-2', yaml, { 'app/a.txt': 'a2', 'app/user.txt': 'theirs' });
  await t.rejects(install(spec('d-2', { fileExistsBehavior: 'SOMETHING_WEIRD' }), deps), {
    code: 'INSTALL_INVALID_FILE_EXISTS_BEHAVIOR',
    message: 'The deployment failed because an invalid option was specified for fileExistsBehavior: SOMETHING_WEIRD. Valid options include OVERWRITE, RETAIN, and DISALLOW.',
  });
  t.equal(readFileSync(join(dest, 'user.txt'), 'utf8'), 'mine');
});

t.test('cleanup of the previous Install, then a fallback AppSpec name logged as a warning', async (t) => {
  const { dest, deps, spec, revision, lines, layout } = setup(t);
  revision('d-1', `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}/v1\n`, { 'app/a.txt': 'a' });
  await install(spec('d-1'), deps);
  t.ok(existsSync(join(dest, 'v1', 'a.txt')));
  revision('d-2', `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}/v2\n`, { 'app/b.txt': 'b' });
  await install(spec('d-2', { appSpecFilename: 'nosuch.yml' }), deps);
  t.notOk(existsSync(join(dest, 'v1')), 'the first Install is undone');
  t.ok(existsSync(join(dest, 'v2', 'b.txt')));
  t.match(lines.filter((l) => l.level === 40), [{ warning: 'APPSPEC_FILENAME_FALLBACK', msg: 'The AppSpec file nosuch.yml was not found in the revision; using appspec.yml instead.' }]);
  t.equal(readFileSync(layout.lastSuccessfulFile('g'), 'utf8'), layout.deploymentDir('g', 'd-2'));
});

t.test('an old-format cleanup file from before the upgrade deletes nothing install.json does not name', async (t) => {
  const { dir, dest, deps, spec, revision, layout, lines } = setup(t);
  const outside = join(dir, 'outside.txt');
  writeFileSync(outside, 'keep');
  writeFileSync(join(dest, 'old.txt'), 'from the old agent');
  mkdirSync(layout.instructionsDir, { recursive: true });
  writeFileSync(layout.installJson('g'), JSON.stringify({ instructions: [{ type: 'copy', source: '/x', destination: join(dest, 'old.txt') }] }));
  writeFileSync(layout.cleanupFile('g'), `${join(dest, 'old.txt')}\n${outside}\n`);
  revision('d-1', `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}/new\n`, { 'app/a.txt': 'a' });
  await install(spec('d-1'), deps);
  t.notOk(existsSync(join(dest, 'old.txt')));
  t.equal(readFileSync(outside, 'utf8'), 'keep');
  t.match(lines.find((l) => l.level === 40), { count: 1, refused: [outside] });
});
