// An agent with an IAM-session identity (iam_session_arn + aws_credentials_file, aws-codedeploy-agent lib/instance_agent/file_credentials.rb)
// whose credentials file is rotated while it runs, as a session helper's cron job does: new keys
// written to the file, the old ones revoked. The agent must use the new keys without a restart,
// for the Commands API and for S3, in both ways a file gets rewritten (replaced by a rename, or
// overwritten in place).
import t from 'tap';
import { DeregisterOnPremisesInstanceCommand, RegisterOnPremisesInstanceCommand, AddTagsToOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assumedRoleUserId } from '../../../sandbox/sts/unique-id.js';
import type { Principal } from '../../../sandbox/types.js';
import { addDevice, deploy, runDevice, startFleet, uploadRevision, waitDone, type Fleet } from '../../helpers/agent-fleet.js';
import { guardProcessesUnder } from '../../helpers/tracked-agent.js';
import { startCommandsInterceptor } from '../../helpers/commands-interceptor.js';

const ROLE = 'edge-fleet';
const SESSION = 'pi-01';
const appspec = 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: app-installed\nhooks:\n  AfterInstall:\n    - location: hook.sh\n';
const hook = '#!/bin/sh\necho "$DEPLOYMENT_ID" >> proof\n';

/** Session keys for the device's role session, valid for an hour (what AssumeRole hands out). */
function issueSession(fleet: Fleet): Principal {
  const { accountId } = fleet.sb.root;
  return fleet.sb.credentials.issue({
    arn: `arn:aws:sts::${accountId}:assumed-role/${ROLE}/${SESSION}`,
    accountId,
    userId: assumedRoleUserId(accountId, ROLE, SESSION),
    expiresAt: new Date(Date.now() + 3600_000),
  });
}

const credentialsIni = (p: Principal): string =>
  `[default]\naws_access_key_id = ${p.accessKeyId}\naws_secret_access_key = ${p.secretAccessKey}\naws_session_token = ${p.sessionToken ?? ''}\n`;

t.test('session credentials rotated under a running agent: the next deployments succeed', async (t) => {
  const fleet = await startFleet(t);
  guardProcessesUnder(t, fleet.dir); // agents and hooks never outlive the test
  const front = await startCommandsInterceptor({ target: fleet.sb.url }); // records which key signed each call
  t.teardown(() => front.close());
  const device = await addDevice(fleet, 'pi-01', { deploy_control_endpoint: front.url });
  // the device's identity becomes an IAM role session instead of the provisioned IAM user
  let keys = issueSession(fleet);
  const credentialsFile = join(device.dir, 'session-credentials');
  writeFileSync(credentialsFile, credentialsIni(keys), { mode: 0o600 });
  writeFileSync(join(device.dir, 'onpremises.yml'), `region: ${fleet.sb.region}\niam_session_arn: ${keys.arn}\naws_credentials_file: ${credentialsFile}\n`, { mode: 0o600 });
  fleet.sb.credentials.revoke(device.principal.accessKeyId);
  await fleet.cd.send(new DeregisterOnPremisesInstanceCommand({ instanceName: 'pi-01' }));
  await fleet.cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'pi-01', iamSessionArn: keys.arn }));
  await fleet.cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['pi-01'], tags: [{ Key: 'fleet', Value: 'lab' }] }));
  runDevice(device);
  const key = await uploadRevision(fleet, 'v1', appspec, { 'app/a.txt': 'a', 'hook.sh': hook });

  const first = await deploy(fleet, key);
  t.equal((await waitDone(fleet, first)).status, 'Succeeded', 'a deployment with the first session keys', { output: device.output });
  t.same([...new Set(front.calls.map((c) => c.accessKeyId))], [keys.accessKeyId], 'every Commands call was signed with them');

  const rotations: [string, (text: string) => void][] = [
    [
      'replaced by a rename',
      (text) => {
        writeFileSync(`${credentialsFile}.new`, text, { mode: 0o600 });
        renameSync(`${credentialsFile}.new`, credentialsFile);
      },
    ],
    ['overwritten in place', (text) => writeFileSync(credentialsFile, text)],
  ];
  for (const [how, write] of rotations) {
    const old = keys;
    keys = issueSession(fleet);
    write(credentialsIni(keys));
    fleet.sb.credentials.revoke(old.accessKeyId); // from now on the old keys are refused everywhere
    const rotated = front.mark(how);
    const id = await deploy(fleet, key);
    t.equal((await waitDone(fleet, id)).status, 'Succeeded', `file ${how}: the next deployment succeeds without a restart`, { output: device.output });
    const after = front.calls.filter((c) => c.index > rotated && !c.op.startsWith('mark:'));
    t.ok(
      after.some((c) => c.op === 'PutHostCommandComplete' && c.accessKeyId === keys.accessKeyId),
      `file ${how}: the new keys signed the completions`,
    );
    t.same(after.filter((c) => c.status !== 200).map((c) => `${c.op} ${c.status ?? 'unanswered'}`).filter((s) => !s.startsWith('PollHostCommand')), [], 'no command call was refused');
  }
  t.equal(device.process?.exitCode, null, 'the agent ran throughout');
});
