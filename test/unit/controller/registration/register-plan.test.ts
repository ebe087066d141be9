import t from 'tap';
import { applyEvent } from '../../../../controller/registration/ledger.js';
import { iotSessionArn, type DeviceSpec } from '../../../../controller/fleet/model.js';
import { EMPTY_LEDGER_ENTRY, planDevice, type Observed } from '../../../../controller/registration/register-plan.js';

const ROLE = 'arn:aws:iam::111111111111:role/edge-device';
const CERT = (id: string): string => `arn:aws:iot:us-east-1:111111111111:cert/${id}`;
const ctx = { accountId: '111111111111', iotRoleArn: ROLE };
const base: Observed = { ledger: EMPTY_LEDGER_ENTRY, bundleCurrent: false };
const session: DeviceSpec = { name: 'pi-1', tags: [{ Key: 'fleet', Value: 'pi' }], identity: { mode: 'iam-session', arn: 'arn:aws:sts::111111111111:assumed-role/edge/pi-1' } };
const iot: DeviceSpec = { name: 'pi-2', tags: [], identity: { mode: 'iot' }, thingGroup: 'lab' };
const user: DeviceSpec = { name: 'pi-3', tags: [], identity: { mode: 'create-iam-user' } };
const ops = (p: ReturnType<typeof planDevice>): string[] => (p.kind === 'steps' ? p.steps.map((s) => s.op) : [`conflict`]);

const cases: { name: string; device: DeviceSpec; observed: Observed; want: string[] }[] = [
  { name: 'session: new device', device: session, observed: base, want: ['write-bundle', 'register', 'tags'] },
  {
    name: 'session: registered, same tags, bundle on disk: nothing',
    device: session,
    observed: { ...base, bundleCurrent: true, instance: { registered: true, arn: (session.identity as { arn: string }).arn, tags: session.tags } },
    want: [],
  },
  {
    name: 'session: registered, tags differ: only tags',
    device: session,
    observed: { ...base, bundleCurrent: true, instance: { registered: true, arn: (session.identity as { arn: string }).arn, tags: [{ Key: 'fleet', Value: 'old' }] } },
    want: ['tags'],
  },
  { name: 'session: registered to another ARN: conflict', device: session, observed: { ...base, instance: { registered: true, arn: 'arn:aws:sts::111111111111:assumed-role/edge/x', tags: [] } }, want: ['conflict'] },
  { name: 'session: deregistered earlier: registers again', device: session, observed: { ...base, bundleCurrent: true, instance: { registered: false, arn: 'arn:x', tags: [] } }, want: ['register', 'tags'] },
  { name: 'iot: new device', device: iot, observed: base, want: ['create-thing', 'add-to-group', 'create-certificate', 'write-bundle', 'attach-certificate', 'register'] },
  {
    name: 'iot: thing made, certificate created but never bundled (killed): delete it, issue a new one',
    device: iot,
    observed: { ...base, thing: { exists: true, principals: [], groups: ['lab'] }, ledger: applyEvent(EMPTY_LEDGER_ENTRY, { device: 'pi-2', event: 'certificate-created', certificateArn: CERT('a') }) },
    want: ['delete-certificate', 'create-certificate', 'write-bundle', 'attach-certificate', 'register'],
  },
  {
    name: 'iot: bundled but not attached nor registered (killed): attach and register it',
    device: iot,
    observed: { ...base, bundleCurrent: true, thing: { exists: true, principals: [], groups: ['lab'] }, ledger: { ...EMPTY_LEDGER_ENTRY, bundledCertificateArn: CERT('b') } },
    want: ['attach-certificate', 'register'],
  },
  {
    name: 'iot: complete: nothing',
    device: iot,
    observed: { ...base, bundleCurrent: true, instance: { registered: true, arn: iotSessionArn(ROLE, 'b'), tags: [] }, thing: { exists: true, principals: [CERT('b')], groups: ['lab'] }, ledger: { ...EMPTY_LEDGER_ENTRY, bundledCertificateArn: CERT('b') } },
    want: [],
  },
  {
    name: 'iot: registered from elsewhere with an attached certificate: kept, no new credentials',
    device: iot,
    observed: { ...base, instance: { registered: true, arn: iotSessionArn(ROLE, 'c'), tags: [] }, thing: { exists: true, principals: [CERT('c')], groups: ['lab'] } },
    want: [],
  },
  { name: 'iot: name registered with an IAM user: conflict', device: iot, observed: { ...base, instance: { registered: true, arn: 'arn:aws:iam::111111111111:user/x', tags: [] } }, want: ['conflict'] },
  { name: 'created user: new', device: user, observed: base, want: ['create-user', 'put-user-policy', 'create-access-key', 'write-bundle', 'register'] },
  {
    name: 'created user: key created, not bundled (killed): delete it, new key',
    device: user,
    observed: { ...base, user: { exists: true, accessKeyIds: ['AKIA1'], policyPresent: true }, ledger: applyEvent(EMPTY_LEDGER_ENTRY, { device: 'pi-3', event: 'access-key-created', accessKeyId: 'AKIA1' }) },
    want: ['delete-access-key', 'create-access-key', 'write-bundle', 'register'],
  },
  {
    name: 'created user: keys this machine does not know: no new key',
    device: user,
    observed: { ...base, instance: { registered: true, arn: 'arn:aws:iam::111111111111:user/edge-fleet/pi-3', tags: [] }, user: { exists: true, accessKeyIds: ['AKIA9'], policyPresent: true } },
    want: [],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(ops(planDevice(c.device, c.observed, ctx)), c.want);
  });
}

t.test('the IoT session ARN is the role session named after the certificate id', async (t) => {
  const p = planDevice(iot, { ...base, thing: { exists: true, principals: [], groups: ['lab'] }, ledger: { ...EMPTY_LEDGER_ENTRY, bundledCertificateArn: CERT('d') } }, ctx);
  t.match(p, { kind: 'steps', arn: 'arn:aws:sts::111111111111:assumed-role/edge-device/d' });
});

t.test('ledger events fold into an entry', async (t) => {
  let e = applyEvent(EMPTY_LEDGER_ENTRY, { device: 'x', event: 'certificate-created', certificateArn: 'c1' });
  e = applyEvent(e, { device: 'x', event: 'certificate-bundled', certificateArn: 'c1' });
  t.same(e, { bundledCertificateArn: 'c1', pendingCertificateArns: [], pendingAccessKeyIds: [] });
  e = applyEvent(e, { device: 'x', event: 'certificate-deleted', certificateArn: 'c1' });
  t.same(e, EMPTY_LEDGER_ENTRY);
  t.same(applyEvent(e, { device: 'x', event: 'forgotten' }), EMPTY_LEDGER_ENTRY);
});
