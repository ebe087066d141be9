import t from 'tap';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOnPremisesConfig } from '../../../../agent/config/onprem-config.js';
import { checkOnPremisesSecretFiles, checkSecretFile, insecureSecretFileReason, secretFilesOf } from '../../../../agent/config/secret-files.js';

const isRoot = process.getuid?.() === 0;
const me = process.getuid?.() ?? 0;

function secretFile(dir: string, name: string, mode: number): string {
  const p = join(dir, name);
  writeFileSync(p, 'aws_secret_access_key: x\n');
  chmodSync(p, mode);
  return p;
}

t.test('mode: any group/other bit is refused, with the fix in the message', async (t) => {
  const dir = t.testdir();
  const loose = secretFile(dir, 'loose.yml', 0o644);
  t.throws(() => checkSecretFile(loose), {
    code: 'CONFIG_INSECURE_PERMISSIONS',
    message: `${loose} holds secrets and is readable by group/other (mode 0644); run: chmod 600 ${loose}`,
  });
  const groupWrite = secretFile(dir, 'gw.yml', 0o620);
  t.throws(() => checkSecretFile(groupWrite), { message: `${groupWrite} holds secrets and is accessible by group/other (mode 0620); run: chmod 600 ${groupWrite}` });
  t.throws(() => checkSecretFile(secretFile(dir, 'o.yml', 0o604)), { message: /readable by group\/other \(mode 0604\)/ });
  t.equal(checkSecretFile(secretFile(dir, 'ok.yml', 0o600)), 'ok');
  t.equal(checkSecretFile(secretFile(dir, 'ro.yml', 0o400)), 'ok');
  t.equal(checkSecretFile(join(dir, 'none.yml')), 'missing');
  mkdirSync(join(dir, 'd'), { mode: 0o700 });
  t.throws(() => checkSecretFile(join(dir, 'd')), { code: 'CONFIG_INVALID', message: `${join(dir, 'd')} is not a regular file` });
});

t.test('owner: root or the agent user only', async (t) => {
  const dir = t.testdir();
  const p = secretFile(dir, 'op.yml', 0o600);
  if (isRoot) {
    chownSync(p, 4242, 4242);
    t.throws(() => checkSecretFile(p, { agentUid: 0 }), {
      code: 'CONFIG_INSECURE_PERMISSIONS',
      message: `${p} holds secrets and is owned by uid 4242, which is neither root nor the agent's user (uid 0); run: chown 0 ${p}`,
    });
    t.throws(() => checkSecretFile(p, { agentUid: 999 }), { message: /owned by uid 4242, which is neither root nor the agent's user \(uid 999\); run: chown 999/ });
    t.equal(checkSecretFile(p, { agentUid: 4242 }), 'ok', 'owned by the agent user');
    chownSync(p, 0, 0);
    t.equal(checkSecretFile(p, { agentUid: 4242 }), 'ok', 'owned by root');
  } else {
    t.throws(() => checkSecretFile(p, { agentUid: me + 1 }), { code: 'CONFIG_INSECURE_PERMISSIONS', message: new RegExp(`owned by uid ${me}, which is neither root nor the agent's user`) });
    t.equal(checkSecretFile(p, { agentUid: me }), 'ok');
  }
  // the pure rule, independent of who runs the tests
  t.equal(insecureSecretFileReason('/f', { mode: 0o100600, uid: 0 }, 1000), undefined);
  t.equal(insecureSecretFileReason('/f', { mode: 0o100600, uid: 1000 }, 1000), undefined);
  t.match(insecureSecretFileReason('/f', { mode: 0o100600, uid: 1001 }, 1000), /owned by uid 1001/);
  t.match(insecureSecretFileReason('/f', { mode: 0o100640, uid: 0 }, 0), /mode 0640/);
});

t.test('which files of an identity hold secrets', async (t) => {
  const dir = t.testdir();
  const op = secretFile(dir, 'op.yml', 0o644);
  const user = parseOnPremisesConfig(
    'iam_user_arn: arn:aws:iam::111122223333:user/pi\naws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: s\nregion: eu-west-1\n',
    op,
  ).config;
  t.same(secretFilesOf(user), [op]);
  t.throws(() => checkOnPremisesSecretFiles(user), { code: 'CONFIG_INSECURE_PERMISSIONS', message: new RegExp(`^${op} holds secrets and is readable`) });
  chmodSync(op, 0o600);
  t.doesNotThrow(() => checkOnPremisesSecretFiles(user, { agentUid: me }));

  const creds = secretFile(dir, 'creds', 0o640);
  const session = parseOnPremisesConfig(`iam_session_arn: arn:aws:sts::111122223333:assumed-role/R/pi-1\naws_credentials_file: ${creds}\nregion: eu-west-1\n`, join(dir, 'session.yml')).config;
  t.same(secretFilesOf(session), [creds], 'the session-mode on-premises file holds no secret itself');
  t.throws(() => checkOnPremisesSecretFiles(session), { code: 'CONFIG_INSECURE_PERMISSIONS', message: new RegExp(`^${creds} holds secrets and is readable by group/other \\(mode 0640\\)`) });
  chmodSync(creds, 0o600);
  t.doesNotThrow(() => checkOnPremisesSecretFiles(session, { agentUid: me }));
  const later = parseOnPremisesConfig(`iam_session_arn: arn:aws:sts::111122223333:assumed-role/R/pi-1\naws_credentials_file: ${join(dir, 'not-yet')}\nregion: eu-west-1\n`, 's.yml').config;
  t.doesNotThrow(() => checkOnPremisesSecretFiles(later), 'a credentials file not written yet is not a permission problem');
});
