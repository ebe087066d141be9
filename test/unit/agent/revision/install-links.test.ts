import t from 'tap';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { checkLinksStayInside, resolveAfterInstall } from '../../../../agent/revision/install-links.js';

t.test('resolution follows links component by component, like the kernel', async (t) => {
  const root = t.testdir({ dest: { deep: {} } });
  const dest = join(root, 'dest');
  symlinkSync(join(root, 'dest'), join(root, 'alias')); // the device's own link
  const links = new Map([[join(dest, 'b'), dest], [join(dest, 'x'), 'b/..'], [join(dest, 'loop1'), 'loop2'], [join(dest, 'loop2'), 'loop1']]);
  const tree = { links, nonLinks: new Set<string>() };
  t.equal(resolveAfterInstall(join(dest, 'x'), tree), root, 'b/.. is the parent of b\'s target, not the folder holding b');
  t.equal(resolveAfterInstall(join(root, 'alias', 'deep'), tree), join(dest, 'deep'), 'links on disk are followed');
  t.equal(resolveAfterInstall(join(dest, 'loop1'), tree), undefined, 'a loop resolves to nothing');
  t.equal(resolveAfterInstall(`${dest}/../../..`, tree), join(dest, '../../..'));
  t.equal(resolveAfterInstall(`${dest}${'/..'.repeat(64)}`, tree), '/', 'never above the root');
  mkdirSync(join(root, 'replaced'));
  symlinkSync('/etc', join(root, 'replaced', 'etc'));
  t.equal(resolveAfterInstall(join(root, 'replaced', 'etc', 'f'), { links: new Map(), nonLinks: new Set([join(root, 'replaced', 'etc')]) }),
    join(root, 'replaced', 'etc', 'f'), 'a path this Install replaces with a file or directory is not followed');
});

t.test('checkLinksStayInside names the first link that leaves every destination', async (t) => {
  const root = t.testdir({ dest: {}, other: {} });
  const dest = join(root, 'dest');
  const ok = new Map([[join(dest, 'a'), 'sub/file'], [join(dest, 'b'), join(root, 'other', 'f')], [join(dest, 'c'), '.']]);
  t.doesNotThrow(() => checkLinksStayInside({ links: ok, nonLinks: new Set() }, [dest, join(root, 'other')]));
  const trick = new Map([[join(dest, 'b'), dest], [join(dest, 'x'), 'b/../other/f']]);
  t.throws(() => checkLinksStayInside({ links: trick, nonLinks: new Set() }, [dest]), {
    code: 'INSTALL_SYMLINK_ESCAPE',
    message: new RegExp(`symlink ${dest}/x -> b/\\.\\./other/f, which resolves to ${root}/other/f, outside every destination`),
  });
  t.throws(() => checkLinksStayInside({ links: new Map([[join(dest, 'l'), 'l']]), nonLinks: new Set() }, [dest]), { message: /resolves to a loop of links/ });
  t.throws(() => checkLinksStayInside({ links: new Map([[join(dest, 'e'), '/etc/shadow']]), nonLinks: new Set() }, [dest]), { code: 'INSTALL_SYMLINK_ESCAPE' });
});
