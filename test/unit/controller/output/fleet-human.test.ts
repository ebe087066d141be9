import t from 'tap';
import { actionFor, conflictHint, renderDeregisterReport, renderRegisterReport, renderStatus } from '../../../../controller/output/fleet-human.js';
import type { RegisterReport } from '../../../../controller/registration/register.js';
import type { DeregisterReport } from '../../../../controller/registration/deregister.js';

const stats = { apiCalls: 3, retries: 0, throttledRetries: 0, backoffMs: 0 };

t.test('a conflict says how to resolve it, with the name and the registered identity', async (t) => {
  const report = {
    schema: 'fleetctl.register/v1',
    setup: [],
    summary: { total: 2, registered: 1, conflict: 1 },
    devices: [
      { name: 'pi-1', outcome: 'registered', identity: 'iot', actions: ['register'], notes: [] },
      { name: 'pi-2', outcome: 'conflict', identity: 'iam-session', arn: 'arn:aws:sts::1:assumed-role/r/pi-2', actions: [], notes: [], error: { code: 'FLEET_NAME_CONFLICT', message: 'pi-2 is registered with X' } },
    ],
    stats,
  } as unknown as RegisterReport;
  const text = renderRegisterReport(report);
  t.match(text, /pi-2\s+conflict\s+iam-session\s+FLEET_NAME_CONFLICT: pi-2 is registered with X/);
  t.match(text, 'pi-2: to resolve: fleetctl deregister pi-2 and register again, or register it with the identity it has (arn:aws:sts::1:assumed-role/r/pi-2), or choose another name');
  t.match(conflictHint('a', undefined), /register it with the identity it has, or choose/);
});

t.test('other failures get the registry action once per code; unknown names are listed', async (t) => {
  const report = {
    schema: 'fleetctl.deregister/v1',
    dryRun: false,
    summary: { total: 3, deregistered: 0, failed: 2, 'not-registered': 1 },
    devices: [
      { name: 'a', outcome: 'failed', actions: [], error: { code: 'FLEET_DEVICE_FAILED', message: 'x' } },
      { name: 'b', outcome: 'failed', actions: [], error: { code: 'FLEET_DEVICE_FAILED', message: 'y' } },
      { name: 'c', outcome: 'not-registered', actions: [], error: { code: 'FLEET_DEVICE_UNKNOWN', message: 'z' } },
    ],
    stats,
    unknown: ['c'],
  } as unknown as DeregisterReport & { unknown: string[] };
  const text = renderDeregisterReport(report);
  t.equal(text.split('FLEET_DEVICE_FAILED: Run the same command again').length - 1, 1, 'one hint per code');
  t.match(text, 'not registered: c\n');
  t.match(text, /FLEET_DEVICE_UNKNOWN: Check the name with fleetctl ls/);
  t.equal(actionFor('NOT_A_CODE'), undefined);
  t.match(renderStatus({ devices: [], unknown: ['x'] }), /0 devices\nnot registered: x\n$/);
});
