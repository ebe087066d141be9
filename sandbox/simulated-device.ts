// Simulated devices for tests and the demo: each is a real `edge-agent run` process with its own
// deployment root, config, IAM-user identity (issued by the sandbox) and registration. The agent
// is started as a program (never imported), so the sandbox stays independent of agent code.
import { CodeDeployClient, RegisterOnPremisesInstanceCommand, AddTagsToOnPremisesInstancesCommand } from '@aws-sdk/client-codedeploy';
import { AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';
import type { Principal } from './types.js';

export interface Device {
  readonly name: string;
  readonly dir: string;
  readonly rootDir: string;
  readonly configPath: string;
  readonly principal: Principal;
  process?: ChildProcess;
  output: string;
}

export function sdkConfig(sb: Sandbox, p: Principal = sb.root) {
  return { endpoint: sb.url, region: sb.region, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) }, maxAttempts: 1, forcePathStyle: true };
}

/** Files a provisioned device has: agent.yml and onpremises.yml (0600). */
export async function provisionDevice(sb: Sandbox, base: string, name: string, tags: Record<string, string>, extraConfig = ''): Promise<Device> {
  const dir = join(base, name);
  const rootDir = join(dir, 'deployment-root');
  mkdirSync(rootDir, { recursive: true });
  const principal = sb.credentials.issue({ arn: `arn:aws:iam::${sb.root.accountId}:user/${name}`, accountId: sb.root.accountId, userId: `AIDA${name.toUpperCase().replace(/\W/g, '')}` });
  const onprem = join(dir, 'onpremises.yml');
  writeFileSync(onprem, `region: ${sb.region}\naws_access_key_id: ${principal.accessKeyId}\naws_secret_access_key: ${principal.secretAccessKey}\niam_user_arn: ${principal.arn}\n`, { mode: 0o600 });
  chmodSync(onprem, 0o600);
  writeFileSync(join(dir, 'ca.pem'), sb.caPem);
  const configPath = join(dir, 'agent.yml');
  writeFileSync(
    configPath,
    [
      `root_dir: ${rootDir}`,
      `log_dir: ${join(dir, 'log')}`,
      `on_premises_config_file: ${onprem}`,
      `deploy_control_endpoint: ${sb.url}`,
      `s3_endpoint_override: ${sb.url}`,
      `spec_ca_file: ${join(dir, 'ca.pem')}`,
      'wait_between_runs: 1',
      'kill_grace_seconds: 1',
      extraConfig,
    ].join('\n') + '\n',
  );
  const cd = new CodeDeployClient(sdkConfig(sb));
  await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: principal.arn }));
  await cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: [name], tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  return { name, dir, rootDir, configPath, principal, output: '' };
}

/**
 * Makes the device an IoT thing of the sandbox (thing, active certificate attached, files with the
 * key 0600) and appends an `iot:` section to its agent config, so its agent reports health to the
 * device shadow over MQTT with mutual TLS. `schedule` is node-cron (6 fields = with seconds).
 */
export async function addIotTelemetry(sb: Sandbox, device: Device, opts: { schedule?: string } = {}): Promise<void> {
  const iot = new IoTClient({ ...sdkConfig(sb), maxAttempts: 3 });
  try {
    await iot.send(new CreateThingCommand({ thingName: device.name }));
    const keys = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: device.name, principal: keys.certificateArn }));
    const files = { cert: join(device.dir, 'device.pem.crt'), key: join(device.dir, 'private.pem.key'), ca: join(device.dir, 'iot-ca.pem') };
    writeFileSync(files.cert, keys.certificatePem ?? '');
    writeFileSync(files.key, keys.keyPair?.PrivateKey ?? '', { mode: 0o600 });
    chmodSync(files.key, 0o600);
    writeFileSync(files.ca, sb.iot.caPem);
    const section = [
      'iot:',
      `  endpoint: ${sb.iot.dataEndpoint}`,
      `  thing_name: ${device.name}`,
      `  certificate_file: ${files.cert}`,
      `  private_key_file: ${files.key}`,
      `  ca_file: ${files.ca}`,
      ...(opts.schedule ? [`  schedule: '${opts.schedule}'`] : []),
    ];
    appendFileSync(device.configPath, `${section.join('\n')}\n`);
  } finally {
    iot.destroy();
  }
}

/** How to start the agent: node arguments before `run` (e.g. ['dist/agent/main.js']). */
export interface AgentCommand {
  readonly nodeArgs: readonly string[];
}

/**
 * Starts `edge-agent run` for the device, with its working directory in the device folder. The agent
 * leads its own process group (so a caller can kill it with whatever it started in that group), which
 * also means a terminal's Ctrl-C no longer reaches it: the caller stops it, with stopAgent.
 */
export function startAgent(device: Device, command: AgentCommand, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [...command.nodeArgs, 'run', '-c', device.configPath], {
    cwd: device.dir,
    env: { ...process.env, EDGE_AGENT_BACKOFF_SCALE: '0.01', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  device.process = child;
  child.stdout?.on('data', (d: Buffer) => (device.output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (device.output += d.toString()));
  return child;
}

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
};

/**
 * Stops the device's agent and resolves with its exit code. SIGTERM (the default) is the graceful
 * stop, sent to the agent alone; SIGKILL kills its whole process group at once. Whatever is left in
 * the group once the agent has exited is killed too.
 */
export function stopAgent(device: Device, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const child = device.process;
  const pid = child?.pid;
  if (!child || pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    return Promise.resolve(child?.exitCode ?? null);
  }
  return new Promise((resolve) => {
    child.once('close', (code) => {
      signalGroup(pid, 'SIGKILL');
      resolve(code);
    });
    if (signal === 'SIGKILL') signalGroup(pid, signal);
    else child.kill(signal);
  });
}
