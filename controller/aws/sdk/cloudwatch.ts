// CloudWatchPort over @aws-sdk/client-cloudwatch (metric alarms).
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { sdkCall } from '../sdk-errors.js';
import type { AlarmState, CloudWatchPort } from '../ports.js';

export function cloudWatchAdapter(client: CloudWatchClient): CloudWatchPort {
  return {
    async describeAlarms(input) {
      const command = new DescribeAlarmsCommand({
        AlarmTypes: ['MetricAlarm'],
        ...(input.alarmNames?.length ? { AlarmNames: [...input.alarmNames] } : {}),
        ...(input.alarmNamePrefix ? { AlarmNamePrefix: input.alarmNamePrefix } : {}),
        ...(input.stateValue ? { StateValue: input.stateValue } : {}),
        ...(input.nextToken ? { NextToken: input.nextToken } : {}),
      });
      const r = await sdkCall({ service: 'cloudwatch', operation: 'DescribeAlarms' }, () => client.send(command));
      const items = (r.MetricAlarms ?? []).map((a) => ({
        alarmName: a.AlarmName ?? '',
        ...(a.AlarmArn ? { alarmArn: a.AlarmArn } : {}),
        stateValue: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmState,
        ...(a.StateReason ? { stateReason: a.StateReason } : {}),
        ...(a.StateUpdatedTimestamp ? { stateUpdatedTimestamp: a.StateUpdatedTimestamp } : {}),
        ...(a.Namespace ? { namespace: a.Namespace } : {}),
        ...(a.MetricName ? { metricName: a.MetricName } : {}),
      }));
      return { items, ...(r.NextToken ? { nextToken: r.NextToken } : {}) };
    },
  };
}
