// Parsing a `virtualHosts:` entry: names, tags, behaviour defaults, and errors naming the path.
import t from 'tap';
import { DEFAULT_EVENT_MS, generatedNames, parseVirtualHostGroup } from '../../../../sandbox/virtual-hosts/virtual-host-config.js';
import { parseSandboxConfig } from '../../../../sandbox/sandbox-config.js';

const problem = (path: string, reason: string): Error => new Error(`${path}: ${reason}`);
const parse = (v: unknown) => parseVirtualHostGroup(v, 'vh', problem);

t.test('names from a prefix and count, or listed; defaults', async (t) => {
  t.same(generatedNames('dev', 3), ['dev-001', 'dev-002', 'dev-003']);
  t.equal(generatedNames('dev', 10_000)[9999], 'dev-10000');
  const g = parse({ namePrefix: 'pi', count: 2, names: ['extra'], tags: { ring: 'canary', n: 3 } });
  t.same(g.names, ['extra', 'pi-001', 'pi-002']);
  t.same(g.tags, [{ Key: 'ring', Value: 'canary' }, { Key: 'n', Value: '3' }]);
  t.same(g.behaviour, { eventMs: { default: DEFAULT_EVENT_MS }, failEvents: [], failHosts: [], failureProbability: 0, seed: '0', health: 'healthy', agentVersion: '0.1.0-virtual' });
  const full = parse({
    names: ['a', 'b'],
    tags: [{ Key: 'fleet', Value: 'lab' }],
    eventMs: { default: 5, ApplicationStart: 50 },
    failEvents: 'ValidateService',
    failHosts: ['b'],
    failureProbability: 0.25,
    seed: 7,
    failOnRevision: 'releases/bad-*',
    health: 'degraded',
    unhealthyOnRevision: '*-hot.tgz',
    agentVersion: '9.9.9',
  });
  t.match(full.behaviour, { eventMs: { default: 5, ApplicationStart: 50 }, failEvents: ['ValidateService'], failHosts: ['b'], failureProbability: 0.25, seed: '7', failOnRevision: 'releases/bad-*', health: 'degraded', unhealthyOnRevision: '*-hot.tgz', agentVersion: '9.9.9' });
  t.same(full.tags, [{ Key: 'fleet', Value: 'lab' }]);
});

t.test('hostile or wrong entries are refused with their path', async (t) => {
  const bad: [unknown, RegExp][] = [
    [[], /^vh: expected a map/],
    [{}, /^vh: give names, or namePrefix and count/],
    [{ names: ['a\nb'] }, /^vh\.names\[0\]: expected a host name/],
    [{ names: ['../x'] }, /^vh\.names\[0\]/],
    [{ names: ['a', 'a'] }, /host a is declared twice/],
    [{ namePrefix: 'x', count: 0 }, /^vh\.count/],
    [{ namePrefix: 'x/y', count: 2 }, /^vh\.namePrefix/],
    [{ names: ['a'], eventMs: { Deploy: 5 } }, /^vh\.eventMs\.Deploy: unknown lifecycle event/],
    [{ names: ['a'], eventMs: -1 }, /^vh\.eventMs: expected milliseconds/],
    [{ names: ['a'], failEvents: ['Start'] }, /^vh\.failEvents\[0\]/],
    [{ names: ['a'], failHosts: ['b'] }, /^vh\.failHosts\[0\]: expected the name of a host of this group/],
    [{ names: ['a'], failureProbability: 2 }, /^vh\.failureProbability/],
    [{ names: ['a'], health: 'fine' }, /^vh\.health: expected one of healthy, degraded, unhealthy, stale, none/],
    [{ names: ['a'], tags: { ['k'.repeat(129)]: 'v' } }, /a tag key is 1-128 characters/],
    [{ names: ['a'], tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, /at most 10 tags/],
    [{ names: ['a'], color: 'red' }, /^vh\.color: unknown key/],
  ];
  for (const [input, message] of bad) t.throws(() => parse(input), { message }, JSON.stringify(input).slice(0, 60));
});

t.test('the sandbox config reads virtualHosts under an account', async (t) => {
  const config = parseSandboxConfig(
    `accounts:\n  - accountId: '200000000000'\n    kind: device\n    virtualHosts:\n      - namePrefix: dev\n        count: 2\n        tags: { fleet: lab }\n`,
    'test.yml',
  );
  t.same(config.accounts?.[0]?.virtualHosts.map((g) => g.names), [['dev-001', 'dev-002']]);
  t.throws(
    () => parseSandboxConfig(`accounts:\n  - accountId: '200000000000'\n    virtualHosts:\n      - { names: [a], health: odd }\n`, 'test.yml'),
    { code: 'CONFIG_INVALID', message: /sandbox config test\.yml: accounts\[0\]\.virtualHosts\[0\]\.health: expected one of/ },
  );
});
