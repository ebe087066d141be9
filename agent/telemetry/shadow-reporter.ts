// Pure core of the device shadow reports: what the agent reports (buildReportedState), the minimal
// `reported` document to send given what the shadow last accepted (reportedDelta: changed keys only,
// null for removed keys, as the shadow service deletes a key set to null), and what the shadow holds
// after a delta was accepted (applyReported). No I/O, no clock.
import type { HealthReport } from '../health/types.js';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The object without empty objects at any depth: the shadow service does not keep them. */
export function withoutEmptyObjects(value: JsonObject): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!isObject(v)) out[key] = v;
    else {
      const inner = withoutEmptyObjects(v);
      if (Object.keys(inner).length > 0) out[key] = inner;
    }
  }
  return out;
}

/**
 * The minimal `reported` document turning `previous` into `next`, or undefined when nothing changed.
 * Objects are compared key by key (recursively); arrays and scalars as whole values (the shadow
 * replaces arrays); empty objects count as absent. `previous` undefined (not known) gives the full `next`.
 */
export function reportedDelta(previous: JsonObject | undefined, nextState: JsonObject): JsonObject | undefined {
  const next = withoutEmptyObjects(nextState);
  if (previous === undefined) return Object.keys(next).length === 0 ? undefined : next;
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(next)) {
    const before = previous[key];
    if (isObject(value) && isObject(before)) {
      const sub = reportedDelta(before, value);
      if (sub !== undefined) out[key] = sub;
    } else if (!jsonEqual(before, value)) {
      out[key] = value;
    }
  }
  for (const key of Object.keys(previous)) if (!(key in next)) out[key] = null;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The shadow's `reported` after it accepted `delta` (null deletes; objects merge; empty objects go). */
export function applyReported(previous: JsonObject | undefined, delta: JsonObject): JsonObject {
  const out: Record<string, JsonValue> = { ...(previous ?? {}) };
  for (const [key, value] of Object.entries(delta)) {
    const before = out[key];
    if (value === null) delete out[key];
    else if (isObject(value)) out[key] = applyReported(isObject(before) ? before : undefined, value);
    else out[key] = value;
  }
  return withoutEmptyObjects(out);
}

/** A deployment command as the agent state file records it. */
export interface DeploymentRecord {
  readonly deploymentId: string;
  readonly commandName: string;
  readonly at: string;
  readonly status?: string;
}

export interface ReportedInput {
  readonly agentVersion: string;
  readonly identity: { readonly thingName: string; readonly mode: string; readonly hostIdentifier?: string };
  readonly health?: HealthReport;
  readonly deployment?: { readonly current?: DeploymentRecord; readonly last?: DeploymentRecord };
}

/** Readings are reported with at most one decimal, so noise does not make a delta every sample. */
function rounded(value: number | boolean | string): JsonValue {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 10) / 10 : value;
}

function healthState(report: HealthReport): JsonObject {
  const checks: Record<string, JsonObject> = {};
  for (const c of report.checks) {
    checks[c.name] = {
      status: c.status,
      ...(c.value !== undefined ? { value: rounded(c.value) } : {}),
      ...(c.unit !== undefined ? { unit: c.unit } : {}),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
    };
  }
  return { verdict: report.verdict, checks };
}

function deploymentState(r: DeploymentRecord): JsonObject {
  return { deploymentId: r.deploymentId, command: r.commandName, at: r.at, ...(r.status ? { status: r.status } : {}) };
}

/**
 * The full `reported` state. Checks are keyed by name (so one changed check is a small delta);
 * the sample time is left out (it changes every time; the shadow's metadata has timestamps).
 */
export function buildReportedState(input: ReportedInput): JsonObject {
  const deployment: Record<string, JsonObject> = {};
  if (input.deployment?.current) deployment['current'] = deploymentState(input.deployment.current);
  if (input.deployment?.last) deployment['last'] = deploymentState(input.deployment.last);
  return {
    agent: { version: input.agentVersion },
    identity: {
      thingName: input.identity.thingName,
      mode: input.identity.mode,
      ...(input.identity.hostIdentifier ? { hostIdentifier: input.identity.hostIdentifier } : {}),
    },
    ...(input.health ? { health: healthState(input.health) } : {}),
    // no deployment yet: the key is absent (the shadow keeps no empty objects)
    ...(Object.keys(deployment).length > 0 ? { deployment } : {}),
  };
}

/** The dt/<thing>/health message: the full sample, time included. */
export function buildTelemetryMessage(input: ReportedInput & { readonly seq: number }): JsonObject {
  const h = input.health;
  return {
    thingName: input.identity.thingName,
    seq: input.seq,
    agentVersion: input.agentVersion,
    ...(h
      ? {
          sampledAt: h.sampledAt,
          verdict: h.verdict,
          checks: h.checks.map((c) => ({ ...c }) as JsonObject),
        }
      : {}),
    ...(input.deployment?.current ? { deployment: deploymentState(input.deployment.current) } : {}),
  };
}
