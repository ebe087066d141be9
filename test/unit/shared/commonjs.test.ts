import t from 'tap';
import { commonJsExports } from '../../../shared/commonjs.js';

t.test("node's namespace of a CommonJS package: its module.exports", async (t) => {
  const ns = await import('yaml');
  const exports = commonJsExports(ns);
  t.equal(typeof exports.parse, 'function');
  t.equal(exports.parse('a: 1').a, 1);
});

t.test("the bundle's namespace of a CommonJS chunk (only default): the same object", async (t) => {
  const whole = { Gpio: class Gpio {} };
  t.equal(commonJsExports({ default: whole } as unknown as typeof whole), whole);
  const fn = Object.assign(() => 1, { extra: 2 });
  t.equal(commonJsExports({ default: fn } as unknown as typeof fn), fn, 'a function as module.exports');
});

t.test('a namespace without an object default is returned as it is', async (t) => {
  const ns = { a: 1, default: undefined };
  t.equal(commonJsExports(ns), ns);
  const str = { default: 'text' };
  t.equal(commonJsExports(str), str);
});
