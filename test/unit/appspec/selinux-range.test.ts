import t from 'tap';
import { formatSelinuxRange, parseSelinuxRange } from '../../../appspec/index.js';
import { issues, permission } from './helpers.js';

const longMessage = (r: string): string =>
  `The deployment failed because of a problem with the SELinux range specified (${r}) for the context parameter in the permissions section of the application specification file. Make corrections in the permissions section of the AppSpec file, and then try again.`;

const invalid: ReadonlyArray<[string, string]> = [
  ['s3-s2:c0', longMessage('s3-s2:c0')],
  ['s3-:c0', 'invalid range part s3-'],
  [':c0', 'invalid range part :c0'],
  ['s', 'invalid sensitivity s'],
  ['s0-s-1', 'invalid sensitivity s-1'],
  ['sd3', 'invalid sensitivity sd3'],
  ['d3', 'invalid sensitivity d3'],
  ['s0:c2.c1', 'invalid category range c2.c1'],
  ['s0:c2.', 'invalid range part c2.'],
  ['s0:', 'invalid range part s0:'],
  ['s0:c', 'invalid category c'],
  ['s0:c-1', 'invalid category c-1'],
  ['s0:c1024', 'invalid category c1024'],
  ['s0:c0.c1024', 'invalid category c1024'],
  ['s0:cd3', 'invalid category cd3'],
  ['s0:d3', 'invalid category d3'],
  ['s0:c0.c2,c1', 'duplicate categories'],
  ['s0:c3,c3', 'duplicate categories'],
  ['s0:c1.c2.c3', 'invalid category c2.c3'],
  ['s0:,c1', 'invalid category '],
  ['s0:,', 'invalid range part s0:,'],
  ['', 'invalid range part '],
  ['-s1', 'invalid range part -s1'],
];

t.test('invalid ranges: official messages', async (t) => {
  for (const [range, message] of invalid) {
    const r = parseSelinuxRange(range);
    t.notOk(r.ok, range);
    if (!r.ok) {
      t.equal(r.issue.code, 'APPSPEC_SELINUX_RANGE', range);
      t.equal(r.issue.message, message, range);
    }
  }
});

t.test('invalid ranges through parseAppSpec', async (t) => {
  for (const [range, message] of invalid) {
    const got = issues(permission(`    context:\n      name: 'name'\n      type: 'type'\n      range: '${range}'\n`));
    t.same(got, [{ code: 'APPSPEC_SELINUX_RANGE', message, path: 'permissions[0].context.range' }], range);
  }
});

const valid: ReadonlyArray<[string, string]> = [
  ['s3', 's3'],
  ['s5', 's5'],
  ['s3-s3', 's3'],
  ['s0-s15', 's0-s15'],
  ['s03-s05', 's3-s5'],
  ['s3-s5:c0.c7,c13', 's3-s5:c0.c7,c13'],
  ['s3-s7:c5,c8.c10,c17', 's3-s7:c5,c8.c10,c17'],
  ['s0:c0.c1,c15,c7.c9', 's0:c0.c1,c7.c9,c15'],
  ['s2-s3:c0,c2,c3,c4,c6', 's2-s3:c0,c2.c4,c6'],
  ['s0:c5,c6', 's0:c5.c6'],
  ['s0:c1023', 's0:c1023'],
  ['s0:c0.c1023', 's0:c0.c1023'],
  ['s0:c1,', 's0:c1'],
  ['s99999999999999999999', 's99999999999999999999'],
];

t.test('valid ranges are normalised', async (t) => {
  for (const [range, normalised] of valid) {
    const r = parseSelinuxRange(range);
    t.ok(r.ok, range);
    if (r.ok) t.equal(formatSelinuxRange(r.range), normalised, range);
  }
});

t.test('parsed fields (official full example)', async (t) => {
  const r = parseSelinuxRange('s3-s5:c0.c7,c13');
  t.same(r, { ok: true, range: { lowSensitivity: 3n, highSensitivity: 5n, categories: [0, 1, 2, 3, 4, 5, 6, 7, 13] } });
  const single = parseSelinuxRange('s5');
  t.same(single, { ok: true, range: { lowSensitivity: 5n, highSensitivity: 5n } });
});
