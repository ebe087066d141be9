import t from 'tap';
import { parseCsvInventory, parseYamlInventory } from '../../../../controller/fleet/inventory.js';
import { readCsv } from '../../../../controller/fleet/csv.js';
import { diffTags, parseTagList } from '../../../../controller/fleet/tags.js';

const SESSION = (n: string): string => `arn:aws:sts::111111111111:assumed-role/edge/${n}`;

t.test('CSV: a valid inventory with every identity column', async (t) => {
  const csv = `name,tags,iam_session_arn,iam_user_arn,identity,thing_group
pi-1,site=a;fleet=pi,${SESSION('pi-1')},,,
pi-2,site=b,,arn:aws:iam::111111111111:user/pi-2,,
pi-3,,,,iot,lab
"pi-4","a=1;b=2",,,create-iam-user,
`;
  const inv = parseCsvInventory(csv, {});
  t.same(inv.problems, []);
  t.same(
    inv.devices.map((d) => [d.name, d.identity.mode, d.tags.length, d.thingGroup ?? null, d.line]),
    [
      ['pi-1', 'iam-session', 2, null, 2],
      ['pi-2', 'iam-user', 1, null, 3],
      ['pi-3', 'iot', 0, 'lab', 4],
      ['pi-4', 'create-iam-user', 2, null, 5],
    ],
  );
});

t.test('CSV: every bad row is reported with line, field and reason', async (t) => {
  const csv = `name,tags,iam_session_arn,identity,thing_group
ok-1,,${SESSION('ok-1')},,
i-123,,${SESSION('x')},,
bad name,,${SESSION('y')},,
ok-1,,${SESSION('z')},,
dup-arn,,${SESSION('ok-1')},,
two,,${SESSION('two')},iot,
none,,,,
tags,notatag,${SESSION('tags')},,
group,,${SESSION('group')},,lab
dot.name,,,iot,
eleven,a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9;j=10;k=11,${SESSION('eleven')},,
weird,,,robot,
arn,,arn:aws:iam::1:user/x,,
`;
  const inv = parseCsvInventory(csv, {});
  const byLine = inv.problems.map((p) => `${p.line}:${p.field}`);
  t.same(byLine, ['3:name', '4:name', '5:name', '6:iam_session_arn', '7:identity', '8:identity', '9:tags', '10:thing_group', '11:name', '12:tags', '13:identity', '14:iam_session_arn']);
  t.match(inv.problems.find((p) => p.line === 5)?.reason, /also on line 2/);
  t.match(inv.problems.find((p) => p.line === 12)?.reason, /at most 10/);
  t.equal(inv.devices.length, 1, 'only the valid row is kept');
});

t.test('CSV: header problems and quoting', async (t) => {
  t.match(parseCsvInventory('name,colour\n', {}).problems, [{ line: 1, field: 'colour', reason: /unknown column/ }]);
  t.match(parseCsvInventory('', {}).problems, [{ reason: /header/ }]);
  t.match(readCsv('a,"b\n'), { error: /not closed/ });
  t.same(readCsv('a,"x,""y"""\r\n\r\nc,d'), { records: [{ line: 1, fields: ['a', 'x,"y"'] }, { line: 3, fields: ['c', 'd'] }] });
});

t.test('YAML: defaults apply to every device; devices win; line numbers point at the entry', async (t) => {
  const yaml = `defaults:
  tags: {fleet: pi, site: hq}
  identity: iot
  thing_group: lab
  iot: {role_arn: "arn:aws:iam::111111111111:role/edge", role_alias: my-alias}
devices:
  - name: pi-1
    tags: {site: a}
  - name: pi-2
    iam_session_arn: ${SESSION('pi-2')}
  - name: bad.name
`;
  const inv = parseYamlInventory(yaml, {});
  t.same(inv.iot, { roleArn: 'arn:aws:iam::111111111111:role/edge', roleAlias: 'my-alias' });
  t.same(inv.problems.map((p) => [p.line, p.field]), [[11, 'name']]);
  t.same(inv.devices[0]?.tags, [{ Key: 'fleet', Value: 'pi' }, { Key: 'site', Value: 'a' }]);
  t.equal(inv.devices[0]?.thingGroup, 'lab');
  t.equal(inv.devices[1]?.identity.mode, 'iam-session');
  t.equal(inv.devices[1]?.thingGroup, undefined, 'a thing group applies to IoT devices only');
});

t.test('YAML: structural problems', async (t) => {
  t.match(parseYamlInventory('devices: [a\n', {}).problems, [{ reason: /not valid YAML/ }]);
  t.match(parseYamlInventory('- a\n', {}).problems, [{ reason: /expected a map/ }]);
  t.match(parseYamlInventory('colour: 1\ndevices: {}\n', {}).problems, [{ line: 1, field: 'colour' }, { field: 'devices' }]);
  t.match(parseYamlInventory('defaults: {iam_session_arn: x}\ndevices: []\n', {}).problems, [{ field: 'defaults', reason: /one device/ }]);
});

t.test('tags: parsing and the difference to apply', async (t) => {
  t.same(parseTagList(' a=1 , b= ', ','), { tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '' }] });
  t.match(parseTagList('a', ','), { error: /Key=Value/ });
  t.same(diffTags([{ Key: 'a', Value: '1' }, { Key: 'old', Value: 'x' }, { Key: 'b', Value: '2' }], [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '9' }, { Key: 'c', Value: '' }]), {
    add: [{ Key: 'a', Value: '9' }, { Key: 'c', Value: '' }],
    remove: [{ Key: 'old', Value: 'x' }],
  });
});
