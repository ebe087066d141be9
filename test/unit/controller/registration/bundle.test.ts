import t from 'tap';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleNameProblem, createBundleStore, renderBundle } from '../../../../controller/registration/bundle.js';

t.test('a bundle is written 0700/0600 and found again', async (t) => {
  const dir = t.testdir();
  const store = createBundleStore(dir, { tar: false });
  const files = renderBundle('eu-west-1', { mode: 'iam-session', arn: 'arn:aws:sts::1:assumed-role/e/pi-1' });
  t.equal(store.write('pi-1', files), join(dir, 'pi-1'));
  t.ok(store.matches('pi-1', files));
  t.ok(store.hasSecrets('pi-1', 'iam-user'));
  t.notOk(store.hasSecrets('pi-1', 'iot'));
  store.remove('pi-1');
  t.notOk(existsSync(join(dir, 'pi-1')));
});

t.test('hostile names never leave the bundle folder', async (t) => {
  const dir = t.testdir({ out: {}, keep: { 'precious.txt': 'x' } });
  const store = createBundleStore(join(dir, 'out'), { tar: false });
  for (const name of ['..', '.', '../keep', 'a/b', 'x\ny', '']) {
    t.ok(bundleNameProblem(name), JSON.stringify(name));
    t.throws(() => store.remove(name), { code: 'CLI_USAGE' }, `remove ${JSON.stringify(name)}`);
    t.throws(() => store.write(name, { 'onpremises.yml': 'x' }), { code: 'CLI_USAGE' });
  }
  t.equal(readFileSync(join(dir, 'keep', 'precious.txt'), 'utf8'), 'x');
  t.equal(bundleNameProblem('pi-1.lab@site_a'), undefined);
});

t.test('a link planted where a bundle goes is refused, not followed', async (t) => {
  const dir = t.testdir({ out: {}, elsewhere: {} });
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'out', 'pi-1'));
  const store = createBundleStore(join(dir, 'out'), { tar: false });
  t.throws(() => store.write('pi-1', { 'iot-private.pem.key': 'KEY' }), { code: 'CLI_USAGE', message: /a link, not a folder/ });
  t.notOk(existsSync(join(dir, 'elsewhere', 'iot-private.pem.key')));
  mkdirSync(join(dir, 'out', 'pi-2'));
  symlinkSync(join(dir, 'elsewhere', 'x'), join(dir, 'out', 'pi-2', 'onpremises.yml'));
  writeFileSync(join(dir, 'elsewhere', 'x'), 'same');
  t.notOk(store.matches('pi-2', { 'onpremises.yml': 'same' }), 'a linked file is not our bundle');
  store.remove('pi-1');
  t.ok(existsSync(join(dir, 'elsewhere')), 'removing removes the link, not its target');
});
