// The CodeDeploy handler itself: routing by X-Amz-Target, JSON 1.1 bodies, epoch-second timestamps,
// protocol errors, per-(account, region) state.
import t from 'tap';
import { createCodeDeployService } from '../../../sandbox/codedeploy/codedeploy-service.js';
import { createStore } from '../../../sandbox/store.js';
import { AwsError, type HostCommandBroker, type Principal, type SandboxRequest } from '../../../sandbox/types.js';

const broker: HostCommandBroker = {
  dispatch: async () => ({ status: 'Succeeded', startTime: new Date(), endTime: new Date() }),
};

function principal(accountId: string): Principal {
  return { accessKeyId: 'AKIA', secretAccessKey: 's', arn: `arn:aws:iam::${accountId}:root`, accountId, userId: accountId };
}

function request(operation: string | undefined, body: string | object, opts: { method?: string; accountId?: string; region?: string } = {}): SandboxRequest {
  return {
    method: opts.method ?? 'POST',
    rawPath: '/',
    path: '/',
    query: new URLSearchParams(),
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      ...(operation ? { 'x-amz-target': `CodeDeploy_20141006.${operation}` } : {}),
    },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    service: 'codedeploy',
    region: opts.region ?? 'eu-west-1',
    principal: principal(opts.accountId ?? '111111111111'),
    signal: new AbortController().signal,
  };
}

t.test('routing, bodies and errors', async (t) => {
  const clock = { now: () => new Date('2024-03-01T10:00:00.250Z') };
  const service = createCodeDeployService({ store: await createStore(), broker, clock });
  t.teardown(() => service.close());

  const created = await service(request('CreateApplication', { applicationName: 'app' }));
  t.equal(created.status, 200);
  t.equal(created.headers?.['content-type'], 'application/x-amz-json-1.1');
  const got = await service(request('GetApplication', { applicationName: 'app' }));
  const app = JSON.parse(String(got.body)) as { application: { createTime: unknown } };
  t.equal(app.application.createTime, 1709287200.25, 'timestamps are epoch seconds');

  await t.rejects(service(request('GetApplication', { applicationName: 'app' }, { accountId: '222222222222' })), { code: 'ApplicationDoesNotExistException' }, 'other account');
  await t.rejects(service(request('GetApplication', { applicationName: 'app' }, { region: 'us-east-1' })), { code: 'ApplicationDoesNotExistException' }, 'other region');
  await t.rejects(service(request('FlyToTheMoon', {})), { code: 'UnknownOperationException' });
  await t.rejects(service(request('toString', {})), { code: 'UnknownOperationException' }, 'no prototype lookups');
  await t.rejects(service(request(undefined, {})), { code: 'UnknownOperationException' });
  await t.rejects(service(request('ListApplications', {}, { method: 'GET' })), { code: 'UnknownOperationException' });
  await t.rejects(service(request('CreateApplication', '{not json')), { code: 'SerializationException' });
  await t.rejects(service(request('CreateApplication', '[1]')), { code: 'SerializationException' });
  await t.rejects(service(request('CreateApplication', { applicationName: 7 })), { code: 'InvalidApplicationNameException' });
  const err = await service(request('GetApplication', {})).catch((e: unknown) => e);
  t.ok(err instanceof AwsError);
  t.match(err, { code: 'ApplicationNameRequiredException', status: 400 });
  const empty = await service(request('ListApplications', ''));
  t.same(JSON.parse(String(empty.body)), { applications: ['app'] }, 'an empty body is {}');
});
