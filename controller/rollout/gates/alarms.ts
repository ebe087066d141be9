// The alarms gate: the named CloudWatch alarms, looked up in each target's account and region. Any
// alarm in ALARM fails the target's result (with the alarm's StateReason); so does a name that is
// not found there (a typo must not pass silently). Targets reached through the same session (same
// account, region and credentials) share one DescribeAlarms. INSUFFICIENT_DATA passes: no data is
// not an alarm, and a new alarm starts there.
import type { AwsPool, AwsSession } from '../../aws/pool.js';
import type { AlarmInfo } from '../../aws/ports.js';
import { allPages } from '../../fleet/pool.js';
import type { Target } from '../config-types.js';
import { sessionFor } from '../drivers/session.js';
import { boundedLines, clip } from './text.js';
import { GATE_DETAIL_BYTES, type GateResult } from './types.js';

export const ALARMS_THRESHOLD = 'no alarm in ALARM';
/** Problems a value names; more go to the detail. */
const VALUE_PROBLEMS = 3;

/** Where a target's alarms were looked for, for people (the account of its role when the config names none). */
export function whereOf(target: Target, session?: Pick<AwsSession, 'account'>): string {
  const account = target.account ?? (session && /^\d{12}$/.test(session.account) ? session.account : undefined);
  return `account ${account ?? "(the controller's own)"} region ${target.region}`;
}

/** One target's result from the alarms found in its account and region (pure). */
export function alarmsResult(names: readonly string[], found: readonly AlarmInfo[], target: Target, where = whereOf(target)): GateResult {
  const byName = new Map(found.map((a) => [a.alarmName, a]));
  const missing = names.filter((n) => !byName.has(n));
  const firing = names.map((n) => byName.get(n)).filter((a): a is AlarmInfo => a?.stateValue === 'ALARM');
  const problems = [...firing.map((a) => `${a.alarmName} in ALARM`), ...missing.map((n) => `alarm ${n} not found in ${where}`)];
  // the value names the first problems (up to 100 names may be missing); the detail has the rest
  const more = problems.length - VALUE_PROBLEMS;
  const shown = problems.slice(0, VALUE_PROBLEMS).join('; ') + (more > 0 ? `; and ${more} more` : '');
  const lines = [
    ...firing.map((a) => clip(`${a.alarmName}: ${a.stateReason ?? 'in ALARM'}`, 1000)),
    ...(problems.length > VALUE_PROBLEMS ? missing.map((n) => `${n}: not found`) : []),
  ];
  return {
    gate: 'alarms',
    passed: problems.length === 0,
    value: problems.length === 0 ? `no alarm in ALARM (${names.length} checked)` : shown,
    threshold: ALARMS_THRESHOLD,
    target: target.name,
    ...(lines.length > 0 ? { detail: boundedLines(lines, GATE_DETAIL_BYTES) } : {}),
  };
}

/** The named alarms in one session's account and region (DescribeAlarms takes 100 names; the config allows 100). */
async function describe(session: AwsSession, names: readonly string[]): Promise<AlarmInfo[]> {
  return allPages((nextToken) => session.cloudwatch.describeAlarms({ alarmNames: names, ...(nextToken ? { nextToken } : {}) }));
}

/**
 * One result per target. `failed(target, e)` turns a read that will not succeed on retry into the
 * target's (failing) result; anything it rethrows propagates.
 */
export async function checkAlarms(
  pool: Pick<AwsPool, 'session'>,
  rolloutId: string,
  names: readonly string[],
  targets: readonly Target[],
  failed: (target: Target, e: unknown) => GateResult,
): Promise<GateResult[]> {
  const bySession = new Map<string, { session: AwsSession; targets: Target[] }>();
  for (const target of targets) {
    const session = sessionFor(pool, target, rolloutId);
    const group = bySession.get(session.key) ?? { session, targets: [] };
    group.targets.push(target);
    bySession.set(session.key, group);
  }
  const results = new Map<string, GateResult>();
  await Promise.all(
    [...bySession.values()].map(async ({ session, targets: ts }) => {
      try {
        const found = await describe(session, names);
        for (const t of ts) results.set(t.name, alarmsResult(names, found, t, whereOf(t, session)));
      } catch (e) {
        for (const t of ts) results.set(t.name, failed(t, e));
      }
    }),
  );
  return targets.map((t) => results.get(t.name) as GateResult);
}
