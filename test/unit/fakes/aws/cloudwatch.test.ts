// The fake CloudWatch: alarms listed by name, prefix and state.
import t from 'tap';
import { FakeAwsWorld } from '../../../fakes/aws/world.js';

t.test('cloudwatch alarms by name, prefix and state', async (t) => {
  const w = new FakeAwsWorld();
  const cw = w.cloudwatch().putAlarm('gate-a').putAlarm('gate-b').putAlarm('other');
  cw.setAlarmState('gate-b', 'ALARM', 'unhealthy');
  t.same((await cw.describeAlarms({ alarmNamePrefix: 'gate-' })).items.map((a) => a.alarmName), ['gate-a', 'gate-b']);
  t.same((await cw.describeAlarms({ stateValue: 'ALARM' })).items.map((a) => [a.alarmName, a.stateReason]), [['gate-b', 'unhealthy']]);
  t.same((await cw.describeAlarms({ alarmNames: ['other', 'ghost'] })).items.map((a) => a.alarmName), ['other']);
});
