import t from 'tap';
import { simpleGlobMatch } from '../../../appspec/index.js';

const cases: ReadonlyArray<[pattern: string, name: string, matches: boolean]> = [
  // official full-permission example: pattern 'prefix*', except ['*ReadMe', '*.tmp'] (names relative to the object)
  ['prefix*', 'prefix', true],
  ['prefix*', 'prefix_matches', true],
  ['prefix*', 'prefix/does_not_match', false],
  ['prefix*', 'not_prefix', false],
  ['*.tmp', 'this.tmp', true],
  ['*ReadMe', 'this_ReadMe', true],
  ['*.tmp', 'prefix/does_not_match.tmp', false],
  ['*.tmp', 'not_match', false],
  ['*ReadMe', 'not_match', false],
  // `*` never crosses '/'
  ['*', 'a/b', false],
  ['a*', 'a/', false],
  // only `*` is special
  ['*', '', true],
  ['*', 'anything', true],
  ['', '', true],
  ['', 'a', false],
  ['a?c', 'abc', false],
  ['a?c', 'a?c', true],
  ['[ab]', 'a', false],
  ['[ab]', '[ab]', true],
  ['*.sh', 'start.sh', true],
  ['*.sh', 'start.shx', false],
  ['a*b*c', 'aXXbYYc', true],
  ['a*b*c', 'aXXbYY', false],
  ['**', 'deep', true],
  ['*a*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', false],
  ['caf*', 'café', true],
];

t.test('simpleGlobMatch', async (t) => {
  for (const [pattern, name, matches] of cases) t.equal(simpleGlobMatch(pattern, name), matches, `${pattern} ~ ${name}`);
});
