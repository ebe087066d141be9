// Call accounting: classification, per-key counts, marks, the kept window and the HTTP endpoint.
import t from 'tap';
import { callsEndpoint, classifyOperation, createCallLog, restOperation } from '../../../sandbox/call-log.js';

t.test('reads and writes', async (t) => {
  for (const op of ['DescribeStacks', 'GetObject', 'ListBuckets', 'HeadObject', 'BatchGetDeployments', 'ValidateTemplate', 'GetCallerIdentity', 'AssumeRole', 'PollHostCommand', 'GET /things']) {
    t.equal(classifyOperation(op), 'read', op);
  }
  for (const op of ['CreateStack', 'PutObject', 'SetAlarmState', 'CreateDeployment', 'PutHostCommandComplete', 'RegisterOnPremisesInstance', 'POST /things', 'DELETE /things']) {
    t.equal(classifyOperation(op), 'write', op);
  }
});

t.test('S3 and IoT REST operation names', async (t) => {
  const q = (s = '') => new URLSearchParams(s);
  t.equal(restOperation('s3', 'GET', '/', q(), {}), 'ListBuckets');
  t.equal(restOperation('s3', 'GET', '/b', q('list-type=2'), {}), 'ListObjectsV2');
  t.equal(restOperation('s3', 'PUT', '/b', q(), {}), 'CreateBucket');
  t.equal(restOperation('s3', 'PUT', '/b', q('policy'), {}), 'PutBucketPolicy');
  t.equal(restOperation('s3', 'GET', '/b/k/x', q(), {}), 'GetObject');
  t.equal(restOperation('s3', 'PUT', '/b/k', q(), { 'x-amz-copy-source': '/a/b' }), 'CopyObject');
  t.equal(restOperation('s3', 'POST', '/b/k', q('uploads'), {}), 'CreateMultipartUpload');
  t.equal(restOperation('s3', 'PUT', '/b/k', q('partNumber=1&uploadId=u'), {}), 'UploadPart');
  t.equal(restOperation('s3', 'POST', '/b', q('delete'), {}), 'DeleteObjects');
  t.equal(restOperation('iot', 'GET', '/things/x', q(), {}), 'GET /things');
});

t.test('counts, marks, the window', async (t) => {
  const log = createCallLog({ window: 3 });
  const call = (operation: string, status = 200) => log.record({ accountId: '111111111111', service: 'cloudformation', operation, status });
  call('DescribeStacks');
  const mark = log.mark();
  call('CreateStack');
  call('CreateStack', 400);
  t.match(log.since(mark), { mark: 3, total: 2, writes: 2, truncated: false, calls: [{ operation: 'CreateStack', kind: 'write', count: 2, errors: 1 }] });
  t.equal(log.snapshot().total, 3);
  call('DescribeStacks');
  t.match(log.snapshot(), { total: 3, truncated: true }, 'only the last 3 calls are kept, and the report says so');
  t.match(log.since(mark), { total: 3, truncated: false });
  const endpoint = callsEndpoint(log);
  t.equal(endpoint({ method: 'GET', path: '/_sandbox/other', query: new URLSearchParams() }), undefined);
  const ok = endpoint({ method: 'GET', path: '/_sandbox/calls', query: new URLSearchParams('since=3') })!;
  t.same(JSON.parse(ok.body), { mark: 4, total: 1, writes: 0, truncated: false, calls: [{ accountId: '111111111111', service: 'cloudformation', operation: 'DescribeStacks', kind: 'read', count: 1, errors: 0 }] });
  t.equal(endpoint({ method: 'POST', path: '/_sandbox/calls', query: new URLSearchParams() })!.status, 405);
  t.equal(endpoint({ method: 'GET', path: '/_sandbox/calls', query: new URLSearchParams('since=-1') })!.status, 400);
});
