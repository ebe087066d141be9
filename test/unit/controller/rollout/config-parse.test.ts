import t from 'tap';
import { formatProblems, parseRolloutConfig, selectTargets } from '../../../../controller/rollout/config-parse.js';
import { FLEET_YML } from './fixtures.js';

const problemsOf = (text: string): string => {
  const r = parseRolloutConfig(text);
  return r.ok ? '' : formatProblems('fleet.yml', r.problems);
};

t.test('the documented example parses whole', async (t) => {
  const r = parseRolloutConfig(FLEET_YML);
  if (!r.ok) throw new Error(formatProblems('fleet.yml', r.problems));
  const { config } = r;
  t.equal(config.application, 'air-quality');
  t.same(config.targets.map((x) => [x.name, x.kind, x.region, x.account ?? '-']), [
    ['lab-pis', 'devices', 'us-east-1', '-'],
    ['eu-pis', 'devices', 'eu-west-1', '333333333333'],
    ['unicorn', 'stack', 'us-east-1', '222222222222'],
    ['unicorn-web', 'web', 'us-east-1', '222222222222'],
  ]);
  const stack = config.targets[2];
  t.equal(stack?.kind === 'stack' && stack.releaseParameters.version, 'ReleaseVersion');
  t.equal(stack?.externalId, 'unicorn-7f3');
  const gold = config.environments[1]?.waves[1];
  t.same(gold?.maxFailed, { count: 1 });
  t.equal(gold?.concurrency, 20);
  t.same(selectTargets(gold!.select, config.targets).map((x) => x.name), ['unicorn', 'unicorn-web']);
  t.equal(config.environments[0]?.waves[0]?.name, 'wave-1', 'unnamed waves are numbered');
});

t.test('every problem is reported with its line and path, not just the first', async (t) => {
  const text = FLEET_YML.replace("account: '333333333333'", 'account: 033333333333')
    .replace('deployment_group: pi-eu', 'deployment_grup: pi-eu')
    .replace('stack: air-quality', 'stack: 9air')
    .replace("[ { targets: [lab-pis] } ]", '[ { targets: [lab-piz] } ]');
  const out = problemsOf(text);
  t.match(out, /fleet\.yml:11: targets\.eu-pis\.account: expected 12 digits, got 33333333333 \(quote account ids/);
  t.match(out, /targets\.eu-pis\.deployment_grup: unknown key \(did you mean deployment_group\?\)/);
  t.match(out, /targets\.eu-pis: required|targets\.eu-pis\.deployment_group: required/);
  t.match(out, /targets\.unicorn\.stack: expected a stack name/);
  t.match(out, /environments\[0\]\.waves\[0\]\.targets: unknown target lab-piz; targets: lab-pis, eu-pis, unicorn, unicorn-web/);
  const lines = out.split('\n').map((l) => Number(l.split(':')[1]));
  t.same(lines, [...lines].sort((a, b) => a - b), 'in file order');
});

t.test('cross-checks: role account, KMS alias across accounts, parts, one wave per target', async (t) => {
  t.match(problemsOf(FLEET_YML.replace("role_arn: 'arn:aws:iam::333333333333", "role_arn: 'arn:aws:iam::444444444444")), /the role is in account 444444444444, the target in 333333333333/);
  t.match(problemsOf(FLEET_YML.replace(/kms_key_id: .*/, 'kms_key_id: alias/releases')), /release\.kms_key_id: targets in other accounts cannot resolve a KMS alias: use the key ARN/);
  t.match(problemsOf(FLEET_YML.replace(', web: web/dist', '')), /targets\.unicorn-web: a web target needs release\.parts\.web/);
  t.match(problemsOf(FLEET_YML.replace('targets: [lab-pis, eu-pis]', 'targets: [lab-pis, eu-pis, unicorn]')), /target unicorn is already in wave devices/);
  t.match(problemsOf(FLEET_YML.replace('tier: gold } }, concurrency', 'tier: platinum } }, concurrency')), /no target has the labels \{"tier":"platinum"\}/);
  t.match(problemsOf(FLEET_YML.replace('max_failed: 1', 'max_failed: lots')), /max_failed: expected a count \(e\.g\. 2\) or a percentage/);
  t.match(problemsOf(FLEET_YML.replace("external_id: unicorn-7f3", 'external_id: "x"')), /external_id: expected 2 to 1,224/);
});

t.test('region: from the file, else the default given, else a problem', async (t) => {
  const noRegion = FLEET_YML.replace('region: us-east-1\n', '');
  t.match(problemsOf(noRegion), /targets\.lab-pis: no region/);
  const r = parseRolloutConfig(noRegion, { defaultRegion: 'ap-south-1' });
  t.ok(r.ok && r.config.targets[0]?.region === 'ap-south-1');
});

t.test('syntax errors and wrong shapes are problems, never exceptions', async (t) => {
  t.match(problemsOf('application: [\n'), /not valid YAML/);
  t.match(problemsOf('- a\n- b\n'), /\(top\): expected a map/);
  t.match(problemsOf('application: x\napplication: y\n'), /not valid YAML/);
  t.match(problemsOf('application: a\nrelease: { bucket: B, parts: {} }\ntargets: {}\nenvironments: []\n'), /release\.bucket: expected an S3 bucket name/);
});

t.test('web prefixes and deployment configs are normalised', async (t) => {
  const text = FLEET_YML.replace('bucket: unicorn-site', 'bucket: unicorn-site\n    prefix: site/app\n    delete_removed: true').replace(
    'deployment_group: pi-eu',
    'deployment_group: pi-eu\n    deployment_config: { minimum_healthy_hosts: 75% }',
  );
  const r = parseRolloutConfig(text);
  if (!r.ok) throw new Error(formatProblems('f', r.problems));
  const web = r.config.targets[3];
  t.same(web?.kind === 'web' && [web.prefix, web.deleteRemoved], ['site/app/', true]);
  const eu = r.config.targets[1];
  t.same(eu?.kind === 'devices' && eu.deploymentConfig, { minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 } });
  t.match(problemsOf(FLEET_YML.replace('bucket: unicorn-site', 'bucket: unicorn-site\n    prefix: ../up')), /prefix: a key prefix may not hold empty, \. or \.\. segments/);
});
