// Plain-scalar typing as Ruby Psych (YAML 1.1) does it.
import t from 'tap';
import { resolvePlainScalar } from '../../../appspec/psych-scalar.js';

const cases: ReadonlyArray<[string, unknown]> = [
  ['', null],
  ['~', null],
  ['null', null],
  ['NULL', null],
  ['Null', null],
  ['nil', 'nil'],
  ['true', true],
  ['True', true],
  ['TrUe', true],
  ['yes', true],
  ['on', true],
  ['ON', true],
  ['false', false],
  ['no', false],
  ['Off', false],
  ['y', 'y'],
  ['n', 'n'],
  ['Y', 'Y'],
  ['linux', 'linux'],
  ['0', 0n],
  ['00', 0n],
  ['644', 644n],
  ['0644', 420n],
  ['-0644', -420n],
  ['0755', 493n],
  ['08', '08'],
  ['09.5', 9.5],
  ['0x1A', 26n],
  ['0b101', 5n],
  ['1_000', 1000n],
  ['1,000', 1000n],
  ['-12', -12n],
  ['+12', 12n],
  ['0.0', 0],
  ['1.0', 1],
  ['1.5', 1.5],
  ['.5', 0.5],
  ['1.', 1],
  ['1.5e+3', 1500],
  ['1e3', '1e3'],
  ['.', '.'],
  ['-.', '-.'],
  ['.inf', Infinity],
  ['-.Inf', -Infinity],
  ['.NaN', NaN],
  ['+.inf', '+.inf'],
  ['1:30', 5400n],
  ['190:20:30', 685230n],
  ['1:30.5', 5430],
  ['2001-12-14', '2001-12-14'],
  [':sym', ':sym'],
  ['12a', '12a'],
  ['u:bob:rwx', 'u:bob:rwx'],
  ['s3-s5:c0.c7,c13', 's3-s5:c0.c7,c13'],
  ['on\nno', true],
];

t.test('resolvePlainScalar', async (t) => {
  for (const [text, expected] of cases) {
    const got = resolvePlainScalar(text);
    if (typeof expected === 'number' && Number.isNaN(expected)) t.ok(typeof got === 'number' && Number.isNaN(got), JSON.stringify(text));
    else t.equal(got, expected, JSON.stringify(text));
  }
});
