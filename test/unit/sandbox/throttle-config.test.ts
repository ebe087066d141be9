// Limits configuration: validation with errors that name the key, flags, merging, and which
// settings apply to an operation.
import t from 'tap';
import { describeLimits, limitsFromFlags, mergeLimits, parseLimits, resolveRule } from '../../../sandbox/limits/limits-config.js';
import { parseSandboxConfig } from '../../../sandbox/sandbox-config.js';

t.test('parseLimits accepts the documented shape', async (t) => {
  const c = parseLimits({ seed: 3, default: { tps: 20, latencyMs: 5 }, operations: { RegisterOnPremisesInstance: { tps: 5, burst: 2 }, 's3:*': { throttleRate: 0.1, errorRate: 0.05 } } });
  t.same(c, { seed: 3, default: { tps: 20, latencyMs: 5 }, operations: { RegisterOnPremisesInstance: { tps: 5, burst: 2 }, 's3:*': { throttleRate: 0.1, errorRate: 0.05 } } });
  t.same(parseLimits(undefined), {});
});

t.test('bad limits are refused with the key and what to write', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ default: { tps: 0 } }, /limits\.default\.tps: expected a number of requests per second above 0/],
    [{ default: { throttleRate: 1.5 } }, /throttleRate: expected a probability between 0 and 1/],
    [{ operations: { 's3:*': { errorRate: -0.1 } } }, /limits\.operations\.s3:\*\.errorRate: expected a probability between 0 and 1/],
    [{ default: { errorRate: '5%' } }, /errorRate: expected a probability/],
    [{ default: { burst: 1.5 } }, /burst: expected a whole number/],
    [{ default: { latencyMs: -1 } }, /latencyMs: expected milliseconds/],
    [{ default: { tsp: 1 } }, /unknown setting tsp/],
    [{ operations: { '*': { tps: 1 } } }, /use 'default' for every service/],
    [{ operations: { 'ec2:RunInstances': { tps: 1 } } }, /unknown service "ec2"/],
    [{ operations: { 'bad key!': { tps: 1 } } }, /bad operation key/],
    [{ seed: 'x' }, /seed: expected a whole number/],
    [{ rate: 1 }, /unknown key rate/],
    [[1], /expected a map/],
  ];
  for (const [value, message] of cases) t.throws(() => parseLimits(value), { code: 'CONFIG_INVALID', message }, JSON.stringify(value));
});

t.test('the sandbox config file carries a limits section', async (t) => {
  const c = parseSandboxConfig('limits:\n  seed: 1\n  operations:\n    codedeploy:ListOnPremisesInstances: { tps: 2 }\n', 'sb.yaml');
  t.same(c.limits, { seed: 1, operations: { 'codedeploy:ListOnPremisesInstances': { tps: 2 } } });
  t.throws(() => parseSandboxConfig('limits:\n  default: { tps: -1 }\n', 'sb.yaml'), /sandbox config sb\.yaml: limits\.default\.tps/);
});

t.test('resolution: most specific key first, setting by setting; defaults skip the Commands API', async (t) => {
  const c = parseLimits({
    default: { tps: 50, latencyMs: 10, throttleRate: 0.3 },
    operations: { 'codedeploy:*': { tps: 20 }, RegisterOnPremisesInstance: { tps: 5 }, 'codedeploy:RegisterOnPremisesInstance': { burst: 1 }, 's3:*': { latencyMs: 0 } },
  });
  t.same(resolveRule(c, 'codedeploy', 'RegisterOnPremisesInstance'), { tps: 5, burst: 1, latencyMs: 10, throttleRate: 0.3 });
  t.same(resolveRule(c, 'codedeploy', 'ListApplications'), { tps: 20, latencyMs: 10, throttleRate: 0.3 });
  t.same(resolveRule(c, 'iam', 'CreateUser'), { tps: 50, latencyMs: 10, throttleRate: 0.3 });
  t.same(resolveRule(c, 's3', '*'), { tps: 50, latencyMs: 0, throttleRate: 0.3 });
  t.same(resolveRule(c, 'codedeploy-commands', 'PollHostCommand'), {}, 'the long poll is untouched by defaults');
  t.same(resolveRule(parseLimits({ operations: { PollHostCommand: { throttleRate: 1 } } }), 'codedeploy-commands', 'PollHostCommand'), { throttleRate: 1 });
  t.same(resolveRule(parseLimits({ operations: { 'codedeploy-commands:*': { latencyMs: 3 } } }), 'codedeploy-commands', 'PutHostCommandComplete'), { latencyMs: 3 });
});

t.test('flags of fleetctl sandbox start', async (t) => {
  const c = limitsFromFlags({ tps: 'RegisterOnPremisesInstance=5, codedeploy:ListOnPremisesInstances=2', tpsDefault: '20', latencyMs: '15', throttleRate: '0.3', throttleSeed: '42' });
  t.same(c, {
    seed: 42,
    default: { tps: 20, latencyMs: 15, throttleRate: 0.3 },
    operations: { RegisterOnPremisesInstance: { tps: 5 }, 'codedeploy:ListOnPremisesInstances': { tps: 2 } },
  });
  t.same(limitsFromFlags({ latencyMs: 'GetObject=3,s3:*=7' }).operations, { GetObject: { latencyMs: 3 }, 's3:*': { latencyMs: 7 } });
  t.same(limitsFromFlags({}), {});
  t.throws(() => limitsFromFlags({ tps: 'Register' }), /--tps: expected Operation=N/);
  t.throws(() => limitsFromFlags({ tps: 'Register=lots' }), /--tps: expected a number/);
  t.throws(() => limitsFromFlags({ throttleRate: '30%' }), /--throttle-rate: expected a number/);
  t.throws(() => limitsFromFlags({ throttleRate: '30' }), /throttleRate: expected a probability/);
});

t.test('flags overlay the config file setting by setting; a one-line summary', async (t) => {
  const file = parseLimits({ seed: 1, default: { tps: 10, latencyMs: 5 }, operations: { A: { tps: 1, burst: 3 } } });
  const merged = mergeLimits(file, limitsFromFlags({ tps: 'A=2,B=4', throttleRate: '0.5' }));
  t.same(merged, { seed: 1, default: { tps: 10, latencyMs: 5, throttleRate: 0.5 }, operations: { A: { tps: 2, burst: 3 }, B: { tps: 4 } } });
  t.same(mergeLimits({}, {}), {});
  t.equal(describeLimits(merged), 'default: tps 10, latencyMs 5, throttleRate 0.5; A: tps 2, burst 3; B: tps 4 (seed 1)');
  t.equal(describeLimits({}), undefined);
  t.equal(describeLimits({ seed: 2, operations: { 's3:*': { throttleRate: 0.05, errorRate: 0.05 } } }), 's3:*: throttleRate 0.05, errorRate 0.05 (seed 2)');
});
