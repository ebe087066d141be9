// The classic device shadow's request/response topics over an MQTT connection:
//   $aws/things/<thing>/shadow/update  → update/accepted | update/rejected
//   $aws/things/<thing>/shadow/get     → get/accepted    | get/rejected
// Answers are matched to requests by clientToken; a request not answered in time fails (and is
// retried by the caller). The response topics must be subscribed before a request is sent.
import { EdgeError } from '../../shared/errors.js';
import type { MqttConnection } from './mqtt-connection.js';
import type { JsonObject } from './shadow-reporter.js';

export type UpdateResult = { readonly kind: 'accepted'; readonly version?: number } | { readonly kind: 'rejected'; readonly code: number; readonly message: string };
export type GetResult = { readonly kind: 'found'; readonly reported: JsonObject; readonly version?: number } | { readonly kind: 'missing' };

interface Waiter {
  readonly resolve: (answer: { accepted: boolean; body: Record<string, unknown> }) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export const shadowTopic = (thingName: string): string => `$aws/things/${thingName}/shadow`;

export function shadowResponseTopics(thingName: string): string[] {
  const base = shadowTopic(thingName);
  return [`${base}/update/accepted`, `${base}/update/rejected`, `${base}/get/accepted`, `${base}/get/rejected`];
}

/** PUBACK reason codes below 128 mean the broker took the message (16: no subscribers). */
export function checkPuback(reasonCode: number, topic: string): void {
  if (reasonCode >= 128) throw new EdgeError('IOT_PUBLISH_REFUSED', `the broker refused the publish to ${topic} (PUBACK reason code ${reasonCode})`, { details: { topic, reasonCode } });
}

export class ShadowChannel {
  private readonly base: string;
  private readonly waiters = new Map<string, Waiter>();
  private counter = 0;

  constructor(
    private readonly deps: { connection: MqttConnection; thingName: string; clientId: string; timeoutMs: number },
  ) {
    this.base = shadowTopic(deps.thingName);
    deps.connection.onMessage((topic, payload) => this.onMessage(topic, payload));
  }

  private onMessage(topic: string, payload: string): void {
    if (!topic.startsWith(`${this.base}/`)) return;
    const suffix = topic.slice(this.base.length + 1);
    if (!['update/accepted', 'update/rejected', 'get/accepted', 'get/rejected'].includes(suffix)) return;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return;
    }
    const token = typeof body['clientToken'] === 'string' ? body['clientToken'] : undefined;
    const waiter = token === undefined ? undefined : this.waiters.get(`${suffix.split('/')[0]}:${token}`);
    if (!waiter || token === undefined) return;
    this.waiters.delete(`${suffix.split('/')[0]}:${token}`);
    clearTimeout(waiter.timer);
    waiter.resolve({ accepted: suffix.endsWith('/accepted'), body });
  }

  private async request(op: 'update' | 'get', body: Record<string, unknown>): Promise<{ accepted: boolean; body: Record<string, unknown> }> {
    const clientToken = `${this.deps.clientId}-${Date.now().toString(36)}-${++this.counter}`;
    const key = `${op}:${clientToken}`;
    const answer = new Promise<{ accepted: boolean; body: Record<string, unknown> }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new EdgeError('IOT_SHADOW_TIMEOUT', `no answer to the shadow ${op} of ${this.deps.thingName} within ${this.deps.timeoutMs} ms`, { details: { op } }));
      }, this.deps.timeoutMs);
      this.waiters.set(key, { resolve, reject, timer });
    });
    const topic = `${this.base}/${op}`;
    try {
      checkPuback(await this.deps.connection.publish(topic, JSON.stringify({ ...body, clientToken })), topic);
    } catch (e) {
      const w = this.waiters.get(key);
      if (w) clearTimeout(w.timer);
      this.waiters.delete(key);
      answer.catch(() => undefined);
      throw e;
    }
    return answer;
  }

  async update(reported: JsonObject, version: number | undefined): Promise<UpdateResult> {
    const { accepted, body } = await this.request('update', { state: { reported }, ...(version !== undefined ? { version } : {}) });
    if (accepted) return { kind: 'accepted', ...(typeof body['version'] === 'number' ? { version: body['version'] } : {}) };
    return { kind: 'rejected', code: typeof body['code'] === 'number' ? body['code'] : 0, message: typeof body['message'] === 'string' ? body['message'] : '' };
  }

  async get(): Promise<GetResult> {
    const { accepted, body } = await this.request('get', {});
    if (!accepted) {
      if (body['code'] === 404) return { kind: 'missing' };
      throw new EdgeError('IOT_SHADOW_REJECTED', `the shadow get of ${this.deps.thingName} was rejected: ${String(body['code'])} ${String(body['message'] ?? '')}`, { details: { code: body['code'] } });
    }
    const state = (body['state'] ?? {}) as { reported?: JsonObject };
    return { kind: 'found', reported: state.reported ?? {}, ...(typeof body['version'] === 'number' ? { version: body['version'] } : {}) };
  }

  /** Fails every pending request (on disconnect or stop). */
  cancelAll(why: string): void {
    for (const [key, w] of this.waiters) {
      clearTimeout(w.timer);
      this.waiters.delete(key);
      w.reject(new EdgeError('IOT_SHADOW_TIMEOUT', `the shadow request of ${this.deps.thingName} was abandoned: ${why}`));
    }
  }
}
