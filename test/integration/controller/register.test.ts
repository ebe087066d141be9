// fleetctl register against the sandbox: a 50-device mixed inventory, re-runs, tag fixes,
// conflicts, bundle contents and modes, JSON schema snapshot, exit codes.
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BatchGetOnPremisesInstancesCommand, ListOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { parseOnPremisesConfig } from '../../../agent/config/onprem-config.js';
import type { RegisterReport } from '../../../controller/registration/register.js';
import { ACCOUNT, ROLE_ARN, sessionArn, startFleet } from './register-fixtures.js';

const fleet = await startFleet();
t.teardown(() => fleet.close());
const out = join(fleet.work, 'bundles');

/** 20 session, 10 created IAM users, 15 IoT (thing group lab), 5 existing IAM users. */
function inventory(tagFor: (i: number) => string): string {
  const rows = ['name,tags,iam_session_arn,iam_user_arn,identity,thing_group'];
  for (let i = 0; i < 50; i++) {
    const name = `pi-${String(i).padStart(2, '0')}`;
    const tags = `fleet=pi;site=${tagFor(i)}`;
    if (i < 20) rows.push(`${name},${tags},${sessionArn(name)},,,`);
    else if (i < 30) rows.push(`${name},${tags},,,create-iam-user,`);
    else if (i < 45) rows.push(`${name},${tags},,,iot,lab`);
    else rows.push(`${name},${tags},,arn:aws:iam::${ACCOUNT}:user/${name},,`);
  }
  return `${rows.join('\n')}\n`;
}
const csv = join(fleet.work, 'fleet.csv');
const args = ['register', '--inventory', csv, '--out', out, '--iot-role-arn', ROLE_ARN];

t.test('a bad inventory: every problem listed, exit 2, nothing registered', async (t) => {
  const bad = join(fleet.work, 'bad.csv');
  writeFileSync(bad, `name,tags,iam_session_arn\nok,,${sessionArn('ok')}\ni-1,,${sessionArn('x')}\nno-id,,\n`);
  const r = await fleet.fleetctl(['register', '--inventory', bad, '--out', out]);
  t.equal(r.code, 2);
  t.match(r.stderr, /bad\.csv:3: name: .*i-/);
  t.match(r.stderr, /bad\.csv:4: identity: no identity/);
  const listed = await fleet.codedeploy.send(new ListOnPremisesInstancesCommand({}));
  t.same(listed.instanceNames ?? [], []);
  const usage = await fleet.fleetctl(['register', 'x', '--iot', '--iam-session-arn', sessionArn('x')]);
  t.equal(usage.code, 2, 'two identities on the command line');
});

t.test('50 devices with mixed identities register; a re-run changes nothing', async (t) => {
  writeFileSync(csv, inventory((i) => `s${i % 3}`));
  const first = await fleet.json<RegisterReport>(args);
  t.equal(first.code, 0, first.stderr);
  t.match(first.doc.summary, { total: 50, registered: 50, failed: 0, conflict: 0 });
  const infos = await fleet.codedeploy.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['pi-00', 'pi-25', 'pi-30', 'pi-49'] }));
  const byName = new Map((infos.instanceInfos ?? []).map((i) => [i.instanceName, i]));
  t.equal(byName.get('pi-00')?.iamSessionArn, sessionArn('pi-00'));
  t.equal(byName.get('pi-25')?.iamUserArn, `arn:aws:iam::${ACCOUNT}:user/edge-fleet/pi-25`);
  t.match(byName.get('pi-30')?.iamSessionArn, /^arn:aws:sts::111111111111:assumed-role\/edge-device\/[0-9a-f]{64}$/);
  t.same(byName.get('pi-49')?.tags?.sort((a, b) => String(a.Key).localeCompare(String(b.Key))), [{ Key: 'fleet', Value: 'pi' }, { Key: 'site', Value: 's1' }]);
  t.ok(first.doc.stats.callsByOperation['codedeploy.AddTagsToOnPremisesInstances']! < 50, 'tags are batched');

  const again = await fleet.json<RegisterReport>(args);
  t.equal(again.code, 0);
  t.match(again.doc.summary, { total: 50, unchanged: 50 });
  t.notOk(Object.keys(again.doc.stats.callsByOperation).some((op) => /Register|Create|AddTags|Attach/.test(op)), 'a re-run only reads');
});

t.test('bundles: per device, 0700 folders and 0600 files the agent accepts', async (t) => {
  t.equal(statSync(join(out, 'pi-00')).mode & 0o777, 0o700);
  for (const dev of ['pi-00', 'pi-25', 'pi-30']) {
    const file = join(out, dev, 'onpremises.yml');
    t.equal(statSync(file).mode & 0o777, 0o600, `${dev} onpremises.yml is 0600`);
    const { config } = parseOnPremisesConfig(readFileSync(file, 'utf8'), file);
    t.equal(config.region, fleet.sb.region);
  }
  t.match(parseOnPremisesConfig(readFileSync(join(out, 'pi-00', 'onpremises.yml'), 'utf8'), 'x').config, { mode: 'iam-session', hostIdentifier: sessionArn('pi-00') });
  t.match(parseOnPremisesConfig(readFileSync(join(out, 'pi-25', 'onpremises.yml'), 'utf8'), 'x').config, { mode: 'iam-user', credentials: { accessKeyId: /^AKIA/ } });
  for (const f of ['iot-certificate.pem.crt', 'iot-private.pem.key', 'iot-ca.pem', 'agent.yml']) {
    t.equal(statSync(join(out, 'pi-30', f)).mode & 0o777, 0o600, `pi-30 ${f} is 0600`);
  }
  t.match(readFileSync(join(out, 'pi-30', 'iot-private.pem.key'), 'utf8'), /BEGIN (RSA )?PRIVATE KEY/);
  t.notOk(existsSync(join(out, 'pi-45')), 'no bundle for an existing IAM user (its secret key is unknown)');
  const ledger = readFileSync(join(out, '.fleetctl-ledger.jsonl'), 'utf8');
  t.notMatch(ledger, /PRIVATE KEY|SecretAccessKey|aws_secret/i, 'the ledger holds no secret');
  const principals = await fleet.iot.send(new ListThingPrincipalsCommand({ thingName: 'pi-30' }));
  t.equal(principals.principals?.length, 1);
});

t.test('changed tags are fixed; a conflicting name is reported while the others proceed', async (t) => {
  const text = inventory((i) => (i < 3 ? 'moved' : `s${i % 3}`)).replace(`pi-04,fleet=pi;site=s1,${sessionArn('pi-04')}`, `pi-04,fleet=pi;site=s1,${sessionArn('someone-else')}`);
  writeFileSync(csv, text);
  const r = await fleet.json<RegisterReport>(args);
  t.equal(r.code, 1, 'a conflict fails the run');
  t.match(r.doc.summary, { updated: 3, conflict: 1, unchanged: 46 });
  const conflict = r.doc.devices.find((d) => d.name === 'pi-04');
  t.match(conflict, { outcome: 'conflict', error: { code: 'FLEET_NAME_CONFLICT', message: /registered with .*pi-04/ } });
  const infos = await fleet.codedeploy.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: ['pi-01'] }));
  t.ok(infos.instanceInfos?.[0]?.tags?.some((x) => x.Key === 'site' && x.Value === 'moved'));
  const human = await fleet.fleetctl(args);
  t.equal(human.code, 1);
  t.match(human.stdout, /pi-04\s+conflict/);
  t.match(human.stdout, /registered 50 devices: 49 unchanged, 1 conflict/);
});

t.test('--json schema snapshot (fleetctl.register/v1)', async (t) => {
  const yaml = join(fleet.work, 'snap.yaml');
  writeFileSync(yaml, `defaults:\n  tags: {fleet: snap}\ndevices:\n  - {name: snap-1, tags: {site: a}, iam_session_arn: "${sessionArn('snap-1')}"}\n  - {name: snap-2, tags: {site: b}, iam_session_arn: "${sessionArn('snap-2')}"}\n`);
  const snapOut = join(fleet.work, 'snap-bundles');
  const r = await fleet.fleetctl(['register', '--inventory', yaml, '--out', snapOut, '--json']);
  t.equal(r.code, 0, r.stderr);
  t.matchSnapshot(r.stdout.replaceAll(snapOut, '<out>'), 'register --json');
});
