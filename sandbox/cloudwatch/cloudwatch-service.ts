// CloudWatch (`monitoring`) as @aws-sdk/client-cloudwatch speaks it now: AWS JSON 1.0
// (X-Amz-Target: GraniteServiceVersion20100801.<Op>, content-type application/x-amz-json-1.0) in
// query-compatible mode: errors carry the JSON shape name in __type and the query error code in
// the x-amzn-query-error header ("<Code>;Sender"), which the SDK maps back to the modelled error.
import { AwsError, type Clock, type SandboxResponse, type SandboxStore, type ServiceHandler } from '../types.js';
import { deleteAlarms, describeAlarms, putMetricAlarm, setAlarmState, type AlarmsContext } from './alarms.js';

export interface CloudWatchDeps {
  readonly store: SandboxStore;
  readonly clock?: Clock;
}

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

type Operation = (ctx: AlarmsContext, input: Record<string, unknown>) => Record<string, unknown>;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  PutMetricAlarm: putMetricAlarm,
  DescribeAlarms: describeAlarms,
  SetAlarmState: setAlarmState,
  DeleteAlarms: deleteAlarms,
};

/** Query error code → the JSON shape name of client-cloudwatch's modelled error. */
const SHAPE_OF: Readonly<Record<string, string>> = {
  ValidationError: 'ValidationException',
  InvalidParameterValue: 'InvalidParameterValueException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  MissingParameter: 'MissingRequiredParameterException',
  InvalidNextToken: 'InvalidNextToken',
  InvalidFormat: 'InvalidFormatFault',
  ResourceNotFound: 'ResourceNotFound',
  LimitExceeded: 'LimitExceededFault',
};

/** An error as CloudWatch's query-compatible JSON protocol carries it. */
export function renderCloudWatchError(err: AwsError): SandboxResponse {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: err.status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-query-error': `${err.code};${type}` },
    body: JSON.stringify({ __type: `com.amazonaws.cloudwatch#${SHAPE_OF[err.code] ?? err.code}`, message: err.message }),
  };
}

export function createCloudWatchService(deps: CloudWatchDeps): ServiceHandler {
  return async (req) => {
    try {
      const target = req.headers['x-amz-target'] ?? '';
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const run = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
      if (!run) throw new AwsError('InvalidAction', `The action ${op || target || '(none)'} is not valid for this web service.`);
      let input: unknown;
      try {
        input = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AwsError('SerializationException', 'The request body must be a JSON object.');
      const ctx: AlarmsContext = { store: deps.store, accountId: req.principal.accountId, region: req.region, now: deps.clock?.now() ?? new Date() };
      return { status: 200, headers: { 'content-type': CONTENT_TYPE }, body: JSON.stringify(run(ctx, input as Record<string, unknown>)) };
    } catch (e) {
      if (e instanceof AwsError) return renderCloudWatchError(e);
      throw e;
    }
  };
}
