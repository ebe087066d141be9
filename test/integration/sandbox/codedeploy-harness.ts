// Test harness for the sandbox's CodeDeploy service: the service mounted on the real HTTP core,
// driven through @aws-sdk/client-codedeploy, with a scripted HostCommandBroker standing in for the
// hosts (per instance: which commands fail, which hang until the deployment is stopped).
import type { Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AddTagsToOnPremisesInstancesCommand,
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  RegisterOnPremisesInstanceCommand,
} from '@aws-sdk/client-codedeploy';
import type { CreateDeploymentGroupCommandInput } from '@aws-sdk/client-codedeploy';
import { createCodeDeployService, type CodeDeployService } from '../../../sandbox/codedeploy/codedeploy-service.js';
import { createStore } from '../../../sandbox/store.js';
import type { Diagnostics, HostCommandBroker, HostCommandOutcome, HostCommandRequest, SandboxStore } from '../../../sandbox/types.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox-server.js';

export const REGION = 'eu-west-1';
export const ROLE_ARN = 'arn:aws:iam::111111111111:role/CodeDeployServiceRole';

export interface HostScript {
  /** Commands that fail, with the diagnostics to report (ScriptFailed by default). */
  fail?: Record<string, Partial<Diagnostics>>;
  /** Apply `fail` / `hangOn` only for revisions whose S3 key is this. */
  onlyForKey?: string;
  /** A command the host never completes: it ends when the deployment is stopped. */
  hangOn?: string;
  /** With hangOn: the command is still queued when stopped (withdrawn) instead of running. */
  hangQueued?: boolean;
}

interface Waiter {
  readonly match: (req: HostCommandRequest) => boolean;
  readonly resolve: (req: HostCommandRequest) => void;
}

export class ScriptedBroker implements HostCommandBroker {
  readonly requests: HostCommandRequest[] = [];
  /** `<instance> <command> start|end`, in order. */
  readonly events: string[] = [];
  maxActiveHosts = 0;
  private readonly active = new Set<string>();
  private readonly scripts = new Map<string, HostScript>();
  private waiters: Waiter[] = [];

  constructor(private readonly delayMs = 2) {}

  script(instanceName: string, script: HostScript): void {
    this.scripts.set(instanceName, script);
  }

  /** Resolves when `commandName` is dispatched to `instanceName` (or already was), for a deployment. */
  dispatched(instanceName: string, commandName: string, deploymentId?: string): Promise<HostCommandRequest> {
    const match = (r: HostCommandRequest) => r.instanceName === instanceName && r.commandName === commandName && (deploymentId === undefined || r.deploymentId === deploymentId);
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  commandsFor(instanceName: string): string[] {
    return this.requests.filter((r) => r.instanceName === instanceName).map((r) => r.commandName);
  }

  async dispatch(req: HostCommandRequest): Promise<HostCommandOutcome> {
    this.requests.push(req);
    this.events.push(`${req.instanceName} ${req.commandName} start`);
    this.active.add(req.instanceName);
    this.maxActiveHosts = Math.max(this.maxActiveHosts, this.active.size);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(req)) return true;
      w.resolve(req);
      return false;
    });
    const startTime = new Date();
    const script = this.scripts.get(req.instanceName) ?? {};
    const key = (req.deploymentSpec['Revision'] as { S3Revision: { Key: string } }).S3Revision.Key;
    const scripted = script.onlyForKey === undefined || script.onlyForKey === key;
    const end = (outcome: Omit<HostCommandOutcome, 'startTime' | 'endTime'> & { withdrawn?: true }, last: boolean): HostCommandOutcome => {
      this.events.push(`${req.instanceName} ${req.commandName} end`);
      if (last) this.active.delete(req.instanceName);
      return { ...outcome, startTime, endTime: new Date() };
    };
    if (scripted && script.hangOn === req.commandName) {
      await new Promise<void>((resolve) => {
        if (req.signal?.aborted) resolve();
        req.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      if (script.hangQueued) return end({ status: 'Failed', withdrawn: true }, true);
      return end({ status: 'Failed', diagnostics: { errorCode: 'UnknownError', scriptName: '', message: 'stopped while running', logTail: '' } }, true);
    }
    await sleep(this.delayMs);
    const failure = scripted ? script.fail?.[req.commandName] : undefined;
    if (failure) {
      const diagnostics: Diagnostics = {
        errorCode: 'ScriptFailed',
        scriptName: `scripts/${req.commandName}.sh`,
        message: 'Script at specified location: scripts/x.sh run as user root failed with exit code 1',
        logTail: '[stderr]boom\n',
        ...failure,
      };
      return end({ status: 'Failed', diagnostics }, true);
    }
    return end({ status: 'Succeeded', diagnostics: { errorCode: 'Success', scriptName: '', message: 'Succeeded', logTail: '' } }, req.commandName === 'ValidateService');
  }
}

export interface Harness {
  readonly sb: TestSandbox;
  readonly cd: CodeDeployClient;
  readonly broker: ScriptedBroker;
  readonly service: CodeDeployService;
  readonly store: SandboxStore;
}

export async function startCodeDeploy(t: Test, opts: { store?: SandboxStore; broker?: ScriptedBroker } = {}): Promise<Harness> {
  const store = opts.store ?? (await createStore());
  const broker = opts.broker ?? new ScriptedBroker();
  const service = createCodeDeployService({ store, broker, pickupTimeoutMs: 1500, completionTimeoutMs: 4000 });
  const sb = await startTestSandbox({ codedeploy: service }, { region: REGION });
  const cd = new CodeDeployClient(sb.clientConfig());
  t.teardown(async () => {
    cd.destroy();
    await sb.close();
    await service.close();
  });
  return { sb, cd, broker, service, store };
}

/** Registers instances `pi-<name>` as IAM users, each with the given tags. */
export async function registerFleet(cd: CodeDeployClient, fleet: Record<string, Record<string, string>>): Promise<void> {
  for (const [name, tags] of Object.entries(fleet)) {
    await cd.send(new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: `arn:aws:iam::111111111111:user/${name}` }));
    const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (list.length > 0) await cd.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: [name], tags: list }));
  }
}

/** An application with one deployment group selecting `fleet=<fleet>`. */
export async function createAppAndGroup(
  cd: CodeDeployClient,
  app: string,
  group: string,
  extra: Partial<CreateDeploymentGroupCommandInput> = {},
): Promise<void> {
  await cd.send(new CreateApplicationCommand({ applicationName: app, computePlatform: 'Server' }));
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: app,
      deploymentGroupName: group,
      serviceRoleArn: ROLE_ARN,
      onPremisesInstanceTagFilters: [{ Key: 'fleet', Value: group, Type: 'KEY_AND_VALUE' }],
      ...extra,
    }),
  );
}

export function s3Revision(key: string, bundleType: 'tar' | 'tgz' | 'zip' = 'tgz') {
  return { revisionType: 'S3' as const, s3Location: { bucket: 'releases', key, bundleType } };
}

/** Asserts the promise rejects with the AWS error `code` (the SDK's error name). */
export async function rejectsWith(t: Test, promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  try {
    await promise;
    t.fail(`expected ${code}, got success`);
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    t.equal(e.name, code, `${code}: ${e.message}`);
    t.equal(e.$metadata?.httpStatusCode, 400, `${code} is HTTP 400`);
    if (message) t.match(e.message, message);
  }
}

export const LIFECYCLE = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

/** CreateDeployment to application `app`, group `air`, of S3 key `key`; returns the id. */
export async function deploy(cd: CodeDeployClient, key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await cd.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: 'air', revision: s3Revision(key), ...extra }));
  return out.deploymentId as string;
}

export async function getDeployment(cd: CodeDeployClient, deploymentId: string) {
  return (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
}

/** All of a deployment's targets (ListDeploymentTargets + BatchGetDeploymentTargets), by id. */
export async function targets(cd: CodeDeployClient, deploymentId: string) {
  const ids = (await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))).targetIds ?? [];
  const out = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids }));
  return Object.fromEntries((out.deploymentTargets ?? []).map((d) => [d.instanceTarget?.targetId, d]));
}

/** `Event:Status` per lifecycle event. */
export function statuses(events: { lifecycleEventName?: string; status?: string }[] | undefined): string[] {
  return (events ?? []).map((e) => `${e.lifecycleEventName}:${e.status}`);
}
