// `rings:` in fleet.yml: both forms, every mistake with its line, the ring targets a target
// expands into, and waves naming a whole target, one ring, or labels.
import t from 'tap';
import { formatProblems, parseRolloutConfig, selectTargets } from '../../../../controller/rollout/config-parse.js';
import type { DevicesTarget, RolloutConfig } from '../../../../controller/rollout/config-types.js';

const WAVES = `      - { name: canary, targets: [eu-pis@ring1] }
      - { name: rest, targets: [lab-pis, eu-pis@ring2, eu-pis@ring3, eu-pis@ring4] }`;
const ALL_RINGS = ['eu-pis@ring1', 'eu-pis@ring2', 'eu-pis@ring3', 'eu-pis@ring4'];

const yml = (opts: { rings?: string; select?: string; group?: string; waves?: string } = {}): string => `application: air-quality
region: eu-west-1
release: { bucket: acme-releases, parts: { device: ./device } }
targets:
  lab-pis: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality, site: lab } }
  eu-pis:
    kind: devices
    deployment_group: ${opts.group ?? 'pi-eu'}
    select: ${opts.select ?? '{ fleet: air-quality }'}
    labels: { tier: field }
    rings: ${opts.rings ?? '[1, 10, 50, 100]'}
environments:
  - name: production
    match: 'v*'
    waves:
${opts.waves ?? WAVES}
`;

function parse(text: string): RolloutConfig {
  const r = parseRolloutConfig(text);
  if (!r.ok) throw new Error(formatProblems('fleet.yml', r.problems));
  return r.config;
}

const problemsOf = (text: string): string => {
  const r = parseRolloutConfig(text);
  return r.ok ? '' : formatProblems('fleet.yml', r.problems);
};

t.test('a target with rings becomes one target per ring, in config order, each with its own group', async (t) => {
  const config = parse(yml());
  t.same(config.targets.map((x) => x.name), ['lab-pis', 'eu-pis@ring1', 'eu-pis@ring2', 'eu-pis@ring3', 'eu-pis@ring4']);
  const rings = { percents: [1, 10, 50, 100], tag: 'fleetctl-ring' };
  const r2 = config.targets[2] as DevicesTarget;
  t.match(r2, { kind: 'devices', deploymentGroup: 'pi-eu-ring2', select: { fleet: 'air-quality' }, labels: { tier: 'field' } });
  t.equal(r2.autoRollback, true);
  t.same(r2.ring, { base: 'eu-pis', baseGroup: 'pi-eu', index: 2, rings });
  t.notOk('rings' in r2, 'a ring target is not split again');
  t.notOk((config.targets[0] as DevicesTarget).ring, 'a target without rings stays as it is');
  const [canary, rest] = config.environments[0]?.waves ?? [];
  t.same(selectTargets(canary!.select, config.targets).map((x) => x.name), ['eu-pis@ring1']);
  t.same(selectTargets(rest!.select, config.targets).map((x) => x.name), ['lab-pis', 'eu-pis@ring2', 'eu-pis@ring3', 'eu-pis@ring4']);
});

t.test('the map form: percentages, a seed, a tag of its own; percentages may be written 10%', async (t) => {
  const rings = '{ percents: [5%, 100%], seed: q3, tag: canary-ring }';
  const config = parse(yml({ rings, waves: '      - { targets: [eu-pis@ring1, eu-pis@ring2] }' }));
  t.same((config.targets[1] as DevicesTarget).ring?.rings, { percents: [5, 100], seed: 'q3', tag: 'canary-ring' });
  t.same(config.targets.map((x) => x.name), ['lab-pis', 'eu-pis@ring1', 'eu-pis@ring2']);
});

t.test('a wave naming the target takes all its rings; labels pick ring targets too', async (t) => {
  const config = parse(yml({ waves: '      - { name: all, targets: [eu-pis] }\n      - { name: lab, targets: [lab-pis] }' }));
  const all = config.environments[0]?.waves[0];
  t.same(selectTargets(all!.select, config.targets).map((x) => x.name), ALL_RINGS);
  const byLabel = parse(yml({ waves: '      - { name: field, targets: { labels: { tier: field } } }' }));
  t.same(selectTargets(byLabel.environments[0]!.waves[0]!.select, byLabel.targets).map((x) => x.name), ALL_RINGS);
});

t.test('a ring is deployed once: naming the target after one of its rings is an error; unknown names list the known ones', async (t) => {
  const twice = yml({ waves: '      - { name: canary, targets: [eu-pis@ring1] }\n      - { name: rest, targets: [eu-pis] }' });
  t.match(problemsOf(twice), /waves\[1\]\.targets: target eu-pis@ring1 is already in wave canary/);
  const unknown = yml({ waves: '      - { name: canary, targets: [eu-pis@ring5, eu-piz] }' });
  const known = ['lab-pis', 'eu-pis', ...ALL_RINGS].join(', ');
  t.match(problemsOf(unknown), `unknown targets eu-pis@ring5, eu-piz; targets: ${known}`);
});

t.test('every mistake in rings is a problem with its line', async (t) => {
  const cases: [string, Parameters<typeof yml>[0], RegExp][] = [
    ['not increasing', { rings: '[10, 5, 100]' }, /fleet\.yml:11: targets\.eu-pis\.rings\[1\]: the percentages are cumulative/],
    ['not ending at 100', { rings: '[1, 10, 50]' }, /fleet\.yml:11: targets\.eu-pis\.rings: the last ring is the whole fleet: end .* 100/],
    ['zero', { rings: '[0, 100]' }, /rings\[0\]: expected a percentage of the fleet above 0 and at most 100, got "0"/],
    ['over 100', { rings: '[50, 101]' }, /rings\[1\]: expected a percentage .* got "101"/],
    ['not a number', { rings: '[few, 100]' }, /rings\[0\]: expected a percentage/],
    ['too many', { rings: `[${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100].join(', ')}]` }, /targets\.eu-pis\.rings: at most 10 rings/],
    ['not a list', { rings: '50' }, /targets\.eu-pis\.rings: expected a list of cumulative percentages/],
    ['unknown key', { rings: '{ percent: [1, 100] }' }, /rings\.percent: unknown key \(did you mean percents\?\)[\s\S]*percents: required/],
    ['three select tags', { select: '{ fleet: a, site: b, hw: pi4 }' }, /targets\.eu-pis\.rings: with rings, select takes at most 2 tags/],
    ['ring tag among the select tags', { rings: '{ percents: [1, 100], tag: fleet }' }, /the ring tag fleet is also a select tag/],
    [
      'a group name too long for its rings',
      { group: 'g'.repeat(96) },
      /fleet\.yml:8: targets\.eu-pis\.deployment_group: the ring groups are named <deployment_group>-ring4, .*: keep it to 94/,
    ],
  ];
  for (const [what, opts, re] of cases) t.match(problemsOf(yml(opts)), re, what);
  t.equal(problemsOf(yml({ group: 'g'.repeat(94) })), '', '94 + -ring4 fits');
});
