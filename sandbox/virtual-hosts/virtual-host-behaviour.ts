// What a virtual host does with one lifecycle command (pure): how long it takes, whether it fails
// (and why), the completion diagnostics in the exact JSON the host agent sends, and the device
// shadow `reported` state in the shape edge-agent's telemetry writes
// ({agent, identity, health: {verdict, checks}, deployment: {last}}).
import type { VirtualHealth, VirtualHostBehaviour } from './virtual-host-config.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Events whose failures the agent reports as UnknownError without a script (not hook scripts). */
const BUILT_IN_EVENTS: ReadonlySet<string> = new Set(['DownloadBundle', 'Install']);

export function eventDuration(b: VirtualHostBehaviour, event: string): number {
  return Object.hasOwn(b.eventMs, event) ? b.eventMs[event]! : b.eventMs.default;
}

/** `*` matches any run of characters (slashes included), `?` one character; the rest literally. */
export function matchesPattern(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${source}$`).test(value);
}

/** A uniform number in [0, 1) from the parts (FNV-1a then a murmur finaliser): same parts, same draw. */
export function seededDraw(...parts: readonly string[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x1f, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

export interface CommandContext {
  readonly host: string;
  readonly deploymentId: string;
  /** The revision's S3 key ('' when the spec has none). */
  readonly revisionKey: string;
  readonly event: string;
}

/**
 * Why this host fails this deployment (at its fail events), or undefined when it does not.
 * failOnRevision says when (only matching revisions), failHosts/failureProbability say who; with
 * neither a when nor a who, failEvents alone fail every deployment.
 */
export function deploymentFailure(b: VirtualHostBehaviour, c: Omit<CommandContext, 'event'>): string | undefined {
  const when = b.failOnRevision === undefined ? '' : ` (the revision ${c.revisionKey} matches failOnRevision ${b.failOnRevision})`;
  if (b.failOnRevision !== undefined && !matchesPattern(b.failOnRevision, c.revisionKey)) return undefined;
  if (b.failHosts.length > 0 || b.failureProbability > 0) {
    if (b.failHosts.includes(c.host)) return `the host is listed in failHosts${when}`;
    if (seededDraw(b.seed, c.host, c.deploymentId) < b.failureProbability) {
      return `failureProbability ${b.failureProbability} (seed ${b.seed}) chose this host for this deployment${when}`;
    }
    return undefined;
  }
  if (b.failOnRevision !== undefined) return `the revision ${c.revisionKey} matches failOnRevision ${b.failOnRevision}`;
  return b.failEvents.length > 0 ? 'the event is listed in failEvents' : undefined;
}

/** Why this command fails, or undefined when it succeeds. */
export function commandFailure(b: VirtualHostBehaviour, c: CommandContext): string | undefined {
  const where = b.failEvents.length > 0 ? b.failEvents : ['ValidateService'];
  return where.includes(c.event) ? deploymentFailure(b, c) : undefined;
}

export const SUCCESS_PAYLOAD = JSON.stringify({ error_code: 0, script_name: '', message: 'Succeeded: ', log: '' });

/** The PutHostCommandComplete diagnostics payload of an injected failure (keys in the agent's order). */
export function failurePayload(c: CommandContext, reason: string): string {
  if (BUILT_IN_EVENTS.has(c.event)) {
    return JSON.stringify({ error_code: 5, script_name: '', message: `virtual host ${c.host}: injected ${c.event} failure: ${reason}`, log: '' });
  }
  const script = `scripts/${c.event}.sh`;
  const log = `LifecycleEvent - ${c.event}\nScript - ${script}\n[stderr]virtual host ${c.host}: injected failure: ${reason}\n`;
  return JSON.stringify({ error_code: 4, script_name: script, message: `Script at specified location: ${script} failed with exit code 1`, log });
}

type Verdict = Exclude<VirtualHealth, 'stale' | 'none'>;

/** The built-in checks a device reports, with readings that give `verdict` (agent thresholds). */
function checks(verdict: Verdict, host: string): Record<string, JsonValue> {
  const jitter = Math.round(seededDraw('readings', host) * 30) / 10; // 0.0 … 3.0, stable per host
  const temperature = verdict === 'healthy' ? 47 + jitter : verdict === 'degraded' ? 72 + jitter : 82 + jitter;
  const t = Math.round(temperature * 10) / 10;
  const reason =
    verdict === 'degraded'
      ? `${t} °C is above the warning level of 70 °C (warn_above)`
      : verdict === 'unhealthy'
        ? `${t} °C is above the limit of 80 °C (fail_above)`
        : null;
  const status = verdict === 'healthy' ? 'ok' : verdict === 'degraded' ? 'warn' : 'fail';
  return {
    cpu_temperature: { status, value: t, unit: '°C', reason },
    memory_available: { status: 'ok', value: Math.round((60 + jitter) * 10) / 10, unit: '%', reason: null },
    disk_free: { status: 'ok', value: Math.round((70 - jitter) * 10) / 10, unit: '%', reason: null },
  };
}

export interface LastCommand {
  readonly deploymentId: string;
  readonly command: string;
  readonly at: string;
  readonly status: 'Succeeded' | 'Failed';
}

export interface ReportInput {
  readonly host: string;
  readonly hostIdentifier: string;
  readonly behaviour: VirtualHostBehaviour;
  /** The revision key last deployed successfully to the host (for unhealthyOnRevision). */
  readonly deployedRevision?: string;
  readonly last?: LastCommand;
}

/** The verdict the host reports now. */
export function verdictOf(input: ReportInput): Verdict {
  const b = input.behaviour;
  if (b.unhealthyOnRevision !== undefined && input.deployedRevision !== undefined && matchesPattern(b.unhealthyOnRevision, input.deployedRevision)) return 'unhealthy';
  return b.health === 'degraded' || b.health === 'unhealthy' ? b.health : 'healthy';
}

/**
 * The shadow update document `{state: {reported}}`. Keys are edge-agent's; a check's `reason` is
 * sent as null when the check is ok, so a reason from an earlier report is removed (as the agent's
 * delta does).
 */
export function shadowUpdate(input: ReportInput): string {
  const reported: Record<string, JsonValue> = {
    agent: { version: input.behaviour.agentVersion },
    identity: { thingName: input.host, mode: 'iam-user', hostIdentifier: input.hostIdentifier },
    health: { verdict: verdictOf(input), checks: checks(verdictOf(input), input.host) },
  };
  if (input.last) reported['deployment'] = { current: null, last: { ...input.last } };
  return JSON.stringify({ state: { reported } });
}
