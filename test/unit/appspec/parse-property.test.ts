// parseAppSpec never throws, and its result always has the documented shape.
import fc from 'fast-check';
import t from 'tap';
import { stringify } from 'yaml';
import { parseAppSpec } from '../../../appspec/index.js';
import { ERROR_CODES } from '../../../shared/errors.js';

function checkResult(text: string): boolean {
  const r = parseAppSpec(text);
  if (!Array.isArray(r.warnings)) return false;
  if (r.ok) return typeof r.appspec === 'object' && r.appspec !== null;
  return r.issues.length > 0 && r.issues.every((i) => Object.hasOwn(ERROR_CODES, i.code) && typeof i.message === 'string' && i.message.length > 0);
}

const yamlish = fc.stringMatching(/^[-\w :#{}[\],&*!|>'"\n.~<?@%`\\]*$/, { maxLength: 200 });

t.test('arbitrary strings', async (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), checkResult), { numRuns: 300 });
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), checkResult), { numRuns: 150 });
  fc.assert(fc.property(yamlish, checkResult), { numRuns: 300 });
  t.pass('no throw, well-formed results');
});

const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('0644', '0.0', 'u:bob:rwx', 's0:c1'));
const section = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 })),
})).value;
const appspecLike = fc.record(
  {
    version: fc.oneof(fc.constant(0), fc.constant('0.0'), leaf),
    os: fc.oneof(fc.constantFrom('linux', 'windows'), leaf),
    files: fc.oneof(fc.array(fc.record({ source: leaf, destination: leaf }, { requiredKeys: [] }), { maxLength: 3 }), section),
    permissions: fc.oneof(
      fc.array(
        fc.record(
          { object: leaf, pattern: leaf, except: section, type: section, mode: leaf, acls: fc.array(leaf, { maxLength: 3 }), context: section },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      section,
    ),
    hooks: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.constant(null), fc.array(fc.record({ location: leaf, timeout: leaf, runas: leaf, sudo: leaf }, { requiredKeys: [] }), { maxLength: 3 }))), section),
    file_exists_behavior: leaf,
  },
  { requiredKeys: [] },
);

t.test('arbitrary JSON-ish values serialised as YAML and JSON', async (t) => {
  fc.assert(fc.property(section, (v) => checkResult(stringify(v)) && checkResult(JSON.stringify(v) ?? 'null')), { numRuns: 300 });
  fc.assert(fc.property(appspecLike, (v) => checkResult(stringify(v)) && checkResult(JSON.stringify(v))), { numRuns: 300 });
  t.pass('no throw, well-formed results');
});

t.test('hostile inputs', async (t) => {
  const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 0; i < 12; i++) lol.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
  lol.push('version: *m', 'os: linux');
  const r = parseAppSpec(lol.join('\n'));
  t.notOk(r.ok);
  if (!r.ok) t.ok(r.issues[0]!.message.length < 5000, 'billion laughs: message stays short');
  t.ok(checkResult('['.repeat(20000)), 'deep nesting');
  t.ok(checkResult(`${'- '.repeat(3000)}x`), 'deep block nesting');
  t.ok(checkResult('\uFEFFversion: 0.0\nos: linux\n'), 'BOM');
});
