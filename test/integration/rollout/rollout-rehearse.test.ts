// `fleetctl rollout rehearse` end to end, as a user runs it: a saved plan document (so nothing reads
// AWS), a small fleet (4 devices in rings 25/100, two tenants), scaled times. A device health gate on
// ring 1 stops unhealthy canaries (exit 0); the same config without the gate lets them through to
// ring 2 and the tenants (exit 1); an alarm during the tenants' wave halts it there; a 5% fail rate
// completes through retries with one deployment per target.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';

const T1 = '300000000001';
const T2 = '300000000002';
const ROLE = (account: string) => `arn:aws:iam::${account}:role/PipelineAccessRole`;

const FLEET = `application: air-quality
region: us-east-1
release: { bucket: rel-bucket, prefix: releases/, parts: { device: device, stack: { template: template.yml }, web: web } }
targets:
  pis: { kind: devices, deployment_group: pis, select: { fleet: lab }, rings: [25, 100] }
  t1-stack: { kind: stack, role_arn: '${ROLE(T1)}', external_id: t1-ext, stack: app, parameters: { Domain: t1.example } }
  t1-web: { kind: web, role_arn: '${ROLE(T1)}', external_id: t1-ext, bucket: t1-web, prefix: site/ }
  t2-stack: { kind: stack, role_arn: '${ROLE(T2)}', external_id: t2-ext, stack: app, parameters: { Domain: t2.example } }
environments:
  - name: production
    match: 'v*'
    waves:
      - { name: canary, targets: ['pis@ring1'], gates: { device_health: { max_unhealthy: 0, wait: 5m } }, bake: 10m }
      - { name: rest, targets: ['pis@ring2'] }
      - { name: tenants, targets: [t1-stack, t1-web, t2-stack], concurrency: 2, gates: { alarms: [tenant-errors] }, approval: manual }
`;

const NOW = 'release v1.0.0: s3://rel-bucket/releases/air-quality/v1.0.0/device-0123456789abcdef.zip (d-1)';
const ring = (index: number, devices: number) => ({ base: 'pis', index, rings: 2, percent: index === 1 ? 25 : 100, devices, fleet: 4 });
const PLAN = {
  schema: 'fleetctl.rollout.plan/v1',
  rolloutId: 'air-quality@v2.0.0@production',
  waves: [
    {
      name: 'canary',
      targets: [
        {
          target: 'pis@ring1',
          kind: 'devices',
          account: '111111111111',
          region: 'us-east-1',
          ring: ring(1, 1),
          devices: { matched: 1 },
          current: NOW,
        },
      ],
    },
    {
      name: 'rest',
      targets: [
        {
          target: 'pis@ring2',
          kind: 'devices',
          account: '111111111111',
          region: 'us-east-1',
          ring: ring(2, 3),
          devices: { matched: 3 },
          current: NOW,
        },
      ],
    },
    {
      name: 'tenants',
      targets: [
        { target: 't1-stack', kind: 'stack', account: T1, region: 'us-east-1', current: 'app UPDATE_COMPLETE, ReleaseVersion=v1.0.0' },
        { target: 't1-web', kind: 'web', account: T1, region: 'us-east-1', current: 'release v1.0.0' },
        { target: 't2-stack', kind: 'stack', account: T2, region: 'us-east-1', current: 'no stack yet (it will be created)' },
      ],
    },
  ],
};

interface Rehearsal {
  readonly schema: string;
  readonly outcome: string;
  readonly halted?: { readonly wave: string; readonly gates: readonly { readonly gate: string; readonly value: string }[] };
  readonly reached: {
    readonly waves: readonly string[];
    readonly targets: readonly { readonly target: string; readonly restored: boolean; readonly devices?: number }[];
    readonly devices: number;
    readonly accounts: readonly string[];
  };
  readonly rollback?: { readonly restoredAll: boolean };
  readonly approvals: readonly { readonly wave: string }[];
  readonly calls: { readonly total: number; readonly refused: number };
  readonly deployments: Readonly<Record<string, number>>;
  readonly duplicates: readonly string[];
  readonly estimate: { readonly ms: number };
  readonly verdict: { readonly behaved: boolean; readonly text: string };
}

// no AWS credentials of the caller's: with --plan the rehearsal must not need any
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));

async function rehearse(t: Teardowns, fleet: string, args: string[]): Promise<{ r: CliResult; doc: Rehearsal }> {
  const dir = tempDir(t, 'rollout-rehearse');
  writeFileSync(join(dir, 'fleet.yml'), fleet);
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(PLAN));
  const r = await runCli(
    'fleetctl',
    ['rollout', 'rehearse', '--config', 'fleet.yml', '--plan', 'plan.json', '--release', 'v2.0.0', '--json', ...args],
    env,
    120_000,
    dir,
  );
  return { r, doc: JSON.parse(r.stdout) as Rehearsal };
}

t.test('a device health gate on ring 1 stops unhealthy canaries there', async (t) => {
  const { r, doc } = await rehearse(t, FLEET, ['--unhealthy', 'ring1:1']);
  t.equal(r.code, 0, r.stderr);
  t.equal(doc.schema, 'fleetctl.rollout.rehearse/v1');
  t.equal(doc.outcome, 'halted');
  t.equal(doc.halted?.wave, 'canary');
  t.match(doc.halted?.gates, [{ gate: 'device-health', value: /^1 of 1 devices unhealthy/ }]);
  t.same(doc.reached.waves, ['canary']);
  t.same(
    doc.reached.targets.map((x) => x.target),
    ['pis@ring1'],
  );
  t.equal(doc.reached.devices, 1);
  t.same(doc.rollback, { policy: 'all', restoredAll: true });
  t.match(doc.verdict, { behaved: true, text: /policy stops it/ });
  t.ok(doc.calls.total > 0);
  t.ok(doc.estimate.ms >= 10 * 60_000, 'the real bake counts, not the scaled one');
});

t.test('the same config without the gate lets the bad release through to the later rings', async (t) => {
  const fleet = FLEET.replace('gates: { device_health: { max_unhealthy: 0, wait: 5m } }, ', '');
  const { r, doc } = await rehearse(t, fleet, ['--unhealthy', 'ring1:1']);
  t.equal(r.code, 1, r.stderr);
  t.equal(doc.outcome, 'succeeded');
  t.same(doc.reached.waves, ['canary', 'rest', 'tenants']);
  t.match(doc.verdict, { behaved: false, text: /lets the bad release through.*it reached pis@ring1, pis@ring2/ });
  t.equal(doc.reached.devices, 4);
  t.match(doc.approvals, [{ wave: 'tenants', note: /would wait for a person/ }]);
});

t.test("an alarm during the tenants' wave halts it there and puts back what the rollout changed", async (t) => {
  const { r, doc } = await rehearse(t, FLEET, ['--alarm', 't1-web@tenants']);
  t.equal(r.code, 0, r.stderr);
  t.equal(doc.halted?.wave, 'tenants');
  t.match(doc.halted?.gates, [{ gate: 'alarms', value: /tenant-errors in ALARM/ }]);
  t.ok(
    ['111111111111', T1].every((a) => doc.reached.accounts.includes(a)),
    'the devices and the first tenant got it',
  );
  t.ok(
    doc.reached.targets.filter((x) => x.target.startsWith('pis')).every((x) => x.restored),
    'the rings were rolled back',
  );
  t.match(doc.verdict, { behaved: true });
});

t.test('a 5% fail rate: the rollout completes through retries, one deployment per target', async (t) => {
  const { r, doc } = await rehearse(t, FLEET, ['--fail-rate', '0.05']);
  t.equal(r.code, 0, r.stderr);
  t.equal(doc.outcome, 'succeeded');
  t.same(doc.deployments, { 'pis@ring1': 1, 'pis@ring2': 1 });
  t.same(doc.duplicates, []);
  t.match(doc.verdict, { behaved: true, text: /no bad release injected/ });
});

t.test('usage errors exit 2 before anything starts', async (t) => {
  const { r, doc } = await rehearse(t, FLEET, ['--unhealthy', 'nope@ring1:1']);
  t.equal(r.code, 2);
  t.match(doc, { error: { code: 'CLI_USAGE', message: /no target nope@ring1/ } });
});
