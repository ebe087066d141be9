// The IoT data plane over HTTPS (SigV4 service "iotdata", REST-JSON): GetThingShadow,
// UpdateThingShadow, DeleteThingShadow, ListNamedShadowsForThing and Publish, with the paths and
// methods @aws-sdk/client-iot-data-plane sends. Shadow documents go through the shared shadow store
// (so MQTT sees the changes); Publish hands the message to the MQTT broker through `publish`.
import { AwsError, type SandboxRequest, type SandboxResponse, type ServiceHandler } from '../types.js';
import { ShadowError } from './shadow-request.js';
import { checkShadowRef, type ShadowRef, type ShadowStore } from './shadows.js';

/** A message for MQTT subscribers (the broker's publish). */
export interface IotPublishMessage {
  readonly accountId: string;
  readonly region: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export type IotPublishHook = (message: IotPublishMessage) => void | Promise<void>;

export interface IotDataServiceDeps {
  readonly shadows: ShadowStore;
  /** Delivers Publish to MQTT subscribers; without it, Publish is accepted and dropped (no subscribers). */
  readonly publish?: IotPublishHook;
  readonly clock?: { now(): Date };
}

const ERROR_CODES: Readonly<Record<ShadowError['status'], string>> = {
  400: 'InvalidRequestException',
  404: 'ResourceNotFoundException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
  415: 'UnsupportedDocumentEncodingException',
};

/** A shadow rejection as the data plane's REST-JSON error. */
export function shadowAwsError(err: ShadowError): AwsError {
  return new AwsError(ERROR_CODES[err.status], err.message, err.status);
}

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 25;
const MAX_TOPIC_BYTES = 256;

const json = (body: unknown): SandboxResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function segments(rawPath: string): string[] {
  return rawPath
    .split('/')
    .slice(1)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new AwsError('InvalidRequestException', `The path segment '${s}' is not valid percent-encoding`, 400);
      }
    });
}

function pageToken(start: number): string {
  return Buffer.from(JSON.stringify({ start })).toString('base64url');
}

function readPageToken(token: string | null): number {
  if (token === null || token === '') return 0;
  try {
    const { start } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start?: unknown };
    if (typeof start === 'number' && Number.isSafeInteger(start) && start >= 0) return start;
  } catch {
    // fall through
  }
  throw new AwsError('InvalidRequestException', 'The nextToken is not valid: pass the nextToken of the previous response unchanged', 400);
}

function integerParam(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AwsError('InvalidRequestException', `${name} must be an integer from ${min} to ${max} (got '${raw}')`, 400);
  }
  return n;
}

function checkTopic(topic: string): void {
  if (topic === '' || Buffer.byteLength(topic) > MAX_TOPIC_BYTES || topic.includes('+') || topic.includes('#') || topic.includes('\0')) {
    throw new AwsError('InvalidRequestException', `Invalid topic '${topic}': publish to a non-empty topic name (at most ${MAX_TOPIC_BYTES} bytes) without the wildcards + and #`, 400);
  }
}

export function createIotDataService(deps: IotDataServiceDeps): ServiceHandler {
  const now = (): Date => deps.clock?.now() ?? new Date();

  async function shadowCall(req: SandboxRequest, thingName: string): Promise<SandboxResponse> {
    const name = req.query.get('name');
    const ref: ShadowRef = {
      accountId: req.principal.accountId,
      region: req.region,
      thingName,
      ...(name !== null && name !== '' ? { shadowName: name } : {}),
    };
    checkShadowRef(ref);
    switch (req.method) {
      case 'GET':
        return json(deps.shadows.get(ref));
      case 'POST':
        return json(deps.shadows.update(ref, req.body));
      case 'DELETE':
        return json(deps.shadows.delete(ref));
      default:
        throw new AwsError('MethodNotAllowedException', `${req.method} is not allowed on a thing shadow (use GET, POST or DELETE)`, 405);
    }
  }

  function listNamed(req: SandboxRequest, thingName: string): SandboxResponse {
    checkShadowRef({ accountId: req.principal.accountId, region: req.region, thingName });
    const pageSize = integerParam(req.query, 'pageSize', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    const start = readPageToken(req.query.get('nextToken'));
    const names = deps.shadows.listNamed(req.principal.accountId, req.region, thingName);
    const results = names.slice(start, start + pageSize);
    const more = start + pageSize < names.length;
    return json({ results, ...(more ? { nextToken: pageToken(start + pageSize) } : {}), timestamp: Math.floor(now().getTime() / 1000) });
  }

  async function publish(req: SandboxRequest, topic: string): Promise<SandboxResponse> {
    checkTopic(topic);
    const qos = integerParam(req.query, 'qos', 0, 1, 0) as 0 | 1;
    const retain = req.query.get('retain') === 'true';
    await deps.publish?.({ accountId: req.principal.accountId, region: req.region, topic, payload: req.body, qos, retain });
    return { status: 200 };
  }

  return async (req) => {
    const parts = segments(req.rawPath);
    try {
      if (parts.length === 3 && parts[0] === 'things' && parts[2] === 'shadow') return await shadowCall(req, parts[1]!);
      if (req.method === 'GET' && parts.length === 5 && parts.slice(0, 4).join('/') === 'api/things/shadow/ListNamedShadowsForThing') return listNamed(req, parts[4]!);
      if (req.method === 'POST' && parts.length >= 2 && parts[0] === 'topics') return await publish(req, parts.slice(1).join('/'));
    } catch (e) {
      if (e instanceof ShadowError) throw shadowAwsError(e);
      throw e;
    }
    throw new AwsError(
      'InvalidRequestException',
      `The sandbox's IoT data plane does not serve ${req.method} ${req.rawPath} (it serves GetThingShadow, UpdateThingShadow, DeleteThingShadow, ListNamedShadowsForThing and Publish)`,
      400,
    );
  };
}
