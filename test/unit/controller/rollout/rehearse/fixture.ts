// A small fleet.yml for the rehearsal's unit tests: a ringed device fleet (canary ring gated by
// device health), two tenants' stacks and web files (an alarms gate), a manual approval.
import { parseRolloutConfig } from '../../../../../controller/rollout/config-parse.js';
import type { RolloutConfig } from '../../../../../controller/rollout/config-types.js';
import { planRollout, type RolloutPlan } from '../../../../../controller/rollout/plan.js';
import type { TargetFacts } from '../../../../../controller/rollout/rehearse/mirror.js';

export const T1 = '300000000001';
export const T2 = '300000000002';

export const FLEET_YML = `application: air-quality
region: us-east-1
release:
  bucket: rel-bucket
  prefix: releases/
  kms_key_id: 'arn:aws:kms:us-east-1:111111111111:key/x'
  parts: { device: device, stack: { template: t.yml }, web: web }
targets:
  pis: { kind: devices, deployment_group: pis, select: { fleet: lab }, rings: [25, 100] }
  t1-stack: { kind: stack, role_arn: 'arn:aws:iam::${T1}:role/Access', external_id: x-123, stack: app, parameters: { Domain: a.example } }
  t1-web: { kind: web, role_arn: 'arn:aws:iam::${T1}:role/Access', external_id: x-123, bucket: t1-web, prefix: site/ }
  t2-stack: { kind: stack, role_arn: 'arn:aws:iam::${T2}:role/Access', external_id: x-123, stack: app }
environments:
  - name: production
    match: 'v*'
    waves:
      - { name: canary, targets: ['pis@ring1'], gates: { device_health: { max_unhealthy: 0, wait: 5m } }, bake: 15m }
      - { name: rest, targets: ['pis@ring2'], gates: { command: ./smoke.sh } }
      - { name: tenants, targets: [t1-stack, t1-web], gates: { alarms: [t-errors] } }
      - { name: tenants2, targets: [t2-stack], approval: manual }
`;

export function loaded(text = FLEET_YML): { config: RolloutConfig; plan: RolloutPlan } {
  const parsed = parseRolloutConfig(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const r = planRollout(parsed.config, 'v2.0.0');
  if (!r.ok) throw new Error(r.reason);
  return { config: parsed.config, plan: r.plan };
}

export const FACTS: ReadonlyMap<string, TargetFacts> = new Map<string, TargetFacts>([
  ['pis@ring1', { account: '111111111111', devices: 2, fleet: 8, current: 'release v1.0.0: s3://rel-bucket/x (d-1)' }],
  ['pis@ring2', { account: '111111111111', devices: 6, fleet: 8, current: 'release v1.0.0: s3://rel-bucket/x (d-1)' }],
  ['t1-stack', { account: T1, current: 'app UPDATE_COMPLETE, ReleaseVersion=v1.0.0' }],
  ['t1-web', { account: T1, current: 'release v1.0.0' }],
  ['t2-stack', { account: T2, current: 'no stack yet (it will be created)' }],
]);
