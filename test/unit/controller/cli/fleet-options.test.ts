import t from 'tap';
import { InvalidArgumentError } from 'commander';
import { positiveInt, parseRepeatable, TPS_HELP, DEFAULT_OUT } from '../../../../controller/cli/fleet-options.js';
import { DEFAULT_TPS } from '../../../../controller/aws/limits.js';

t.test('the --tps help names every service and its default (kept without importing the SDKs)', async (t) => {
  for (const [s, tps] of Object.entries(DEFAULT_TPS)) t.match(TPS_HELP, `${s}=${tps}`, s);
  t.equal(DEFAULT_OUT, 'fleetctl-bundles');
});

t.test('number flags and repeatable flags', async (t) => {
  t.equal(positiveInt('4'), 4);
  for (const bad of ['0', '-1', '1.5', 'x', '']) t.throws(() => positiveInt(bad), InvalidArgumentError, bad);
  t.same(parseRepeatable('b', parseRepeatable('a', undefined)), ['a', 'b']);
});
