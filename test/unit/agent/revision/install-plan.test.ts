import t, { type Test } from 'tap';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAppSpec } from '../../../../appspec/index.js';
import type { AppSpec } from '../../../../appspec/types.js';
import { effectiveFileExistsBehavior, planInstall } from '../../../../agent/revision/install-plan.js';
import { writeRevision } from '../../../helpers/revisions.js';

function spec(yaml: string): AppSpec {
  const r = parseAppSpec(yaml);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.appspec;
}

function setup(t: Test) {
  const root = t.testdir();
  const archive = writeRevision(join(root, 'archive'), 'version: 0.0\nos: linux\n', {
    'app/a.txt': 'a',
    'app/run.sh': '#!/bin/sh\n',
    'app/sub/b.txt': 'b',
    'app/sub/deep/c.txt': 'c',
    'single.conf': 'x',
  });
  return { root, archive, dest: join(root, 'dest') };
}

t.test('directory source: contents land in destination, ancestors created, sorted', async (t) => {
  const { archive, dest } = setup(t);
  const plan = planInstall({ appspec: spec(`version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}/x\n`), archiveDir: archive, deploymentFileExistsBehavior: 'DISALLOW' });
  t.same(plan, [
    { type: 'mkdir', directory: dest },
    { type: 'mkdir', directory: `${dest}/x` },
    { type: 'copy', source: `${archive}/app/a.txt`, destination: `${dest}/x/a.txt` },
    { type: 'copy', source: `${archive}/app/run.sh`, destination: `${dest}/x/run.sh` },
    { type: 'mkdir', directory: `${dest}/x/sub` },
    { type: 'copy', source: `${archive}/app/sub/b.txt`, destination: `${dest}/x/sub/b.txt` },
    { type: 'mkdir', directory: `${dest}/x/sub/deep` },
    { type: 'copy', source: `${archive}/app/sub/deep/c.txt`, destination: `${dest}/x/sub/deep/c.txt` },
  ]);
});

t.test('file source goes to destination/<basename>; repeated mkdirs are de-duplicated', async (t) => {
  const { archive, dest } = setup(t);
  const plan = planInstall({
    appspec: spec(`version: 0.0\nos: linux\nfiles:\n  - source: single.conf\n    destination: ${dest}\n  - source: app/a.txt\n    destination: ${dest}/\n`),
    archiveDir: archive,
    deploymentFileExistsBehavior: 'DISALLOW',
  });
  t.same(plan, [
    { type: 'mkdir', directory: dest },
    { type: 'copy', source: `${archive}/single.conf`, destination: `${dest}/single.conf` },
    { type: 'copy', source: `${archive}/app/a.txt`, destination: `${dest}/a.txt` },
  ]);
});

t.test('file exists: DISALLOW fails, OVERWRITE copies, RETAIN skips and is not recorded; AppSpec wins', async (t) => {
  const { archive, dest } = setup(t);
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, 'single.conf'), 'old');
  const files = `files:\n  - source: single.conf\n    destination: ${dest}\n`;
  const input = (yaml: string, d: string) => ({ appspec: spec(`version: 0.0\nos: linux\n${yaml}${files}`), archiveDir: archive, deploymentFileExistsBehavior: d });
  t.throws(() => planInstall(input('', 'DISALLOW')), { code: 'INSTALL_FILE_EXISTS', message: `The deployment failed because a specified file already exists at this location: ${dest}/single.conf` });
  t.same(planInstall(input('', 'OVERWRITE')), [{ type: 'copy', source: `${archive}/single.conf`, destination: `${dest}/single.conf` }]);
  t.same(planInstall(input('', 'RETAIN')), []);
  t.same(planInstall(input('file_exists_behavior: OVERWRITE\n', 'DISALLOW')).length, 1, 'AppSpec OVERWRITE beats deployment DISALLOW');
  t.throws(() => planInstall(input('file_exists_behavior: DISALLOW\n', 'OVERWRITE')), { code: 'INSTALL_FILE_EXISTS' }, 'AppSpec DISALLOW beats deployment OVERWRITE');
  t.throws(() => planInstall(input('', 'MERGE')), {
    code: 'INSTALL_INVALID_FILE_EXISTS_BEHAVIOR',
    message: 'The deployment failed because an invalid option was specified for fileExistsBehavior: MERGE. Valid options include OVERWRITE, RETAIN, and DISALLOW.',
  });
  t.equal(effectiveFileExistsBehavior(spec('version: 0.0\nos: linux\n'), 'RETAIN'), 'RETAIN');
  t.equal(effectiveFileExistsBehavior(spec('version: 0.0\nos: linux\nfile_exists_behavior: RETAIN\n'), 'OVERWRITE'), 'RETAIN');
});

t.test('an invalid deployment fileExistsBehavior fails only when a file is actually in the way (official)', async (t) => {
  const { archive, dest } = setup(t);
  const input = { appspec: spec(`version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}\n`), archiveDir: archive, deploymentFileExistsBehavior: 'SOMETHING_WEIRD' };
  t.equal(planInstall(input).filter((i) => i.type === 'copy').length, 4, 'no conflict: the value is never looked at');
  mkdirSync(join(dest, 'sub'), { recursive: true });
  t.equal(planInstall(input).filter((i) => i.type === 'copy').length, 4, 'existing directories merge: still no conflict');
  writeFileSync(join(dest, 'sub', 'b.txt'), 'old');
  t.throws(() => planInstall(input), { code: 'INSTALL_INVALID_FILE_EXISTS_BEHAVIOR', message: /invalid option was specified for fileExistsBehavior: SOMETHING_WEIRD\./ });
});

t.test('anything at a path is an obstacle: a user\'s file is never planned as a directory (Not a directory)', async (t) => {
  const { root, archive } = setup(t);
  const userFile = join(root, 'user-file');
  writeFileSync(userFile, 'mine');
  const run = (destination: string, source = 'single.conf') =>
    planInstall({ appspec: spec(`version: 0.0\nos: linux\nfiles:\n  - source: ${source}\n    destination: ${destination}\n`), archiveDir: archive, deploymentFileExistsBehavior: 'OVERWRITE' });
  const notADir = (path: string) => ({ code: 'INSTALL_NOT_A_DIRECTORY', message: new RegExp(`${path.replace(/[/.]/g, '\\$&')} already exists and is not a directory \\(Not a directory\\)`) });
  t.throws(() => run(userFile), notADir(userFile), 'a file source mapped into a "directory" that is a file');
  t.throws(() => run(userFile, 'app'), notADir(userFile), 'a directory source mapped onto a file');
  t.throws(() => run(join(userFile, 'deeper', 'still')), notADir(userFile), 'a file in the middle of the destination path');
  const dest = join(root, 'dest');
  mkdirSync(dest);
  writeFileSync(join(dest, 'sub'), 'a file where the revision has a directory');
  t.throws(() => run(dest, 'app'), notADir(join(dest, 'sub')));
  mkdirSync(join(root, 'real'));
  symlinkSync(join(root, 'real'), join(root, 'linked'));
  t.same(run(join(root, 'linked')), [{ type: 'copy', source: `${archive}/single.conf`, destination: join(root, 'linked', 'single.conf') }], "the device's own link to a directory is a directory");
  mkdirSync(join(root, 'd2', 'single.conf'), { recursive: true });
  t.throws(() => run(join(root, 'd2')), { code: 'INSTALL_DESTINATION_IS_DIRECTORY', message: /but a directory exists at that location .*\(Is a directory\)/ });
});

t.test('installed symlinks must resolve inside a destination; permissions never apply to links', async (t) => {
  const { root } = setup(t);
  const archive = join(root, 'rev');
  writeRevision(archive, 'version: 0.0\nos: linux\n', { 'app/real.txt': 'r', 'sentinel/passwd': 'p', 'app/sub/x': 'x' });
  symlinkSync('../sentinel/passwd', join(archive, 'app', 'pw'));
  symlinkSync('real.txt', join(archive, 'app', 'ok'));
  const dest = join(root, 'dest');
  const yaml = (extra = '') => `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}\n${extra}`;
  const plan = (extra = '', allowExternalSymlinks = false) =>
    planInstall({ appspec: spec(yaml(extra)), archiveDir: archive, deploymentFileExistsBehavior: 'DISALLOW', allowExternalSymlinks });
  t.throws(() => plan(), { code: 'INSTALL_SYMLINK_ESCAPE', message: new RegExp(`installs the symlink ${dest}/pw -> \\.\\./sentinel/passwd, which resolves to ${root}/sentinel/passwd, outside every destination`) });
  const perms = 'permissions:\n  - object: ' + dest + '\n    pattern: "**"\n    mode: 777\n    owner: root\n';
  const allowed = plan(perms, true);
  const touched = allowed.filter((i) => i.type === 'chmod' || i.type === 'chown').map((i) => 'file' in i ? i.file : '');
  t.notOk(touched.includes(`${dest}/pw`), 'a link is never chmod/chowned');
  t.notOk(touched.includes(`${dest}/ok`));
  t.ok(touched.includes(`${dest}/real.txt`));
  t.same(plan(`permissions:\n  - object: ${dest}/pw\n    mode: 777\n`, true).filter((i) => i.type === 'chmod'), [], 'not even when it is the object');
  // a second destination makes the same link legal
  const both = `  - source: sentinel\n    destination: ${root}/sentinel\n`;
  t.ok(plan(both).some((i) => i.type === 'copy' && i.destination === `${dest}/pw`), 'a link into another destination is fine');
});

t.test('conflicts have the official messages', async (t) => {
  const { archive, dest } = setup(t);
  const run = (files: string) => planInstall({ appspec: spec(`version: 0.0\nos: linux\nfiles:\n${files}`), archiveDir: archive, deploymentFileExistsBehavior: 'DISALLOW' });
  t.throws(() => run(`  - source: single.conf\n    destination: ${dest}\n  - source: single.conf\n    destination: ${dest}\n`), {
    code: 'INSTALL_DUPLICATE_DESTINATION',
    message: `The deployment failed because the application specification file specifies two source files named ${archive}/single.conf and ${archive}/single.conf for the same destination (${dest}/single.conf). Remove one of the source file paths from the AppSpec file, and then try again.`,
  });
  // app/sub is a directory in one entry and a file target ("sub" copied as a file) in another
  writeRevision(join(archive, 'other'), 'x', { sub: 'i am a file' });
  t.throws(() => run(`  - source: app\n    destination: ${dest}\n  - source: other/sub\n    destination: ${dest}\n`), { code: 'INSTALL_COPY_MKDIR_CONFLICT', message: /calls for installing the file .*other\/sub, but a file with that name already exists at the location \(.*dest\/sub\)/ });
  t.throws(() => run(`  - source: other/sub\n    destination: ${dest}\n  - source: app\n    destination: ${dest}\n`), { code: 'INSTALL_MKDIR_DUPLICATE', message: /includes an mkdir command more than once for the same destination path \(.*dest\/sub\) from/ });
  t.throws(() => run(`  - source: nope\n    destination: ${dest}\n`), { code: 'INSTALL_SOURCE_MISSING', message: /not in the revision: nope/ });
  t.throws(() => run(`  - source: ../../etc\n    destination: ${dest}\n`), { code: 'INSTALL_SOURCE_MISSING', message: /outside the revision/ });
});

t.test('source / installs the whole revision', async (t) => {
  const { archive, dest } = setup(t);
  const plan = planInstall({ appspec: spec(`version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: ${dest}\n`), archiveDir: archive, deploymentFileExistsBehavior: 'DISALLOW' });
  t.ok(plan.some((i) => i.type === 'copy' && i.destination === `${dest}/appspec.yml`));
  t.ok(plan.some((i) => i.type === 'copy' && i.destination === `${dest}/app/sub/deep/c.txt`));
});

t.test('permissions: pattern, except, type, order of commands, and the object itself never matched', async (t) => {
  const { archive, dest } = setup(t);
  const yaml = `version: 0.0
os: linux
files:
  - source: app
    destination: ${dest}
permissions:
  - object: ${dest}
    pattern: "*.sh"
    mode: 755
    owner: root
    group: root
    acls:
      - u:daemon:rx
    type: [file]
  - object: ${dest}
    except: ["a.txt", "*.sh"]
    mode: 640
    type: [file]
  - object: ${dest}
    mode: 750
    type: [directory]
`;
  const plan = planInstall({ appspec: spec(yaml), archiveDir: archive, deploymentFileExistsBehavior: 'DISALLOW' });
  const perms = plan.filter((i) => i.type !== 'copy' && i.type !== 'mkdir');
  t.same(perms, [
    { type: 'chmod', mode: '755', file: `${dest}/run.sh` },
    { type: 'setfacl', acl: ['user:daemon:r-x'], file: `${dest}/run.sh` },
    { type: 'chown', owner: 'root', group: 'root', file: `${dest}/run.sh` },
    // ** matches every depth; except only excludes direct children (a.txt), deeper files still match
    { type: 'chmod', mode: '640', file: `${dest}/sub/b.txt` },
    { type: 'chmod', mode: '640', file: `${dest}/sub/deep/c.txt` },
    { type: 'chmod', mode: '750', file: `${dest}/sub` },
    { type: 'chmod', mode: '750', file: `${dest}/sub/deep` },
  ]);
});

t.test('permission errors', async (t) => {
  const { archive, dest } = setup(t);
  const files = `files:\n  - source: single.conf\n    destination: ${dest}\n  - source: app\n    destination: ${dest}/app\n`;
  const run = (perms: string) => planInstall({ appspec: spec(`version: 0.0\nos: linux\n${files}permissions:\n${perms}`), archiveDir: archive, deploymentFileExistsBehavior: 'DISALLOW' });
  t.throws(() => run(`  - object: ${dest}/single.conf\n    pattern: "*.conf"\n    mode: 600\n`), {
    code: 'INSTALL_PERMISSION_PATTERN',
    message: `The deployment failed because the application specification file includes an object (${dest}/single.conf) with an invalid pattern (*.conf), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again.`,
  });
  t.throws(() => run(`  - object: ${dest}/single.conf\n    except: ["*.tmp"]\n    mode: 600\n`), {
    code: 'INSTALL_PERMISSION_EXCEPT',
    message: `The deployment failed because the except parameter for a pattern in the permissions section (["*.tmp"]) for the object named ${dest}/single.conf contains an invalid format. Update the AppSpec file, and then try again.`,
  });
  t.throws(() => run(`  - object: ${dest}/single.conf\n    acls: ["d:u:daemon:r"]\n`), { code: 'INSTALL_DEFAULT_ACL_ON_FILE', message: /-d parameter has been specified to apply an acl setting to a file/ });
  t.throws(() => run(`  - object: ${dest}/app\n    acls: ["d:u:daemon:r"]\n    type: [file]\n`), { code: 'INSTALL_DEFAULT_ACL_ON_FILE' });
  t.same(run(`  - object: ${dest}/app\n    acls: ["d:u:daemon:r"]\n    type: [directory]\n`).filter((i) => i.type === 'setfacl').length, 2, 'default ACLs on directories are fine');
  t.throws(() => run(`  - object: ${dest}/single.conf\n    mode: 600\n  - object: ${dest}\n    mode: 644\n    type: [file]\n`), {
    code: 'INSTALL_PERMISSION_TWICE',
    message: `The deployment failed because the permissions setting for (${dest}/single.conf) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again.`,
  });
  t.same(run(`  - object: /no/such/place\n    mode: 600\n`).filter((i) => i.type === 'chmod'), [], 'unknown objects are silently ignored');
  t.same(run(`  - object: ${dest}/single.conf\n    mode: 600\n    type: [directory]\n`).filter((i) => i.type === 'chmod'), [], 'a file object with type directory does nothing');
});

t.test('pre-existing files under an object are never touched', async (t) => {
  const { archive, dest } = setup(t);
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, 'mine.txt'), 'user data');
  const plan = planInstall({
    appspec: spec(`version: 0.0\nos: linux\nfiles:\n  - source: single.conf\n    destination: ${dest}\npermissions:\n  - object: ${dest}\n    mode: 600\n`),
    archiveDir: archive,
    deploymentFileExistsBehavior: 'DISALLOW',
  });
  t.same(plan.filter((i) => i.type === 'chmod'), [{ type: 'chmod', mode: '600', file: `${dest}/single.conf` }]);
});
