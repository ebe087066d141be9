// The pure parts of CodeDeploy orchestration: tag-set target selection and minimum-healthy-hosts
// batching, table-driven.
import t from 'tap';
import { batchSizes, nextBatchStep, planHealth, type BatchCounts, type HealthPlan, type MinimumHealthyHostsSpec } from '../../../sandbox/codedeploy/batch-planner.js';
import {
  effectiveFilterType,
  matchesTagFilter,
  selectInstances,
  type SelectableInstance,
  type TagFilterLike,
  type TagSelection,
} from '../../../sandbox/codedeploy/target-selection.js';

const tags = [
  { Key: 'fleet', Value: 'air' },
  { Key: 'stage', Value: 'prod' },
  { Key: 'empty', Value: '' },
];

t.test('a single tag filter', async (t) => {
  const rows: [string, TagFilterLike, boolean][] = [
    ['KEY_ONLY present', { Key: 'fleet', Type: 'KEY_ONLY' }, true],
    ['KEY_ONLY ignores the value', { Key: 'fleet', Value: 'water', Type: 'KEY_ONLY' }, true],
    ['KEY_ONLY absent', { Key: 'site', Type: 'KEY_ONLY' }, false],
    ['VALUE_ONLY on any key', { Value: 'prod', Type: 'VALUE_ONLY' }, true],
    ['VALUE_ONLY ignores the key', { Key: 'nope', Value: 'air', Type: 'VALUE_ONLY' }, true],
    ['VALUE_ONLY absent', { Value: 'dev', Type: 'VALUE_ONLY' }, false],
    ['KEY_AND_VALUE match', { Key: 'stage', Value: 'prod', Type: 'KEY_AND_VALUE' }, true],
    ['KEY_AND_VALUE value on another key', { Key: 'fleet', Value: 'prod', Type: 'KEY_AND_VALUE' }, false],
    ['KEY_AND_VALUE empty value', { Key: 'empty', Value: '', Type: 'KEY_AND_VALUE' }, true],
    ['no Type, key and value', { Key: 'stage', Value: 'prod' }, true],
    ['no Type, key only', { Key: 'stage' }, true],
    ['no Type, value only', { Value: 'air' }, true],
    ['unknown Type', { Key: 'stage', Value: 'prod', Type: 'KEY_OR_VALUE' }, false],
    ['nothing at all', {}, false],
  ];
  for (const [name, filter, expected] of rows) t.equal(matchesTagFilter(tags, filter), expected, name);
  t.equal(effectiveFilterType({ Type: 'BOGUS' }), undefined);
});

t.test('tag sets: OR within a group, AND across up to 3 groups', async (t) => {
  const fleet: SelectableInstance[] = [
    { instanceName: 'pi-a', registered: true, tags: [{ Key: 'fleet', Value: 'air' }, { Key: 'stage', Value: 'prod' }, { Key: 'site', Value: 'north' }] },
    { instanceName: 'pi-b', registered: true, tags: [{ Key: 'fleet', Value: 'water' }, { Key: 'stage', Value: 'prod' }, { Key: 'site', Value: 'south' }] },
    { instanceName: 'pi-c', registered: true, tags: [{ Key: 'fleet', Value: 'air' }, { Key: 'stage', Value: 'dev' }] },
    { instanceName: 'pi-d', registered: false, tags: [{ Key: 'fleet', Value: 'air' }, { Key: 'stage', Value: 'prod' }, { Key: 'site', Value: 'north' }] },
    { instanceName: 'pi-e', registered: true, tags: [] },
  ];
  const air = { Key: 'fleet', Value: 'air', Type: 'KEY_AND_VALUE' };
  const water = { Key: 'fleet', Value: 'water', Type: 'KEY_AND_VALUE' };
  const prod = { Key: 'stage', Value: 'prod', Type: 'KEY_AND_VALUE' };
  const site = { Key: 'site', Type: 'KEY_ONLY' };
  const rows: [string, TagSelection, string[]][] = [
    ['flat filters are ORed', { tagFilters: [air, water] }, ['pi-a', 'pi-b', 'pi-c']],
    ['one group', { tagSet: [[air]] }, ['pi-a', 'pi-c']],
    ['two groups are ANDed', { tagSet: [[air], [prod]] }, ['pi-a']],
    ['OR inside, AND across', { tagSet: [[air, water], [prod]] }, ['pi-a', 'pi-b']],
    ['three groups', { tagSet: [[air, water], [prod], [site]] }, ['pi-a', 'pi-b']],
    ['three groups, the third narrows', { tagSet: [[air, water], [prod], [{ Key: 'site', Value: 'south' }]] }, ['pi-b']],
    ['an empty group is ignored', { tagSet: [[air], []] }, ['pi-a', 'pi-c']],
    ['the tag set wins over flat filters', { tagSet: [[water]], tagFilters: [air] }, ['pi-b']],
    ['nothing selects nothing', {}, []],
    ['only empty groups select nothing', { tagSet: [[], []] }, []],
    ['deregistered instances never match', { tagFilters: [{ Key: 'site', Value: 'north' }] }, ['pi-a']],
  ];
  for (const [name, selection, expected] of rows) t.same(selectInstances(fleet, selection), expected, name);
});

const OneAtATime: MinimumHealthyHostsSpec = { type: 'MOST_CONCURRENCY', value: 1 };
const HalfAtATime: MinimumHealthyHostsSpec = { type: 'FLEET_PERCENT', value: 50 };
const AllAtOnce: MinimumHealthyHostsSpec = { type: 'HOST_COUNT', value: 0 };

t.test('health plans', async (t) => {
  const rows: [string, MinimumHealthyHostsSpec, number, Partial<HealthPlan>, number[]][] = [
    ['OneAtATime, 1 host', OneAtATime, 1, { minimumHealthy: 0, maxUnhealthy: 1, requiredSuccesses: 1, valid: true }, [1]],
    ['OneAtATime, 2 hosts', OneAtATime, 2, { minimumHealthy: 1, maxUnhealthy: 1, requiredSuccesses: 1, valid: true }, [1, 1]],
    ['OneAtATime, 5 hosts', OneAtATime, 5, { minimumHealthy: 4, maxUnhealthy: 1, requiredSuccesses: 4, valid: true }, [1, 1, 1, 1, 1]],
    ['HalfAtATime, 4 hosts', HalfAtATime, 4, { minimumHealthy: 2, maxUnhealthy: 2, requiredSuccesses: 2, valid: true }, [2, 2]],
    ['HalfAtATime, 9 hosts: 4 at a time, 5 must succeed', HalfAtATime, 9, { minimumHealthy: 5, maxUnhealthy: 4, requiredSuccesses: 5 }, [4, 4, 1]],
    ['HalfAtATime, 1 host cannot work', HalfAtATime, 1, { minimumHealthy: 1, valid: false }, []],
    ['AllAtOnce, 3 hosts', AllAtOnce, 3, { minimumHealthy: 0, maxUnhealthy: 3, requiredSuccesses: 1, valid: true }, [3]],
    ['HOST_COUNT 6 of 9: 3 at a time', { type: 'HOST_COUNT', value: 6 }, 9, { maxUnhealthy: 3, requiredSuccesses: 6 }, [3, 3, 3]],
    ['FLEET_PERCENT 40 of 9: 5 at a time, 4 must succeed', { type: 'FLEET_PERCENT', value: 40 }, 9, { maxUnhealthy: 5, requiredSuccesses: 4 }, [5, 4]],
    ['HOST_COUNT equal to the fleet is invalid', { type: 'HOST_COUNT', value: 3 }, 3, { valid: false }, []],
    ['no hosts is invalid', AllAtOnce, 0, { valid: false }, []],
  ];
  for (const [name, spec, total, expected, batches] of rows) {
    const plan = planHealth(spec, total);
    t.match(plan, expected, name);
    t.same(batchSizes(plan), batches, `${name}: batches`);
  }
});

/**
 * Simulates a run: hosts finish in start order, `fails` says which (by start index) fail.
 * Returns the batch start sizes, how many hosts ran, and the outcome.
 */
function simulate(spec: MinimumHealthyHostsSpec, total: number, fails: number[]) {
  const plan = planHealth(spec, total);
  let counts: BatchCounts = { pending: total, inFlight: 0, succeeded: 0, failed: 0 };
  const running: number[] = [];
  const starts: number[] = [];
  let next = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const step = nextBatchStep(plan, counts);
    if (step.kind === 'finish') return { starts, ran: next, skipped: counts.pending, outcome: step.outcome };
    if (step.kind === 'start') {
      starts.push(step.count);
      for (let i = 0; i < step.count; i++) running.push(next++);
      counts = { ...counts, pending: counts.pending - step.count, inFlight: counts.inFlight + step.count };
    } else {
      const done = running.shift() as number;
      const failed = fails.includes(done);
      counts = { ...counts, inFlight: counts.inFlight - 1, succeeded: counts.succeeded + (failed ? 0 : 1), failed: counts.failed + (failed ? 1 : 0) };
    }
  }
  throw new Error('no progress');
}

t.test('batching runs', async (t) => {
  const rows: [string, MinimumHealthyHostsSpec, number, number[], { starts: number[]; ran: number; skipped: number; outcome: string }][] = [
    ['OneAtATime 2 hosts, all succeed', OneAtATime, 2, [], { starts: [1, 1], ran: 2, skipped: 0, outcome: 'Succeeded' }],
    ['OneAtATime 2 hosts, first fails: the second is skipped', OneAtATime, 2, [0], { starts: [1], ran: 1, skipped: 1, outcome: 'Failed' }],
    ['OneAtATime 2 hosts, the last fails: still a success (AWS)', OneAtATime, 2, [1], { starts: [1, 1], ran: 2, skipped: 0, outcome: 'Succeeded' }],
    ['OneAtATime 1 host that fails', OneAtATime, 1, [0], { starts: [1], ran: 1, skipped: 0, outcome: 'Failed' }],
    ['OneAtATime 3 hosts, the middle fails', OneAtATime, 3, [1], { starts: [1, 1], ran: 2, skipped: 1, outcome: 'Failed' }],
    ['HalfAtATime 4 hosts, all succeed', HalfAtATime, 4, [], { starts: [2, 1, 1], ran: 4, skipped: 0, outcome: 'Succeeded' }],
    ['HalfAtATime 4 hosts, one fails: one at a time afterwards', HalfAtATime, 4, [0], { starts: [2, 1, 1], ran: 4, skipped: 0, outcome: 'Succeeded' }],
    ['HalfAtATime 4 hosts, the first two fail', HalfAtATime, 4, [0, 1], { starts: [2], ran: 2, skipped: 2, outcome: 'Failed' }],
    ['HalfAtATime 4 hosts, the last two fail: 2 of 4 is enough', HalfAtATime, 4, [2, 3], { starts: [2, 1, 1], ran: 4, skipped: 0, outcome: 'Succeeded' }],
    ['AllAtOnce 3 hosts, two fail: one success is enough', AllAtOnce, 3, [0, 1], { starts: [3], ran: 3, skipped: 0, outcome: 'Succeeded' }],
    ['AllAtOnce 3 hosts, all fail', AllAtOnce, 3, [0, 1, 2], { starts: [3], ran: 3, skipped: 0, outcome: 'Failed' }],
    ['invalid constraint: nothing runs', HalfAtATime, 1, [], { starts: [], ran: 0, skipped: 1, outcome: 'Failed' }],
  ];
  for (const [name, spec, total, fails, expected] of rows) t.same(simulate(spec, total, fails), expected, name);
});
