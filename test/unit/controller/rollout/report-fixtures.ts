// Journals written by hand for the report tests: a rollout that passed a canary ring with a device
// health gate and an approval, was paused and resumed, then halted in its tenant wave (a failing
// stack, a failing alarm) and rolled back; and the same with hostile names everywhere a journal
// carries text. With the plan of a fleet.yml, so targets have kinds, regions and console links.
import { parseRolloutConfig } from '../../../../controller/rollout/config-parse.js';
import { foldJournal, type EntryBody, type JournalEntry } from '../../../../controller/rollout/journal-model.js';
import { planRollout, type RolloutPlan } from '../../../../controller/rollout/plan.js';
import type { ReportInput } from '../../../../controller/rollout/report-model.js';

export const ID = 'air-quality@v1.4.0@production';
export const STACK_ID = 'arn:aws:cloudformation:eu-west-1:222222222222:stack/air-quality/0f1e2d3c';
export const APPROVER = 'arn:aws:iam::111111111111:user/lead';

const FLEET = `application: air-quality
region: us-east-1
release: { bucket: acme-releases, parts: { device: device, stack: { template: cloud/t.yaml }, web: web } }
targets:
  pis: { kind: devices, deployment_group: pi-lab, select: { fleet: lab }, rings: [10, 100] }
  unicorn: { kind: stack, account: '222222222222', region: eu-west-1, stack: air-quality }
  unicorn-web: { kind: web, account: '222222222222', bucket: unicorn-site, prefix: site/ }
environments:
  - name: production
    match: 'v*'
    waves:
      - { name: canary, targets: ['pis@ring1'], gates: { device_health: { max_unhealthy: 0 } } }
      - { name: tenants, targets: ['pis@ring2', unicorn, unicorn-web], approval: manual, gates: { alarms: [errors] } }
`;

export function plan(): RolloutPlan {
  const parsed = parseRolloutConfig(FLEET);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const r = planRollout(parsed.config, 'v1.4.0', 'production');
  if (!r.ok) throw new Error(r.reason);
  return r.plan;
}

/** Each entry a second after the one before, from 10:00:00. */
export function journal(bodies: readonly EntryBody[]): JournalEntry[] {
  const start = Date.parse('2026-03-01T10:00:00.000Z');
  return bodies.map((b, seq) => ({ ...b, seq, at: new Date(start + seq * 1000).toISOString() }) as JournalEntry);
}

export interface Names {
  readonly canary: string;
  readonly tenants: string;
  readonly ring1: string;
  readonly ring2: string;
  readonly stack: string;
  readonly web: string;
  readonly reason: string;
  readonly comment: string;
}

export const PLAIN: Names = {
  canary: 'canary',
  tenants: 'tenants',
  ring1: 'pis@ring1',
  ring2: 'pis@ring2',
  stack: 'unicorn',
  web: 'unicorn-web',
  reason: 'Resource Disk failed: disk full',
  comment: 'canaries look fine',
};

/** Every string a journal carries, as someone who meant harm might write it. */
export const HOSTILE: Names = {
  canary: '<script>alert(1)</script>',
  tenants: 'ten|ants\nwave',
  ring1: 'pis@ring1"]]>',
  ring2: "pis'@ring2\u0000\u0007",
  stack: '<img src=x onerror=alert(2)>',
  web: 'web|`*_[x](javascript:alert(3))',
  reason: 'boom ]]> & <b>bold</b>\n| fake | row |\u0000',
  comment: '<a href="https://evil.example/">click</a>\u001b[2J',
};

export function bodies(n: Names = PLAIN): EntryBody[] {
  const waves = [
    { name: n.canary, targets: [n.ring1] },
    { name: n.tenants, targets: [n.ring2, n.stack, n.web] },
  ];
  const healthy = { gate: 'device-health', passed: true, value: '0 of 2 devices unhealthy (0%), 0 unknown', threshold: 'at most 0 unhealthy' } as const;
  const alarm = {
    gate: 'alarms', passed: false, target: n.web, value: 'errors in ALARM', threshold: 'no alarm in ALARM', detail: `Threshold crossed\n${n.reason}`,
  } as const;
  return [
    { type: 'started', by: 'arn:aws:iam::111111111111:role/pipeline', waves },
    { type: 'wave-started', wave: n.canary },
    { type: 'target-before', target: n.ring1, previous: { kind: 'revision', revision: { bucket: 'acme-releases', key: 'v1.3.0/d.tgz', bundleType: 'tgz' } } },
    { type: 'target-intent', target: n.ring1, attempt: 1, token: 't1' },
    { type: 'target-started', target: n.ring1, attempt: 1, ref: { kind: 'deployment', deploymentId: 'd-CANARY01' } },
    { type: 'target-finished', target: n.ring1, outcome: 'succeeded' },
    { type: 'gates-checked', wave: n.canary, phase: 'deployed', passed: true, results: [healthy] },
    { type: 'wave-finished', wave: n.canary, outcome: 'passed', failed: 0, allowed: 0 },
    { type: 'approval-requested', wave: n.tenants },
    { type: 'pause-requested', by: 'arn:aws:iam::111111111111:user/ops', reason: n.comment },
    { type: 'resumed', by: 'arn:aws:iam::111111111111:user/ops' },
    { type: 'approved', wave: n.tenants, by: APPROVER, comment: n.comment },
    { type: 'wave-started', wave: n.tenants },
    { type: 'target-intent', target: n.ring2, attempt: 1, token: 't2' },
    { type: 'target-started', target: n.ring2, attempt: 1, ref: { kind: 'deployment', deploymentId: 'd-RING2' } },
    { type: 'target-intent', target: n.stack, attempt: 1, token: 't3' },
    { type: 'target-started', target: n.stack, attempt: 1, ref: { kind: 'change-set', stackId: STACK_ID, changeSetName: 'fleetctl-abc' } },
    { type: 'target-intent', target: n.web, attempt: 1, token: 't4' },
    { type: 'target-started', target: n.web, attempt: 1, ref: { kind: 'copy', objects: 12 } },
    { type: 'target-finished', target: n.web, outcome: 'succeeded' },
    { type: 'target-finished', target: n.ring2, outcome: 'succeeded' },
    { type: 'target-finished', target: n.stack, outcome: 'failed', reason: n.reason },
    { type: 'gates-checked', wave: n.tenants, phase: 'deployed', passed: false, results: [alarm] },
    { type: 'wave-finished', wave: n.tenants, outcome: 'halted', failed: 1, allowed: 0, reason: `wave ${n.tenants}: ${n.reason}` },
    {
      type: 'rollback-planned',
      policy: 'all',
      targets: [
        { target: n.ring1, action: 'rollback' },
        { target: n.stack, action: 'by-service', reason: 'CloudFormation rolled the stack back' },
        { target: n.web, action: 'skip', reason: 'the prefix held no release' },
      ],
    },
    { type: 'rollback-intent', target: n.ring1, token: 'r1' },
    { type: 'rollback-started', target: n.ring1, ref: { kind: 'deployment', deploymentId: 'd-BACK01' } },
    { type: 'rollback-finished', target: n.ring1, outcome: 'succeeded' },
    { type: 'finished', outcome: 'halted', reason: `wave ${n.tenants} halted: ${n.reason}` },
  ];
}

export function input(n: Names = PLAIN, count = Infinity, withPlan = true): ReportInput {
  const entries = journal(bodies(n).slice(0, count));
  return {
    rolloutId: ID,
    state: foldJournal(entries),
    entries,
    journal: 's3://acme-releases/air-quality/v1.4.0/rollouts/production/journal/',
    ...(withPlan ? { plan: plan() } : {}),
    now: new Date('2026-03-01T11:00:00.000Z'),
  };
}
