// kill -9 of the controller at random points aimed at the tenants' stack change sets and web copies
// (a seeded PRNG; the seed is printed and replayed with ROLLOUT_KILL_SEED=N): several rollouts, each
// killed a few times and resumed with `rollout resume`. Every rollout completes, with no second
// deployment of a group nor a second execution of a stack's change set (rollout-kill.ts).
import t from 'tap';
import { killCampaign } from './rollout-kill.js';

t.setTimeout(480_000); // ten controllers started and killed, each a tsx start-up (slow on a loaded machine)

t.test('kill -9 during the tenants wave: no duplicate deployment or execution, every rollout completes', async (t) => {
  await killCampaign(t, { kills: 10, aim: 'tenants', versionPrefix: 'v6' });
});
