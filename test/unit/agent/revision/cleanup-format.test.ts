import t from 'tap';
import { CLEANUP_HEADER, encodeCleanupEntry, isSameOrUnder, parseCleanupFile, type CleanupEntry } from '../../../../agent/revision/cleanup-format.js';

t.test('every byte a name can hold round-trips as one record', async (t) => {
  const odd = ['/d/x\n/etc/passwd', '/d/tab\there', '/d/\r\u001b[31m', '/d/quote"back\\slash', '/d/ünï\u2028code', '/d/semanage\u0001x'];
  const entries: CleanupEntry[] = [{ kind: 'dest', path: '/d' }, ...odd.map((path) => ({ kind: 'file' as const, path })), { kind: 'rename', path: '/d/a', tmp: '/d/.t\n' }];
  const text = `${CLEANUP_HEADER}\n${entries.map(encodeCleanupEntry).join('')}`;
  t.equal(text.split('\n').length, entries.length + 2, 'one line per record');
  t.same(parseCleanupFile(text), { format: 'v2', entries, unreadable: 0 });
});

t.test('torn last lines are dropped, malformed lines counted, other files are legacy', async (t) => {
  const good = encodeCleanupEntry({ kind: 'mkdir', path: '/d' });
  t.same(parseCleanupFile(`${CLEANUP_HEADER}\n${good}["file","/d/half`), { format: 'v2', entries: [{ kind: 'mkdir', path: '/d' }], unreadable: 0 });
  const bad = ['nope', '["file"]', '["file","relative"]', '["rm","/d"]', '["file","/d","x"]', '["rename","/d"]', '{"kind":"file"}', '["file","/d/\\u0000"]'];
  t.same(parseCleanupFile(`${CLEANUP_HEADER}\n${bad.join('\n')}\n`), { format: 'v2', entries: [], unreadable: bad.length });
  t.same(parseCleanupFile('/a\n/b\n/torn'), { format: 'legacy', lines: ['/a', '/b'] });
  t.same(parseCleanupFile(''), { format: 'legacy', lines: [] });
});

t.test('isSameOrUnder compares whole components', async (t) => {
  t.ok(isSameOrUnder('/a/b', '/a/b'));
  t.ok(isSameOrUnder('/a/b', '/a/b/c'));
  t.notOk(isSameOrUnder('/a/b', '/a/bc'));
  t.notOk(isSameOrUnder('/a/b', '/a'));
  t.ok(isSameOrUnder('/', '/x'));
});
