// Child process of bench-sandbox.ts (its own process, so RSS is the sandbox's): a sandbox started from
// a config with 200 tenant accounts and a device account holding 10,000 virtual devices (registered,
// tagged, each with its device shadow), then one CodeDeploy deployment to all of them. Prints one
// JSON line: start seconds, RSS after start and after the deployment, deployment seconds.
import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../sandbox/sandbox.js';
import { parseSandboxConfigDocument } from '../sandbox/sandbox-config.js';
import { generateTenantsConfig } from '../sandbox/tenants-config.js';

export interface ScaleResult {
  readonly tenants: number;
  readonly devices: number;
  readonly startSeconds: number;
  /** CPU (user + system) the start took: what the wall time is on an idle machine, roughly. */
  readonly startCpuSeconds: number;
  readonly rssAfterStartMiB: number;
  readonly deploySeconds: number;
  readonly deploymentStatus: string;
  readonly rssAfterDeployMiB: number;
  readonly heapAfterDeployMiB: number;
}

const TENANTS = Number(process.env['BENCH_TENANTS'] ?? 200);
const DEVICES = Number(process.env['BENCH_DEVICES'] ?? 10_000);
const DEVICE_ACCOUNT = '200000000000';

const rssMiB = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};

async function main(): Promise<ScaleResult> {
  const doc = generateTenantsConfig({ tenants: TENANTS, deviceAccounts: 1 });
  const accounts = doc['accounts'] as Record<string, unknown>[];
  const devices = accounts.find((a) => a['accountId'] === DEVICE_ACCOUNT);
  if (!devices) throw new Error(`the generated config has no device account ${DEVICE_ACCOUNT}`);
  devices['virtualHosts'] = [{ namePrefix: 'dev', count: DEVICES, tags: { fleet: 'bench' }, eventMs: 50 }];
  devices['buckets'] = [{ name: 'device-releases' }];
  devices['codedeploy'] = {
    applications: [{ name: 'edge', deploymentGroups: [{ name: 'all', deploymentConfigName: 'CodeDeployDefault.AllAtOnce', onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: 'bench', Type: 'KEY_AND_VALUE' }] }] }],
  };
  const config = parseSandboxConfigDocument(doc, 'bench');

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sb = await startSandbox({ config });
  const startSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const startCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rssAfterStartMiB = rssMiB();
  const credentials = sb.rootOf(DEVICE_ACCOUNT);
  const sdk = { endpoint: sb.url, region: sb.region, credentials, forcePathStyle: true, maxAttempts: 3 };
  const cd = new CodeDeployClient(sdk);
  const s3 = new S3Client(sdk);
  try {
    await s3.send(new PutObjectCommand({ Bucket: 'device-releases', Key: 'releases/v1.tgz', Body: Buffer.from('bench bundle') }));
    const t1 = performance.now();
    const { deploymentId } = await cd.send(
      new CreateDeploymentCommand({ applicationName: 'edge', deploymentGroupName: 'all', revision: { revisionType: 'S3', s3Location: { bucket: 'device-releases', key: 'releases/v1.tgz', bundleType: 'tgz' } } }),
    );
    let status = '';
    while (!['Succeeded', 'Failed', 'Stopped'].includes(status)) {
      if (performance.now() - t1 > 600_000) throw new Error('the deployment did not finish within 10 minutes');
      await sleep(200);
      status = (await cd.send(new GetDeploymentCommand({ deploymentId: deploymentId! }))).deploymentInfo?.status ?? '';
    }
    const deploySeconds = (performance.now() - t1) / 1000;
    const rssAfterDeployMiB = rssMiB();
    return {
      tenants: TENANTS,
      devices: DEVICES,
      startSeconds,
      startCpuSeconds,
      rssAfterStartMiB,
      deploySeconds,
      deploymentStatus: status,
      rssAfterDeployMiB,
      heapAfterDeployMiB: process.memoryUsage().heapUsed / 2 ** 20,
    };
  } finally {
    cd.destroy();
    s3.destroy();
    await sb.close();
  }
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
process.exit(0);
