// `fleetctl rollout rehearse` without --plan: the plan is read from the estate itself (here a
// sandbox standing in for production, reached through its AWS_ENDPOINT_URL_* variables as a user's
// AWS would be), read-only, exactly as `rollout plan` reads it; the rollout then runs against the
// rehearsal's own throw-away sandbox. Checked: the verdict mirrors the estate (20 devices in rings
// 10/100: 2 canaries, so one unhealthy canary is caught by the canary wave's device_health gate),
// and the estate saw read calls only: nothing deployed, tagged or written there. (It found a bug:
// counting deployments after a halt asked for a ring group the rollout never created.)
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import t from 'tap';
import { startGatesEstate } from './rollout-gates-fixture.js';

t.setTimeout(280_000);

/** What a read-only plan may call: reads, and the identity and role calls that reach the accounts. */
const READ = /^(Describe|Get|List|BatchGet|Head|AssumeRole$|GetCallerIdentity$)/;

t.test('rehearse reads the plan from the estate read-only and rehearses it elsewhere', async (t) => {
  const e = await startGatesEstate(t);
  const mark = e.sb.calls.mark();
  const r = await e.fleetctl(['rollout', 'rehearse', '--release', 'v9.0.0', '--unhealthy', 'ring1:1', '--json']);
  t.equal(r.code, 0, 'the canary gate stops it', { stderr: r.stderr });
  const doc = JSON.parse(r.stdout) as { schema: string; outcome: string; halted?: { wave: string }; reached: { devices: number } };
  t.equal(doc.schema, 'fleetctl.rollout.rehearse/v1');
  t.equal(doc.outcome, 'halted');
  t.equal(doc.halted?.wave, 'canary');
  t.equal(doc.reached.devices, 2, 'the canary ring as the estate has it: 10 % of 20 devices');
  const calls = e.sb.calls.since(mark).calls.map((c) => c.operation);
  t.ok(calls.length > 0, 'the plan was read from the estate');
  t.same([...new Set(calls.filter((op) => !READ.test(op)))], [], 'the estate saw read calls only');
  const deployments = await e.cd.send(new ListDeploymentsCommand({ applicationName: 'air-quality' }));
  t.same(deployments.deployments ?? [], [], 'nothing was deployed in the estate');
});
