// CloudWatch metric alarms, per account and region: PutMetricAlarm (create or replace; a new alarm
// starts INSUFFICIENT_DATA), DescribeAlarms (by names, name prefix, state, action prefix; paginated),
// SetAlarmState (how tests and the demo raise an alarm) and DeleteAlarms. No metrics are evaluated.
import { AwsError, type SandboxStore } from '../types.js';

export interface AlarmRecord {
  AlarmName: string;
  AlarmArn: string;
  /** Epoch milliseconds. */
  configurationUpdated: number;
  stateUpdated: number;
  StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  StateReason: string;
  StateReasonData?: string;
  /** The alarm's configuration as put (AlarmDescription, MetricName, Namespace, Threshold, …). */
  config: Record<string, unknown>;
  tags: { Key: string; Value: string }[];
}

export interface AlarmsDoc {
  alarms: Record<string, AlarmRecord>;
}

export interface AlarmsContext {
  readonly store: SandboxStore;
  readonly accountId: string;
  readonly region: string;
  readonly now: Date;
}

const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const OPERATORS = [
  'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold',
];
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const CONFIG_FIELDS = [
  'AlarmDescription', 'ActionsEnabled', 'OKActions', 'AlarmActions', 'InsufficientDataActions', 'MetricName', 'Namespace', 'Statistic',
  'ExtendedStatistic', 'Dimensions', 'Period', 'Unit', 'EvaluationPeriods', 'DatapointsToAlarm', 'Threshold', 'ComparisonOperator',
  'TreatMissingData', 'EvaluateLowSampleCountPercentile', 'Metrics', 'ThresholdMetricId',
];

const invalid = (field: string, value: unknown, constraint: string): AwsError =>
  new AwsError('ValidationError', `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${field}' failed to satisfy constraint: ${constraint}`);

const alarmsDoc = (ctx: AlarmsContext): AlarmsDoc => ctx.store.doc<AlarmsDoc>('cloudwatch', ctx.accountId, ctx.region, () => ({ alarms: {} }));

function name(input: Record<string, unknown>, field = 'AlarmName'): string {
  const v = input[field];
  const key = field[0]!.toLowerCase() + field.slice(1);
  if (typeof v !== 'string') throw invalid(key, undefined, 'Member must not be null');
  if (v.length < 1 || v.length > 255) throw invalid(key, v, 'Member must have length between 1 and 255');
  return v;
}

export function putMetricAlarm(ctx: AlarmsContext, input: Record<string, unknown>): Record<string, unknown> {
  const alarmName = name(input);
  if (input['EvaluationPeriods'] === undefined) throw invalid('evaluationPeriods', undefined, 'Member must not be null');
  if (typeof input['EvaluationPeriods'] !== 'number' || input['EvaluationPeriods'] < 1) throw invalid('evaluationPeriods', input['EvaluationPeriods'], 'Member must have value greater than or equal to 1');
  if (input['ComparisonOperator'] === undefined) throw invalid('comparisonOperator', undefined, 'Member must not be null');
  if (!OPERATORS.includes(String(input['ComparisonOperator']))) throw invalid('comparisonOperator', input['ComparisonOperator'], `Member must satisfy enum value set: [${OPERATORS.join(', ')}]`);
  if (input['Statistic'] !== undefined && !STATISTICS.includes(String(input['Statistic']))) throw invalid('statistic', input['Statistic'], `Member must satisfy enum value set: [${STATISTICS.join(', ')}]`);
  const usesMath = Array.isArray(input['Metrics']);
  if (!usesMath && (input['MetricName'] === undefined || input['Namespace'] === undefined)) {
    throw new AwsError('ValidationError', 'Either MetricName and Namespace, or Metrics must be specified.');
  }
  if (!usesMath && input['Period'] === undefined) throw new AwsError('ValidationError', 'Period must be specified for an alarm on a single metric.');
  if (input['Threshold'] === undefined && input['ThresholdMetricId'] === undefined) throw new AwsError('ValidationError', 'Threshold or ThresholdMetricId must be specified.');
  const doc = alarmsDoc(ctx);
  const existing = Object.hasOwn(doc.alarms, alarmName) ? doc.alarms[alarmName] : undefined;
  const config: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS) if (input[f] !== undefined) config[f] = input[f];
  if (config['ActionsEnabled'] === undefined) config['ActionsEnabled'] = true;
  const now = ctx.now.getTime();
  const record: AlarmRecord = existing
    ? { ...existing, config, configurationUpdated: now }
    : {
        AlarmName: alarmName,
        AlarmArn: `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${alarmName}`,
        configurationUpdated: now,
        stateUpdated: now,
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation',
        config,
        tags: Array.isArray(input['Tags']) ? (input['Tags'] as AlarmRecord['tags']) : [],
      };
  Object.defineProperty(doc.alarms, alarmName, { value: record, enumerable: true, writable: true, configurable: true });
  ctx.store.changed();
  return {};
}

/** The alarm as DescribeAlarms returns it (timestamps in epoch seconds, as JSON 1.0 carries them). */
export function alarmView(a: AlarmRecord): Record<string, unknown> {
  return {
    AlarmName: a.AlarmName,
    AlarmArn: a.AlarmArn,
    AlarmConfigurationUpdatedTimestamp: a.configurationUpdated / 1000,
    StateValue: a.StateValue,
    StateReason: a.StateReason,
    ...(a.StateReasonData !== undefined ? { StateReasonData: a.StateReasonData } : {}),
    StateUpdatedTimestamp: a.stateUpdated / 1000,
    StateTransitionedTimestamp: a.stateUpdated / 1000,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    Dimensions: [],
    ...a.config,
  };
}

export function describeAlarms(ctx: AlarmsContext, input: Record<string, unknown>): Record<string, unknown> {
  const names = Array.isArray(input['AlarmNames']) ? (input['AlarmNames'] as string[]) : undefined;
  const prefix = typeof input['AlarmNamePrefix'] === 'string' ? input['AlarmNamePrefix'] : undefined;
  const state = input['StateValue'];
  const actionPrefix = typeof input['ActionPrefix'] === 'string' ? input['ActionPrefix'] : undefined;
  if (names && prefix !== undefined) throw new AwsError('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be specified together.');
  if (state !== undefined && !STATES.includes(String(state))) throw invalid('stateValue', state, `Member must satisfy enum value set: [${STATES.join(', ')}]`);
  const types = Array.isArray(input['AlarmTypes']) ? (input['AlarmTypes'] as string[]) : ['MetricAlarm'];
  const max = input['MaxRecords'] === undefined ? 50 : Number(input['MaxRecords']);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw invalid('maxRecords', input['MaxRecords'], 'Member must have value between 1 and 100');
  const all = Object.values(alarmsDoc(ctx).alarms)
    .filter((a) => (names ? names.includes(a.AlarmName) : true))
    .filter((a) => (prefix !== undefined ? a.AlarmName.startsWith(prefix) : true))
    .filter((a) => (state !== undefined ? a.StateValue === state : true))
    .filter((a) => actionPrefix === undefined || ['AlarmActions', 'OKActions', 'InsufficientDataActions'].some((k) => ((a.config[k] as string[] | undefined) ?? []).some((x) => x.startsWith(actionPrefix))))
    .sort((x, y) => (x.AlarmName < y.AlarmName ? -1 : x.AlarmName > y.AlarmName ? 1 : 0));
  const token = input['NextToken'];
  const start = token === undefined ? 0 : Number(/^n(\d+)$/.exec(String(token))?.[1] ?? Number.NaN);
  if (!Number.isInteger(start) || start > all.length) throw new AwsError('InvalidNextToken', 'The service cannot complete the request.');
  const items = types.includes('MetricAlarm') ? all.slice(start, start + max) : [];
  return {
    MetricAlarms: items.map(alarmView),
    CompositeAlarms: [],
    ...(types.includes('MetricAlarm') && start + max < all.length ? { NextToken: `n${start + max}` } : {}),
  };
}

export function setAlarmState(ctx: AlarmsContext, input: Record<string, unknown>): Record<string, unknown> {
  const alarmName = name(input);
  const state = input['StateValue'];
  if (state === undefined) throw invalid('stateValue', undefined, 'Member must not be null');
  if (!STATES.includes(String(state))) throw invalid('stateValue', state, `Member must satisfy enum value set: [${STATES.join(', ')}]`);
  if (typeof input['StateReason'] !== 'string') throw invalid('stateReason', undefined, 'Member must not be null');
  const data = input['StateReasonData'];
  if (data !== undefined) {
    try {
      JSON.parse(String(data));
    } catch {
      throw new AwsError('InvalidFormat', 'StateReasonData must be valid JSON.');
    }
  }
  const doc = alarmsDoc(ctx);
  const alarm = Object.hasOwn(doc.alarms, alarmName) ? doc.alarms[alarmName] : undefined;
  if (!alarm) throw new AwsError('ResourceNotFound', `Alarm ${alarmName} not found`, 404);
  alarm.StateValue = state as AlarmRecord['StateValue'];
  alarm.StateReason = input['StateReason'];
  if (data !== undefined) alarm.StateReasonData = String(data);
  else delete alarm.StateReasonData;
  alarm.stateUpdated = ctx.now.getTime();
  ctx.store.changed();
  return {};
}

export function deleteAlarms(ctx: AlarmsContext, input: Record<string, unknown>): Record<string, unknown> {
  const names = input['AlarmNames'];
  if (!Array.isArray(names)) throw invalid('alarmNames', undefined, 'Member must not be null');
  if (names.length > 100) throw invalid('alarmNames', names.length, 'Member must have length less than or equal to 100');
  const doc = alarmsDoc(ctx);
  const missing = names.filter((n) => typeof n !== 'string' || !Object.hasOwn(doc.alarms, n));
  if (missing.length > 0) throw new AwsError('ResourceNotFound', `${missing.length === 1 ? 'An alarm' : 'Alarms'} ${missing.join(', ')} not found`, 404);
  for (const n of names as string[]) delete doc.alarms[n];
  ctx.store.changed();
  return {};
}
