// IotDataPort over @aws-sdk/client-iot-data-plane (the client points at the account's iot:Data-ATS endpoint).
import { GetThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { EdgeError } from '../../../shared/errors.js';
import { sdkCall } from '../sdk-errors.js';
import type { IotDataPort } from '../ports.js';

export function iotDataAdapter(client: IoTDataPlaneClient): IotDataPort {
  return {
    async getThingShadow(thingName, shadowName) {
      const input = { thingName, ...(shadowName ? { shadowName } : {}) };
      const r = await sdkCall({ service: 'iotdata', operation: 'GetThingShadow' }, () => client.send(new GetThingShadowCommand(input)));
      const text = Buffer.from(r.payload ?? new Uint8Array()).toString('utf8');
      try {
        const doc: unknown = JSON.parse(text === '' ? '{}' : text);
        if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as Record<string, unknown>;
      } catch {
        // fall through
      }
      throw new EdgeError('AWS_SERVICE_ERROR', `iotdata GetThingShadow ${thingName}: the shadow is not a JSON object`, {
        details: { service: 'iotdata', operation: 'GetThingShadow' },
      });
    },
  };
}
