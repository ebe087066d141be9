// Shared by the fleetctl register / deregister / ls-status tests: a persistent sandbox, fleetctl
// run as a child process against it, and SDK clients to check what AWS holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { IoTClient } from '@aws-sdk/client-iot';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.js';
import { runCli, spawnCli, type CliResult } from '../../helpers/cli.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export const ACCOUNT = '111111111111';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/edge-device`;
export const sessionArn = (name: string): string => `arn:aws:sts::${ACCOUNT}:assumed-role/edge/${name}`;

export interface Fleet {
  readonly sb: Sandbox;
  readonly work: string;
  readonly env: NodeJS.ProcessEnv;
  readonly codedeploy: CodeDeployClient;
  readonly iot: IoTClient;
  fleetctl(args: readonly string[], timeoutMs?: number): Promise<CliResult>;
  /** fleetctl ... --json, parsed; fails with the output when stdout is not JSON. */
  json<T = Record<string, unknown>>(args: readonly string[], timeoutMs?: number): Promise<{ code: number | null; doc: T; stderr: string }>;
  spawn(args: readonly string[]): ReturnType<typeof spawnCli>;
  close(): Promise<void>;
}

export async function startFleet(): Promise<Fleet> {
  const work = mkdtempSync(join(tmpdir(), 'fleetctl-'));
  const sb = await startSandbox({ dir: join(work, 'sandbox') });
  const env = { ...process.env, ...sb.env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const config = { region: sb.region, endpoint: sb.url, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey } };
  const codedeploy = new CodeDeployClient(config);
  const iot = new IoTClient(config);
  const fleetctl = (args: readonly string[], timeoutMs = 180_000): Promise<CliResult> => runCli('fleetctl', args, env, timeoutMs);
  return {
    sb,
    work,
    env,
    codedeploy,
    iot,
    fleetctl,
    async json<T>(args: readonly string[], timeoutMs?: number) {
      const r = await fleetctl([...args, '--json'], timeoutMs);
      try {
        return { code: r.code, doc: JSON.parse(r.stdout) as T, stderr: r.stderr };
      } catch {
        throw new Error(`fleetctl ${args.join(' ')}: stdout is not JSON (exit ${r.code})\n${r.stdout}\n${r.stderr}`);
      }
    },
    spawn: (args) => spawnCli('fleetctl', args, env),
    async close() {
      codedeploy.destroy();
      iot.destroy();
      await sb.close();
      removeTempDir(work);
    },
  };
}
