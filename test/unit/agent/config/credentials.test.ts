import t from 'tap';
import { chmodSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CREDENTIALS_FILE_LIFETIME_MS,
  credentialProviderFor,
  parseCredentialsFile,
  redactAccessKeyId,
} from '../../../../agent/config/credentials.js';
import { parseOnPremisesConfig, type OnPremisesConfig } from '../../../../agent/config/onprem-config.js';

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const ini = (id: string, secret: string, token?: string): string =>
  `# written by the session helper\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = other\n\n[default]\naws_access_key_id = ${id}\naws_secret_access_key=${secret}\n${token ? `aws_session_token = ${token}\n` : ''}`;

function sessionIdentity(credsPath: string): OnPremisesConfig {
  return parseOnPremisesConfig(`iam_session_arn: arn:aws:sts::111122223333:assumed-role/R/pi-1\naws_credentials_file: ${credsPath}\nregion: eu-west-1\n`, 'op.yml').config;
}

function writeCreds(path: string, text: string, mtimeSeconds?: number): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  if (mtimeSeconds !== undefined) utimesSync(path, mtimeSeconds, mtimeSeconds);
}

function clock(): { now: () => Date; advance: (ms: number) => void } {
  let ms = T0;
  return { now: () => new Date(ms), advance: (d) => (ms += d) };
}

t.test('IAM user: the static keys of the on-premises file', async (t) => {
  const onprem = parseOnPremisesConfig(
    'iam_user_arn: arn:aws:iam::111122223333:user/pi\naws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: s3cr3t\nregion: eu-west-1\n',
    'op.yml',
  ).config;
  const provider = credentialProviderFor(onprem);
  t.same(await provider(), { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 's3cr3t' });
  t.equal((await provider()).expiration, undefined, 'never expires: the SDK never asks again');
});

t.test('the INI file: [default] profile only, comments, optional token, errors without secrets', async (t) => {
  t.same(parseCredentialsFile(ini('ASIAAAAAAAAAAAAAAAAA', 'sec', 'tok'), '/c'), { accessKeyId: 'ASIAAAAAAAAAAAAAAAAA', secretAccessKey: 'sec', sessionToken: 'tok' });
  t.same(parseCredentialsFile('[default]\r\naws_access_key_id=AKIAX\r\naws_secret_access_key = a=b\r\n', '/c'), { accessKeyId: 'AKIAX', secretAccessKey: 'a=b' });
  const e = t.throws(() => parseCredentialsFile('[default]\naws_secret_access_key = topsecret\n', '/c'), {
    code: 'CREDENTIALS_UNAVAILABLE',
    message: 'Failed to load credentials from path /c: no [default] profile with aws_access_key_id and aws_secret_access_key',
  }) as Error;
  t.notMatch(e?.message ?? '', 'topsecret');
  t.throws(() => parseCredentialsFile('[other]\naws_access_key_id = A\naws_secret_access_key = B\n', '/c'), { code: 'CREDENTIALS_UNAVAILABLE' });
});

t.test('session: expiration 30 min after the read, re-read 5 min before it', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'creds');
  writeCreds(path, ini('ASIAFIRSTFIRSTFIRST1', 'secret-1', 'token-1'));
  const c = clock();
  const provider = credentialProviderFor(sessionIdentity(path), { now: c.now });
  const first = await provider();
  t.same(first, { accessKeyId: 'ASIAFIRSTFIRSTFIRST1', secretAccessKey: 'secret-1', sessionToken: 'token-1', expiration: new Date(T0 + CREDENTIALS_FILE_LIFETIME_MS) });
  c.advance(20 * MIN);
  t.same((await provider()).expiration, new Date(T0 + 30 * MIN), 'unchanged file, 10 min before expiry: the cached read');
  c.advance(5 * MIN + 1);
  const reread = await provider();
  t.same(reread.expiration, new Date(T0 + 25 * MIN + 1 + 30 * MIN), 'inside the 5 min buffer: read again, new expiration');
  t.equal(reread.accessKeyId, 'ASIAFIRSTFIRSTFIRST1');
});

t.test('session: a changed file is picked up at once (mtime), and a renamed-in file too', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'creds');
  writeCreds(path, ini('ASIAFIRSTFIRSTFIRST1', 'secret-1', 'token-1'), 1_700_000_000);
  const c = clock();
  const provider = credentialProviderFor(sessionIdentity(path), { now: c.now });
  t.equal((await provider()).secretAccessKey, 'secret-1');
  c.advance(MIN);
  // same size, new content, only the mtime tells
  writeCreds(path, ini('ASIASECONDSECONDSEC2', 'secret-2', 'token-2'), 1_700_000_060);
  const second = await provider();
  t.same(second, { accessKeyId: 'ASIASECONDSECONDSEC2', secretAccessKey: 'secret-2', sessionToken: 'token-2', expiration: new Date(T0 + MIN + 30 * MIN) });
  c.advance(MIN);
  writeCreds(join(dir, 'creds.tmp'), ini('ASIATHIRDTHIRDTHIRD3', 'secret-3', 'token-3'), 1_700_000_060);
  renameSync(join(dir, 'creds.tmp'), path);
  t.equal((await provider()).secretAccessKey, 'secret-3', 'atomic rename with the same mtime: the inode tells');
});

t.test('session: missing, unparsable and insecure files', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'creds');
  const c = clock();
  const warnings: string[] = [];
  const provider = credentialProviderFor(sessionIdentity(path), { now: c.now, warn: (m) => warnings.push(m) });
  await t.rejects(provider(), { code: 'CREDENTIALS_UNAVAILABLE', message: `Failed to load credentials from path ${path}: the file does not exist` });

  writeCreds(path, '[default]\naws_secret_access_key = only-secret\n');
  const err = await provider().catch((e: Error) => e);
  t.match(err, { code: 'CREDENTIALS_UNAVAILABLE', message: `Failed to load credentials from path ${path}: no [default] profile with aws_access_key_id and aws_secret_access_key` });
  t.notMatch(String((err as Error).message), 'only-secret');

  writeCreds(path, ini('ASIAFIRSTFIRSTFIRST1', 'secret-1'));
  chmodSync(path, 0o644);
  await t.rejects(provider(), { code: 'CONFIG_INSECURE_PERMISSIONS', message: `${path} holds secrets and is readable by group/other (mode 0644); run: chmod 600 ${path}` });
  chmodSync(path, 0o600);
  t.equal((await provider()).secretAccessKey, 'secret-1');

  // a file caught mid-rewrite: the keys read before serve until they expire, then the error shows
  c.advance(MIN);
  writeCreds(path, '');
  t.equal((await provider()).secretAccessKey, 'secret-1');
  t.same(warnings, [`Failed to load credentials from path ${path}: no [default] profile with aws_access_key_id and aws_secret_access_key; using the credentials read before until they expire`]);
  c.advance(30 * MIN);
  await t.rejects(provider(), { code: 'CREDENTIALS_UNAVAILABLE' });
  // an insecure rotated file is never tolerated, even with valid cached keys
  writeCreds(path, ini('ASIAFIRSTFIRSTFIRST1', 'secret-1'));
  t.equal((await provider()).secretAccessKey, 'secret-1');
  c.advance(MIN);
  chmodSync(path, 0o640);
  await t.rejects(provider(), { code: 'CONFIG_INSECURE_PERMISSIONS' });
  t.notMatch(JSON.stringify(warnings), 'secret-1');
});

t.test('sdkRecheckSeconds caps the reported expiration so SDK clients ask again', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'creds');
  writeCreds(path, ini('ASIAFIRSTFIRSTFIRST1', 'secret-1'));
  const c = clock();
  const provider = credentialProviderFor(sessionIdentity(path), { now: c.now, sdkRecheckSeconds: 10 });
  t.same((await provider()).expiration, new Date(T0 + 5 * MIN + 10_000));
  c.advance(28 * MIN);
  t.same((await provider()).expiration, new Date(T0 + 28 * MIN + 5 * MIN + 10_000), 'every call moves it on');
  const concurrent = await Promise.all([provider(), provider(), provider()]);
  t.equal(new Set(concurrent.map((i) => i.accessKeyId)).size, 1);
});

t.test('redacted access key ids keep the last 4 characters', async (t) => {
  t.equal(redactAccessKeyId('AKIAIOSFODNN7EXAMPLE'), '****************MPLE');
  t.equal(redactAccessKeyId('ABCD'), '****');
});
