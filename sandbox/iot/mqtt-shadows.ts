// The Device Shadow service on MQTT: answers requests published to
// $aws/things/<thing>/shadow[/name/<shadow>]/{update,get,delete} through the shared shadow store,
// and publishes every accepted change (whether it came over MQTT or HTTPS) on
// …/update/accepted, …/update/documents, …/update/delta and …/delete/accepted.
import type { Logger } from '../../shared/log.js';
import type { Clock } from '../types.js';
import { errorDocument } from './shadow-document.js';
import { ShadowError } from './shadow-request.js';
import type { ShadowStore } from './shadows.js';
import { parseShadowTopic, shadowTopicPrefix } from './mqtt-topics.js';
import type { ShadowChange } from './types.js';

/** Publishes a service message to MQTT subscribers (QoS 1, not retained). */
export type ServicePublish = (topic: string, payload: Record<string, unknown>) => void;

export interface MqttShadowService {
  /** Handle a message on a shadow request topic; false when `topic` is not one. */
  handle(accountId: string, region: string, topic: string, payload: Buffer): boolean;
  /** Stop publishing changes. */
  detach(): void;
}

export function attachShadowTopics(deps: { shadows: ShadowStore; publish: ServicePublish; clock?: Clock; log: Logger }): MqttShadowService {
  const now = (): number => Math.floor((deps.clock?.now() ?? new Date()).getTime() / 1000);

  const onChange = (change: ShadowChange): void => {
    const prefix = shadowTopicPrefix(change.thingName, change.shadowName);
    if (change.deleted) {
      deps.publish(`${prefix}/delete/accepted`, change.accepted);
      return;
    }
    deps.publish(`${prefix}/update/accepted`, change.accepted);
    if (change.documents) deps.publish(`${prefix}/update/documents`, change.documents);
    if (change.delta) deps.publish(`${prefix}/update/delta`, change.delta);
  };
  const detach = deps.shadows.onChange(onChange);

  return {
    handle(accountId, region, topic, payload) {
      const st = parseShadowTopic(topic);
      if (!st || st.result !== undefined) return false;
      const ref = { accountId, region, thingName: st.thingName, ...(st.shadowName !== undefined ? { shadowName: st.shadowName } : {}) };
      const prefix = `${shadowTopicPrefix(st.thingName, st.shadowName)}/${st.operation}`;
      try {
        // update and delete answer through onChange (…/accepted), as HTTPS changes do.
        if (st.operation === 'update') deps.shadows.update(ref, payload);
        else if (st.operation === 'delete') deps.shadows.delete(ref, payload);
        else deps.publish(`${prefix}/accepted`, deps.shadows.get(ref, payload));
      } catch (err) {
        if (err instanceof ShadowError) {
          deps.log.debug({ topic, code: err.status, message: err.message }, 'shadow request rejected');
          deps.publish(`${prefix}/rejected`, errorDocument(err, now()));
        } else {
          deps.log.error({ err, topic }, 'shadow request failed');
          deps.publish(`${prefix}/rejected`, { code: 500, message: 'Internal service failure', timestamp: now() });
        }
      }
      return true;
    },
    detach() {
      detach();
    },
  };
}
