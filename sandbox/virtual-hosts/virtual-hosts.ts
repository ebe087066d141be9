// Virtual hosts: registered on-premises instances whose host commands the sandbox answers itself.
// They take the real host's path through the command broker (a queued command is picked up,
// acknowledged, its signed spec read, and completed with the agent's diagnostics JSON), so
// deployment records, lifecycle events and outcomes are those of a real host. One command at a
// time per host, in queue order; event durations run on the sandbox's one TimerQueue (no timer or
// poll loop per host). After a deployment's last event (or a failure) the host writes its device
// shadow as edge-agent does.
import { EdgeError } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/log.js';
import type { AccountConfig } from '../accounts-config.js';
import { addRegisteredInstance, findRegisteredByArn, hostIdentifierOf, isRegistered } from '../codedeploy/on-premises-instances.js';
import { loadState, newInstanceArn, toEpochSeconds } from '../codedeploy/state.js';
import type { BrokerHostSide, BrokerQueueEvents } from '../commands/broker.js';
import { hostKeyString, type HostKey } from '../commands/host-queues.js';
import type { HostCommandInstance } from '../commands/shapes.js';
import type { ShadowStore } from '../iot/shadows.js';
import type { TimerHandle, TimerPort } from '../timer-queue.js';
import type { Clock, SandboxStore } from '../types.js';
import { SUCCESS_PAYLOAD, commandFailure, eventDuration, failurePayload, shadowUpdate, type CommandContext, type LastCommand } from './virtual-host-behaviour.js';
import { parseVirtualHostGroup, type VirtualHostBehaviour, type VirtualHostGroup } from './virtual-host-config.js';

export interface VirtualHostsDeps {
  readonly broker: BrokerHostSide & BrokerQueueEvents;
  readonly store: SandboxStore;
  readonly timers: TimerPort;
  /** Where the hosts write their shadows; omitted = no shadows. */
  readonly shadows?: Pick<ShadowStore, 'update'>;
  /** The region of hosts added without one. */
  readonly region: string;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** `add` input: the account (and region) plus a `virtualHosts:` entry of the sandbox config. */
export type AddVirtualHostsInput = { readonly accountId: string; readonly region?: string } & Readonly<Record<string, unknown>>;

export interface VirtualHostStats {
  readonly hosts: number;
  /** Hosts running a command now. */
  readonly busy: number;
  readonly commandsSucceeded: number;
  readonly commandsFailed: number;
  readonly shadowWrites: number;
}

export interface SandboxVirtualHosts {
  /** Registers a group (as RegisterOnPremisesInstance + AddTags would); returns the host names. */
  add(input: AddVirtualHostsInput): string[];
  stats(): VirtualHostStats;
}

interface VirtualHost {
  readonly name: string;
  readonly key: HostKey;
  readonly behaviour: VirtualHostBehaviour;
  busy: boolean;
  /** A command was queued while busy: poll again when free. */
  wanted: boolean;
  timer: TimerHandle | undefined;
  deployedRevision: string | undefined;
}

type DeploymentSpecView = { DeploymentId?: string; Revision?: { S3Revision?: { Key?: string } } };

const ACK = { Format: 'JSON', Payload: JSON.stringify({ IsCommandNoop: false }) };
const invalid = (path: string, reason: string): EdgeError => new EdgeError('CONFIG_INVALID', `virtual hosts: ${path}: ${reason}`);

/** The IAM user a virtual host "polls as" (its host identifier). */
export const virtualHostArn = (accountId: string, name: string): string => `arn:aws:iam::${accountId}:user/virtual-hosts/${name}`;

export class VirtualHosts implements SandboxVirtualHosts {
  readonly #deps: VirtualHostsDeps;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #hosts = new Map<string, VirtualHost>();
  readonly #unsubscribe: () => void;
  #succeeded = 0;
  #failed = 0;
  #shadowWrites = 0;
  #closed = false;
  #lastSpec: { readonly json: string; readonly spec: DeploymentSpecView } | undefined;

  constructor(deps: VirtualHostsDeps) {
    this.#deps = deps;
    this.#log = (deps.log ?? silentLogger()).child({ component: 'virtual-hosts' });
    this.#clock = deps.clock ?? { now: () => new Date() };
    this.#unsubscribe = deps.broker.onQueued((host) => {
      const vh = this.#hosts.get(hostKeyString(host));
      if (!vh) return;
      vh.wanted = true;
      if (!vh.busy) this.#pump(vh);
    });
  }

  add(input: AddVirtualHostsInput): string[] {
    const { accountId, region, ...raw } = input;
    if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw invalid('accountId', 'expected 12 digits');
    return this.register(accountId, region ?? this.#deps.region, parseVirtualHostGroup(raw, 'virtualHosts', invalid));
  }

  /** Every account's `virtualHosts` from the config (at each start: already registered hosts are kept). */
  addFromAccounts(accounts: readonly AccountConfig[]): void {
    for (const a of accounts) for (const g of a.virtualHosts) this.register(a.accountId, this.#deps.region, g);
  }

  /** Registers the group's hosts (all or none) and writes their first shadow report. */
  register(accountId: string, region: string, group: VirtualHostGroup): string[] {
    const now = this.#clock.now();
    const state = loadState(this.#deps.store, accountId, region, toEpochSeconds(now));
    const fresh: string[] = [];
    for (const name of group.names) {
      const arn = virtualHostArn(accountId, name);
      if (this.#hosts.has(hostKeyString({ accountId, region, hostIdentifier: arn }))) throw invalid(name, `virtual host ${name} is already declared in ${accountId}/${region}`);
      const existing = state.instances[name];
      if (existing && isRegistered(existing)) {
        if (hostIdentifierOf(existing) !== arn) throw invalid(name, `an on-premises instance named ${name} is already registered in ${accountId}/${region} with ${hostIdentifierOf(existing)}`);
        continue; // registered by an earlier start (state dir): keep it and its tags
      }
      if (findRegisteredByArn(state, arn)) throw invalid(name, `${arn} is already registered with another instance name`);
      fresh.push(name);
    }
    const isFresh = new Set(fresh);
    for (const name of group.names) {
      const hostIdentifier = virtualHostArn(accountId, name);
      if (isFresh.has(name)) {
        addRegisteredInstance(state, {
          instanceName: name,
          iamUserArn: hostIdentifier,
          instanceArn: newInstanceArn(region, accountId, name),
          registerTime: toEpochSeconds(now),
          tags: group.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
        });
      }
      const vh: VirtualHost = { name, key: { accountId, region, hostIdentifier }, behaviour: group.behaviour, busy: false, wanted: false, timer: undefined, deployedRevision: undefined };
      this.#hosts.set(hostKeyString(vh.key), vh);
      if (group.behaviour.health !== 'none') this.#report(vh);
    }
    this.#deps.store.changed();
    this.#log.info({ accountId, region, hosts: group.names.length, registered: fresh.length }, 'virtual hosts added');
    return [...group.names];
  }

  stats(): VirtualHostStats {
    let busy = 0;
    for (const vh of this.#hosts.values()) if (vh.busy) busy++;
    return { hosts: this.#hosts.size, busy, commandsSucceeded: this.#succeeded, commandsFailed: this.#failed, shadowWrites: this.#shadowWrites };
  }

  /** Stops answering: scheduled completions are dropped (the broker fails what is outstanding). */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    for (const vh of this.#hosts.values()) this.#deps.timers.clear(vh.timer);
  }

  #pump(vh: VirtualHost): void {
    if (this.#closed) return;
    vh.busy = true;
    vh.wanted = false;
    this.#deps.broker.poll(vh.key, undefined, 0).then(
      (cmd) => {
        if (cmd) return this.#start(vh, cmd);
        vh.busy = false;
        if (vh.wanted) this.#pump(vh);
      },
      (err: unknown) => {
        vh.busy = false;
        this.#log.error({ err, instanceName: vh.name }, 'virtual host poll failed');
      },
    );
  }

  #start(vh: VirtualHost, cmd: HostCommandInstance): void {
    const { broker, timers } = this.#deps;
    try {
      const status = broker.acknowledge(vh.key, cmd.HostCommandIdentifier, ACK);
      if (status === 'Succeeded' || status === 'Failed') return this.#next(vh); // stopped meanwhile
      const spec = this.#parseSpec(broker.spec(vh.key, cmd.DeploymentExecutionId).json);
      const ctx: CommandContext = { host: vh.name, deploymentId: spec.DeploymentId ?? '', revisionKey: spec.Revision?.S3Revision?.Key ?? '', event: cmd.CommandName };
      const reason = commandFailure(vh.behaviour, ctx);
      vh.timer = timers.set(eventDuration(vh.behaviour, ctx.event), () => this.#finish(vh, cmd, ctx, reason));
    } catch (err) {
      this.#log.error({ err, instanceName: vh.name, lifecycleEvent: cmd.CommandName }, 'virtual host could not start a command');
      this.#complete(vh, cmd, 'Failed', JSON.stringify({ error_code: 5, script_name: '', message: (err as Error).message, log: '' }));
      this.#next(vh);
    }
  }

  /** The hosts of a deployment share one spec text: parse it once. */
  #parseSpec(json: string): DeploymentSpecView {
    if (json !== this.#lastSpec?.json) this.#lastSpec = { json, spec: JSON.parse(json) as DeploymentSpecView };
    return this.#lastSpec.spec;
  }

  #finish(vh: VirtualHost, cmd: HostCommandInstance, ctx: CommandContext, reason: string | undefined): void {
    vh.timer = undefined;
    const status = reason === undefined ? 'Succeeded' : 'Failed';
    this.#complete(vh, cmd, status, reason === undefined ? SUCCESS_PAYLOAD : failurePayload(ctx, reason));
    if (status === 'Succeeded' && ctx.event === 'ValidateService') vh.deployedRevision = ctx.revisionKey;
    if ((status === 'Failed' || ctx.event === 'ValidateService') && vh.behaviour.health !== 'stale' && vh.behaviour.health !== 'none') {
      this.#report(vh, { deploymentId: ctx.deploymentId, command: ctx.event, at: this.#clock.now().toISOString(), status });
    }
    this.#next(vh);
  }

  #complete(vh: VirtualHost, cmd: HostCommandInstance, status: 'Succeeded' | 'Failed', payload: string): void {
    try {
      this.#deps.broker.complete(vh.key, cmd.HostCommandIdentifier, status, { Format: 'JSON', Payload: payload });
      if (status === 'Succeeded') this.#succeeded++;
      else this.#failed++;
    } catch (err) {
      this.#log.error({ err, instanceName: vh.name, lifecycleEvent: cmd.CommandName }, 'virtual host completion refused');
    }
  }

  #next(vh: VirtualHost): void {
    vh.busy = false;
    this.#pump(vh);
  }

  #report(vh: VirtualHost, last?: LastCommand): void {
    const shadows = this.#deps.shadows;
    if (!shadows) return;
    const payload = shadowUpdate({
      host: vh.name,
      hostIdentifier: vh.key.hostIdentifier,
      behaviour: vh.behaviour,
      ...(vh.deployedRevision !== undefined ? { deployedRevision: vh.deployedRevision } : {}),
      ...(last ? { last } : {}),
    });
    try {
      shadows.update({ accountId: vh.key.accountId, region: vh.key.region, thingName: vh.name }, payload);
      this.#shadowWrites++;
    } catch (err) {
      this.#log.error({ err, instanceName: vh.name }, 'virtual host shadow update failed');
    }
  }
}
