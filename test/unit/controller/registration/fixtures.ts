// Shared by the registration unit tests: a fake AWS world behind the real client pool, a bundle
// folder and ledger in the test's own temp folder, and the register/deregister deps built from them.
import { join } from 'node:path';
import type { Test } from 'tap';
import { silentLogger } from '../../../../shared/log.js';
import type { DeviceSpec } from '../../../../controller/fleet/model.js';
import { createBundleStore, type BundleStore } from '../../../../controller/registration/bundle.js';
import { LEDGER_FILE, openLedger } from '../../../../controller/registration/ledger.js';
import { registerDevices, type RegisterDeps, type RegisterReport } from '../../../../controller/registration/register.js';
import { fakePool, type FakePool } from '../../../fakes/aws/pool.js';

export const ACCOUNT = '111111111111';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/edge-device`;
export const CA_PEM = '-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n';
export const sessionArn = (name: string): string => `arn:aws:sts::${ACCOUNT}:assumed-role/edge/${name}`;

export const sessionDevice = (name: string, tags = [{ Key: 'fleet', Value: 'pi' }]): DeviceSpec => ({ name, tags, identity: { mode: 'iam-session', arn: sessionArn(name) } });
export const iotDevice = (name: string, thingGroup?: string): DeviceSpec => ({ name, tags: [{ Key: 'fleet', Value: 'iot' }], identity: { mode: 'iot' }, ...(thingGroup ? { thingGroup } : {}) });
export const userDevice = (name: string): DeviceSpec => ({ name, tags: [], identity: { mode: 'create-iam-user' } });

export interface Harness extends FakePool {
  readonly out: string;
  /** Register with fresh ledger/bundle handles (as a new fleetctl run would); `bundles` overrides the store. */
  register(devices: readonly DeviceSpec[], extra?: Partial<RegisterDeps>): Promise<RegisterReport>;
  bundles(): BundleStore;
  /** Calls that change AWS state made since `from` (an index into world.calls). */
  writesSince(from: number): string[];
}

const READS = /^(Get|List|Describe|BatchGet)/;

export function harness(t: Test): Harness {
  const fake = fakePool();
  const out = t.testdir();
  const bundles = (): BundleStore => createBundleStore(out, { tar: false });
  return {
    ...fake,
    out,
    bundles,
    register: (devices, extra = {}) =>
      registerDevices(devices, {
        aws: fake.pool.session(),
        stats: fake.pool.stats,
        ledger: openLedger(join(out, LEDGER_FILE)),
        bundles: bundles(),
        log: silentLogger(),
        iot: { roleAlias: 'edge-agent-codedeploy', policyName: 'edge-agent-device', roleArn: ROLE_ARN },
        iotCaPem: CA_PEM,
        concurrency: 4,
        tagBatchMaxAgeMs: 1,
        ...extra,
      }),
    writesSince: (from) => fake.world.calls.slice(from).filter((c) => !READS.test(c.operation)).map((c) => `${c.service}.${c.operation}`),
  };
}
