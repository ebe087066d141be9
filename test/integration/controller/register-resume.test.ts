// fleetctl register under throttling (30% injected: all complete, back-off observed) and after a
// kill mid-run (the next run completes without duplicates and deletes certificates whose key was
// never saved).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BatchGetOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { DescribeCertificateCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import type { RegisterReport } from '../../../controller/registration/register.js';
import { ROLE_ARN, sessionArn, startFleet } from './register-fixtures.js';

const fleet = await startFleet();
t.teardown(() => fleet.close());

t.test('30% of calls throttled: every device completes, with back-off', async (t) => {
  const yaml = join(fleet.work, 'throttled.yaml');
  const devices = Array.from({ length: 20 }, (_, i) => `  - {name: th-${i}, tags: {n: "${i}"}, iam_session_arn: "${sessionArn(`th-${i}`)}"}`);
  writeFileSync(yaml, `devices:\n${devices.join('\n')}\n`);
  fleet.sb.limits.set({ seed: 7, default: { throttleRate: 0.3 } });
  t.teardown(() => fleet.sb.limits.set({}));
  const r = await fleet.json<RegisterReport>(['register', '--inventory', yaml, '--out', join(fleet.work, 'th'), '--tps', 'codedeploy=50']);
  t.equal(r.code, 0, JSON.stringify(r.doc.devices.filter((d) => d.outcome === 'failed')));
  t.match(r.doc.summary, { registered: 20, failed: 0 });
  t.ok(r.doc.stats.throttledRetries > 0, `throttled retries observed: ${r.doc.stats.throttledRetries}`);
  t.ok(r.doc.stats.backoffMs > 0);
  const stats = fleet.sb.limits.stats();
  t.ok(Object.values(stats).some((s) => s.injected > 0), 'the sandbox injected throttling');
});

t.test('killed mid-run: the re-run completes every device without duplicates', async (t) => {
  const out = join(fleet.work, 'resume');
  const ledgerPath = join(out, '.fleetctl-ledger.jsonl');
  const yaml = join(fleet.work, 'iot.yaml');
  const names = Array.from({ length: 16 }, (_, i) => `iot-${i}`);
  writeFileSync(yaml, `defaults: {identity: iot, tags: {fleet: iot}}\ndevices:\n${names.map((n) => `  - {name: ${n}}`).join('\n')}\n`);
  fleet.sb.limits.set({ default: { latencyMs: 150 } });
  const child = fleet.spawn(['register', '--inventory', yaml, '--out', out, '--iot-role-arn', ROLE_ARN, '--concurrency', '4']);
  const created = (): number => (existsSync(ledgerPath) ? (readFileSync(ledgerPath, 'utf8').match(/certificate-created/g) ?? []).length : 0);
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 1200 && created() < 3; i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await exited;
  fleet.sb.limits.set({});
  const before = readFileSync(ledgerPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; certificateArn?: string });
  const bundled = new Set(before.filter((e) => e.event === 'certificate-bundled').map((e) => e.certificateArn));
  const orphans = before.filter((e) => e.event === 'certificate-created' && !bundled.has(e.certificateArn)).map((e) => e.certificateArn as string);
  t.ok(before.length > 0, 'the first run got somewhere before the kill');

  const r = await fleet.json<RegisterReport>(['register', '--inventory', yaml, '--out', out, '--iot-role-arn', ROLE_ARN]);
  t.equal(r.code, 0, JSON.stringify(r.doc.devices.filter((d) => d.error)));
  t.equal(r.doc.summary.failed + r.doc.summary.conflict, 0);
  const infos = await fleet.codedeploy.send(new BatchGetOnPremisesInstancesCommand({ instanceNames: names }));
  t.equal(infos.instanceInfos?.filter((i) => !i.deregisterTime).length, names.length, 'all registered');
  for (const n of names) {
    const p = await fleet.iot.send(new ListThingPrincipalsCommand({ thingName: n }));
    t.equal(p.principals?.length, 1, `${n} has exactly one certificate`);
    const info = infos.instanceInfos?.find((i) => i.instanceName === n);
    t.equal(info?.iamSessionArn?.split('/').pop(), p.principals?.[0]?.split('/').pop(), `${n} is registered with its certificate's session`);
    t.ok(existsSync(join(out, n, 'iot-private.pem.key')), `${n} has its key`);
  }
  for (const arn of orphans) {
    await t.rejects(fleet.iot.send(new DescribeCertificateCommand({ certificateId: arn.split('/').pop() as string })), { name: 'ResourceNotFoundException' }, 'a certificate whose key was never saved is deleted');
  }
  const third = await fleet.json<RegisterReport>(['register', '--inventory', yaml, '--out', out, '--iot-role-arn', ROLE_ARN]);
  t.match(third.doc.summary, { unchanged: names.length });
});
