import t from 'tap';
import { describeDeregisterStep, observationsNeeded, planDeregister, type DeregisterObserved } from '../../../../controller/registration/deregister-plan.js';

const CERT = 'arn:aws:iot:eu-west-1:111111111111:cert/0123456789abcdef0123';
const none = { deleteCertificates: false, deleteThing: false, deleteIamUser: false, force: false, iotPolicy: 'edge-agent-device' };
const registered: DeregisterObserved = { instance: { registered: true, tags: [{ Key: 'fleet', Value: 'pi' }] } };
const ops = (p: ReturnType<typeof planDeregister>): string[] => (p.kind === 'steps' ? p.steps.map((s) => s.op) : ['refused']);

const cases: { name: string; observed: DeregisterObserved; opts?: Partial<typeof none>; want: string[]; registered?: boolean }[] = [
  { name: 'registered with tags: remove tags, deregister', observed: registered, want: ['remove-tags', 'deregister'] },
  { name: 'registered without tags: only deregister', observed: { instance: { registered: true, tags: [] } }, want: ['deregister'] },
  { name: 'never registered: nothing', observed: {}, want: [], registered: false },
  { name: 'deregistered earlier: nothing', observed: { instance: { registered: false, tags: [] } }, want: [], registered: false },
  { name: 'busy: refused', observed: { ...registered, busy: { deploymentId: 'd-1', instanceStatus: 'InProgress' } }, want: ['refused'] },
  { name: 'busy but forced: deregistered', observed: { ...registered, busy: { deploymentId: 'd-1', instanceStatus: 'InProgress' } }, opts: { force: true }, want: ['remove-tags', 'deregister'] },
  {
    name: '--delete-thing: certificates (not other principals), then the thing',
    observed: { ...registered, thing: { exists: true, principals: [CERT, 'arn:aws:iam::111111111111:user/x'] } },
    opts: { deleteCertificates: true, deleteThing: true },
    want: ['remove-tags', 'deregister', 'delete-certificate', 'delete-thing'],
  },
  { name: '--delete-certificates without a thing: nothing more', observed: { ...registered, thing: { exists: false, principals: [] } }, opts: { deleteCertificates: true }, want: ['remove-tags', 'deregister'] },
  {
    name: 'not registered, thing left over: its certificates still go',
    observed: { thing: { exists: true, principals: [CERT] } },
    opts: { deleteCertificates: true },
    want: ['delete-certificate'],
    registered: false,
  },
  {
    name: '--delete-iam-user: keys, policies, then the user',
    observed: { ...registered, user: { userName: 'pi-3', accessKeyIds: ['AKIA1', 'AKIA2'], policyNames: ['p'] } },
    opts: { deleteIamUser: true },
    want: ['remove-tags', 'deregister', 'delete-access-key', 'delete-access-key', 'delete-user-policy', 'delete-user'],
  },
  { name: 'an observed user without --delete-iam-user stays', observed: { ...registered, user: { userName: 'pi-3', accessKeyIds: [], policyNames: [] } }, want: ['remove-tags', 'deregister'] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const plan = planDeregister(c.observed, { ...none, ...c.opts });
    t.same(ops(plan), c.want);
    if (plan.kind === 'steps') t.equal(plan.registered, c.registered ?? true);
  });
}

t.test('a refusal names the deployment and the instance status', async (t) => {
  t.same(planDeregister({ ...registered, busy: { deploymentId: 'd-9', instanceStatus: 'Pending' } }, none), { kind: 'refused', deploymentId: 'd-9', instanceStatus: 'Pending' });
});

t.test('every step kind has words for the report (the same for a dry run)', async (t) => {
  const plan = planDeregister(
    { ...registered, thing: { exists: true, principals: [CERT] }, user: { userName: 'u', accessKeyIds: ['AKIA1'], policyNames: ['p'] } },
    { ...none, deleteCertificates: true, deleteThing: true, deleteIamUser: true },
  );
  t.same(plan.kind === 'steps' ? plan.steps.map((s) => describeDeregisterStep(s, 'd-1')) : [], [
    'remove tags fleet',
    'deregister',
    'delete certificate 0123456789ab…',
    'delete thing d-1',
    'delete access key AKIA1 of IAM user u',
    'delete policy p of IAM user u',
    'delete IAM user u',
  ]);
});

t.test('only the reads a plan needs', async (t) => {
  t.same(observationsNeeded(none, true, undefined), { deployments: true, thing: false, user: false });
  t.same(observationsNeeded({ ...none, force: true, deleteIamUser: true }, true, 'arn:aws:iam::1:user/u'), { deployments: false, thing: false, user: true });
  t.same(observationsNeeded({ ...none, deleteThing: true, deleteIamUser: true }, false, 'arn:aws:iam::1:user/u'), { deployments: false, thing: true, user: false });
});
