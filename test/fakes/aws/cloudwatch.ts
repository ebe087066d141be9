// Fake CloudWatch for one account and region: metric alarms seeded by tests, whose state tests set
// (`setAlarmState`), listed by DescribeAlarms by names, prefix and state, 50 a page.
import type { AlarmInfo, AlarmState, CloudWatchPort, DescribeAlarmsInput, Page } from '../../../controller/aws/ports.js';
import { failer } from './errors.js';

const fail = failer('cloudwatch');
const PAGE = 50;

export class FakeCloudWatch implements CloudWatchPort {
  readonly alarms = new Map<string, AlarmInfo>();

  constructor(private readonly opts: { account: string; region: string; clock: () => Date }) {}

  /** Test set-up: a metric alarm, INSUFFICIENT_DATA until a test sets its state. */
  putAlarm(alarmName: string, metric: { namespace?: string; metricName?: string } = {}): this {
    this.alarms.set(alarmName, {
      alarmName,
      alarmArn: `arn:aws:cloudwatch:${this.opts.region}:${this.opts.account}:alarm:${alarmName}`,
      stateValue: 'INSUFFICIENT_DATA',
      stateReason: 'Unchecked: Initial alarm creation',
      stateUpdatedTimestamp: this.opts.clock(),
      ...metric,
    });
    return this;
  }

  /** Test control: as SetAlarmState. */
  setAlarmState(alarmName: string, stateValue: AlarmState, stateReason: string): void {
    const a = this.alarms.get(alarmName);
    if (!a) return fail('SetAlarmState', 'ResourceNotFound', 404, `Alarm ${alarmName} not found`);
    this.alarms.set(alarmName, { ...a, stateValue, stateReason, stateUpdatedTimestamp: this.opts.clock() });
  }

  async describeAlarms(input: DescribeAlarmsInput): Promise<Page<AlarmInfo>> {
    if ((input.alarmNames?.length ?? 0) > 100) fail('DescribeAlarms', 'ValidationError', 400, 'The collection AlarmNames must not have a size greater than 100.');
    if (input.alarmNames?.length && input.alarmNamePrefix) fail('DescribeAlarms', 'InvalidParameterCombination', 400, 'AlarmNamePrefix and AlarmNames cannot be specified together.');
    const all = [...this.alarms.values()]
      .filter((a) => !input.alarmNames?.length || input.alarmNames.includes(a.alarmName))
      .filter((a) => !input.alarmNamePrefix || a.alarmName.startsWith(input.alarmNamePrefix))
      .filter((a) => !input.stateValue || a.stateValue === input.stateValue)
      .sort((a, b) => (a.alarmName < b.alarmName ? -1 : 1));
    const start = input.nextToken ? Number(input.nextToken) : 0;
    if (!Number.isInteger(start) || start < 0) fail('DescribeAlarms', 'InvalidNextToken', 400, 'The service returned an invalid next token.');
    return { items: all.slice(start, start + PAGE), ...(start + PAGE < all.length ? { nextToken: String(start + PAGE) } : {}) };
  }
}
