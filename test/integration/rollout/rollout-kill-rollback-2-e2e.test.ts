// kill -9 of the controller at random points of halting rollouts, aimed at their rollback: the second
// half of the campaign (rollout-kill-rollback-campaign.ts; the two files land at least 20 kills).
import t from 'tap';
import { killCampaign } from './rollout-kill-rollback-campaign.js';

t.setTimeout(280_000);

t.test('kill -9 during halting rollouts: each target is rolled back exactly once, to the previous release', async (t) => {
  await killCampaign(t, { kills: 10, rounds: 5, seedOffset: 1 });
});
