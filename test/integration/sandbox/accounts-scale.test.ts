// A generated 200-tenant config starts quickly and works end to end; config entries the sandbox
// cannot create are refused with their place; a restarted sandbox keeps its keys and objects.
import t from 'tap';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { ListDeploymentGroupsCommand, CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { applyAccounts } from '../../../sandbox/accounts-setup.js';
import { createCodeDeployService } from '../../../sandbox/codedeploy/codedeploy-service.js';
import { createCommandBroker } from '../../../sandbox/commands/broker.js';
import { startSandbox } from '../../../sandbox/sandbox.js';
import { createStore } from '../../../sandbox/store.js';
import { parseSandboxConfig, parseSandboxConfigDocument } from '../../../sandbox/sandbox-config.js';
import { TENANT_PIPELINE_ROLE, generateTenantsConfig, tenantExternalId } from '../../../sandbox/tenants-config.js';
import { assume, clients } from './accounts-harness.js';

t.test('a generated config for 200 tenants starts in well under a few seconds', async (t) => {
  const doc = generateTenantsConfig({ tenants: 200, deviceAccounts: 2, codedeploy: true });
  const config = parseSandboxConfigDocument(JSON.parse(JSON.stringify(doc)), 'generated');
  t.equal(config.accounts?.length, 203);
  // The accounts' setup alone (keys, buckets, policies, CodeDeploy applications and groups) ...
  const store = await createStore();
  const codedeploy = createCodeDeployService({ store, broker: createCommandBroker({}) });
  let started = performance.now();
  await applyAccounts({ store, region: config.region, codedeploy }, config.accounts!);
  const setupMs = performance.now() - started;
  await codedeploy.close();
  await store.close();
  // ... and the whole sandbox (which also makes its CAs and listeners).
  started = performance.now();
  const sb = await startSandbox({ config });
  const startMs = performance.now() - started;
  t.teardown(() => sb.close());
  t.comment(`200 tenants + 2 device accounts + pipeline: accounts set up in ${setupMs.toFixed(0)} ms; the whole sandbox started in ${startMs.toFixed(0)} ms`);
  // A few hundred ms on an idle machine; the bound leaves room for a loaded CI host.
  t.ok(setupMs < 3000, `accounts set up in ${setupMs.toFixed(0)} ms`);

  const last = config.accounts!.at(-1)!.accountId;
  const pipeline = clients(sb, sb.root);
  await pipeline.s3.send(new PutObjectCommand({ Bucket: 'pipeline-artifacts-111111111111', Key: 'releases/1.0.0/site.zip', Body: 'site' }));
  const tenant = clients(sb, await assume(sb, sb.root, `arn:aws:iam::${last}:role/${TENANT_PIPELINE_ROLE}`, tenantExternalId(last)));
  const got = await tenant.s3.send(new GetObjectCommand({ Bucket: 'pipeline-artifacts-111111111111', Key: 'releases/1.0.0/site.zip' }));
  t.equal(await got.Body!.transformToString(), 'site', 'the last tenant reads the KMS-encrypted release');
  const put = await pipeline.s3.send(new PutObjectCommand({ Bucket: `tenant-${last}-web`, Key: 'index.html', Body: '<h1/>' }));
  const webKey = (await tenant.kms.send(new DescribeKeyCommand({ KeyId: 'alias/tenant-web' }))).KeyMetadata!;
  t.equal(put.SSEKMSKeyId, webKey.Arn, 'the pipeline writes into the tenant bucket with the tenant key');
  const owner = sb.rootOf(last);
  const cd = new CodeDeployClient({ endpoint: sb.url, region: sb.region, credentials: { accessKeyId: owner.accessKeyId, secretAccessKey: owner.secretAccessKey }, maxAttempts: 1 });
  t.same((await cd.send(new ListDeploymentGroupsCommand({ applicationName: 'tenant-app' }))).deploymentGroups, ['servers'], 'pre-created deployment group');
});

t.test('config entries the sandbox cannot create are refused with their place', async (t) => {
  const bad = parseSandboxConfig("accounts:\n  - accountId: '333333333333'\n    buckets: [{ name: web-bucket, encryption: { kmsKey: alias/missing } }]\n", 'x.yaml');
  await t.rejects(startSandbox({ config: bad }), { code: 'CONFIG_INVALID', message: /accounts\[0\]\.buckets\[0\]\.encryption\.kmsKey: Alias arn:aws:kms:us-east-1:333333333333:alias\/missing is not found/ });
  const dir = t.testdir();
  const sb = await startSandbox({ dir });
  await clients(sb, sb.root).s3.send(new CreateBucketCommand({ Bucket: 'shared-name' }));
  await sb.close();
  const taken = parseSandboxConfig("accounts:\n  - accountId: '333333333333'\n    buckets: [{ name: shared-name }]\n", 'x.yaml');
  await t.rejects(startSandbox({ dir, config: taken }), { code: 'CONFIG_INVALID', message: /accounts\[0\]\.buckets\[0\]\.name: bucket shared-name already belongs to account 111111111111/ });
});

t.test('a restarted sandbox keeps its configured keys and encrypted objects', async (t) => {
  const dir = t.testdir();
  const yaml = "accounts:\n  - accountId: '111111111111'\n    kmsKeys: [{ alias: data }]\n    buckets: [{ name: data-bucket, encryption: { kmsKey: alias/data } }]\n";
  const first = await startSandbox({ dir, config: parseSandboxConfig(yaml, 'x.yaml') });
  const c1 = clients(first, first.root);
  const put = await c1.s3.send(new PutObjectCommand({ Bucket: 'data-bucket', Key: 'k', Body: 'v' }));
  await first.close();
  const second = await startSandbox({ dir, config: parseSandboxConfig(yaml, 'x.yaml') });
  t.teardown(() => second.close());
  const c2 = clients(second, second.root);
  const got = await c2.s3.send(new GetObjectCommand({ Bucket: 'data-bucket', Key: 'k' }));
  t.same([await got.Body!.transformToString(), got.SSEKMSKeyId], ['v', put.SSEKMSKeyId], 'the same key id after a restart');
  // closed before the test ends: tap removes t.testdir() before running teardowns, and a running
  // sandbox could write its state into the folder while it is removed
  await second.close();
});
