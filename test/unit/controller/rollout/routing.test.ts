import t from 'tap';
import fc from 'fast-check';
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import { globMatch, routeRelease } from '../../../../controller/rollout/routing.js';
import { FLEET_YML } from './fixtures.js';

const config = (() => {
  const r = parseRolloutConfig(FLEET_YML);
  if (!r.ok) throw new Error('fixture');
  return r.config;
})();

t.test('glob: * any run, ? one character, whole text', async (t) => {
  t.ok(globMatch('v*-rc*', 'v1.2.0-rc1'));
  t.ok(globMatch('v*', 'v1.2.0-rc1'));
  t.notOk(globMatch('v*-rc*', 'v1.2.0'));
  t.ok(globMatch('v?.*', 'v1.0'));
  t.notOk(globMatch('v?.*', 'v10.0'));
  t.ok(globMatch('*', ''));
  t.notOk(globMatch('', 'x'));
  t.ok(globMatch('a*b*c', 'aXbYbZc'));
});

t.test('glob agrees with an equivalent regular expression', async () => {
  const chars = fc.constantFrom('a', 'b', '-', '.', '*', '?');
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '-', '.'), maxLength: 10 }), (p, s) => {
      const re = new RegExp(`^${p.replace(/[.-]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`, 's');
      return globMatch(p, s) === re.test(s);
    }),
    { numRuns: 2000 },
  );
});

t.test('the first environment that takes the release wins', async (t) => {
  const rc = routeRelease(config, 'v1.2.0-rc1');
  t.equal(rc.ok && rc.environment.name, 'staging');
  const prod = routeRelease(config, 'v1.2.0');
  t.equal(prod.ok && prod.environment.name, 'production');
});

t.test('an unmapped release is refused with the list of environments', async (t) => {
  const r = routeRelease(config, '1.2.0');
  t.notOk(r.ok);
  t.match(!r.ok && r.reason, 'release 1.2.0 matches no environment, so it goes nowhere; environments: staging (v*-rc*); production (v*)');
});

t.test('an explicit environment must take the release', async (t) => {
  t.match(routeRelease(config, 'v1.2.0', 'staging'), { ok: false, reason: /does not match environment staging/ });
  t.match(routeRelease(config, 'v1.2.0', 'qa'), { ok: false, reason: /no environment named qa/ });
  t.match(routeRelease(config, 'v1.2.0-rc1', 'production'), { ok: true });
});

t.test('excludes win over matches', async (t) => {
  const r = parseRolloutConfig(FLEET_YML.replace("match: 'v*'\n", "match: 'v*'\n    exclude: ['*-internal']\n"));
  if (!r.ok) throw new Error('parse');
  t.match(routeRelease(r.config, 'v2-internal'), { ok: false });
  t.match(routeRelease(r.config, 'v2'), { ok: true });
});

t.test('versions that cannot be S3 keys are refused', async (t) => {
  for (const v of ['', '../v1', 'v1\nv2', 'v 1', '-v1']) t.match(routeRelease(config, v), { ok: false, reason: /a release version is/ }, JSON.stringify(v));
});
