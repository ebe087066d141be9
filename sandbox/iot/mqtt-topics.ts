// MQTT topic rules of the sandbox's IoT broker, pure: the Device Shadow topics
// ($aws/things/<thing>/shadow[/name/<shadow>]/<op>[/<result>]) and the emulated IoT policy
// (a device may only use its own thing's topics).

export type ShadowOperation = 'update' | 'get' | 'delete';
export type ShadowResult = 'accepted' | 'rejected' | 'delta' | 'documents';

export interface ShadowTopic {
  readonly thingName: string;
  /** undefined = the classic shadow. */
  readonly shadowName?: string;
  readonly operation: ShadowOperation;
  /** undefined = a request topic (published by clients); set = a response topic (published by the service). */
  readonly result?: ShadowResult;
}

const OPERATIONS: ReadonlySet<string> = new Set(['update', 'get', 'delete']);
const RESULTS: Readonly<Record<ShadowOperation, ReadonlySet<string>>> = {
  update: new Set(['accepted', 'rejected', 'delta', 'documents']),
  get: new Set(['accepted', 'rejected']),
  delete: new Set(['accepted', 'rejected']),
};

/** Parse a shadow topic; undefined when the topic is not one. */
export function parseShadowTopic(topic: string): ShadowTopic | undefined {
  const p = topic.split('/');
  if (p.length < 5 || p[0] !== '$aws' || p[1] !== 'things' || p[3] !== 'shadow' || !p[2]) return undefined;
  const thingName = p[2];
  let rest = p.slice(4);
  let shadowName: string | undefined;
  if (rest[0] === 'name') {
    if (rest.length < 3 || !rest[1]) return undefined;
    shadowName = rest[1];
    rest = rest.slice(2);
  }
  const [operation, result, ...extra] = rest;
  if (!operation || !OPERATIONS.has(operation) || extra.length > 0) return undefined;
  const op = operation as ShadowOperation;
  if (result !== undefined && !RESULTS[op].has(result)) return undefined;
  return { thingName, ...(shadowName !== undefined ? { shadowName } : {}), operation: op, ...(result !== undefined ? { result: result as ShadowResult } : {}) };
}

/** The topic prefix of a shadow: $aws/things/<thing>/shadow or …/shadow/name/<shadow>. */
export function shadowTopicPrefix(thingName: string, shadowName?: string): string {
  return `$aws/things/${thingName}/shadow${shadowName !== undefined ? `/name/${shadowName}` : ''}`;
}

/** The topic roots a device (its thing) may use: AWS reserved topics of the thing, and the
 * dt/ (telemetry) and cmd/ (commands) conventions of AWS's topic design guide. */
export function thingTopicRoots(thingName: string): string[] {
  return [`$aws/things/${thingName}`, `dt/${thingName}`, `cmd/${thingName}`];
}

function underRoots(topicOrFilter: string, thingName: string): boolean {
  return thingTopicRoots(thingName).some((root) => topicOrFilter === root || topicOrFilter.startsWith(`${root}/`));
}

/** May the device of `thingName` publish to `topic`? Not to other things' topics, and not to the
 * shadow service's response topics (…/accepted, …/rejected, …/delta, …/documents). */
export function mayPublish(thingName: string, topic: string): boolean {
  if (!underRoots(topic, thingName)) return false;
  return parseShadowTopic(topic)?.result === undefined;
}

/** May the device of `thingName` subscribe to `filter`? Only filters that stay inside its own
 * roots: the literal prefix must name the thing (dt/+/x or # are refused). */
export function maySubscribe(thingName: string, filter: string): boolean {
  return underRoots(filter, thingName);
}
