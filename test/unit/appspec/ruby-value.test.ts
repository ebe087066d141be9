import t from 'tap';
import { rubyFloatToS, rubyInspect, rubyStrip, rubyStringToI, rubyToI, rubyToS, type RubyValue } from '../../../appspec/ruby-value.js';

t.test('Float#to_s', async (t) => {
  const cases: ReadonlyArray<[number, string]> = [
    [1, '1.0'], [2.5, '2.5'], [100, '100.0'], [0, '0.0'], [-0, '-0.0'], [1e20, '1.0e+20'], [1e16, '1.0e+16'], [1e15, '1000000000000000.0'],
    [0.0001, '0.0001'], [0.00001, '1.0e-05'], [-1.5e-7, '-1.5e-07'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [NaN, 'NaN'],
  ];
  for (const [n, s] of cases) t.equal(rubyFloatToS(n), s, String(n));
});

t.test('inspect and to_s', async (t) => {
  const hash: RubyValue = new Map<RubyValue, RubyValue>([['name', 'x'], [1n, [2.0, null, true]], ['q', 'a"b\\\n#{c}']]);
  t.equal(rubyInspect(hash), '{"name"=>"x", 1=>[2.0, nil, true], "q"=>"a\\"b\\\\\\n\\#{c}"}');
  t.equal(rubyToS(hash), rubyInspect(hash));
  t.equal(rubyToS(null), '');
  t.equal(rubyToS('plain'), 'plain');
  t.equal(rubyToS(12n), '12');
  t.equal(rubyToS(false), 'false');
  t.equal(rubyInspect([]), '[]');
  t.equal(rubyInspect(new Map()), '{}');
  const loop: RubyValue[] = [];
  loop.push(loop);
  t.equal(rubyInspect(loop), '[[...]]');
});

t.test('to_i and strip', async (t) => {
  t.equal(rubyStringToI('300'), 300n);
  t.equal(rubyStringToI('  -12abc'), -12n);
  t.equal(rubyStringToI('1_000'), 1000n);
  t.equal(rubyStringToI('_1'), 0n);
  t.equal(rubyStringToI('0x1A'), 0n);
  t.equal(rubyStringToI('foo'), 0n);
  t.equal(rubyToI(1.9), 1n);
  t.equal(rubyToI(-1.9), -1n);
  t.equal(rubyToI(NaN), undefined);
  t.equal(rubyToI(true), undefined);
  t.equal(rubyToI([]), undefined);
  t.equal(rubyToI(null), 0n);
  t.equal(rubyStrip('\t a b \n\0'), 'a b');
});
