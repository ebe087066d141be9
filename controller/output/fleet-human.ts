// Human output of the fleet commands (register, deregister, ls, status): aligned tables, a summary
// line, and for every failed device what to do about it. The JSON output is the same data in the
// shared envelope (shared/cli/envelope.ts).
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import type { DeregisterReport } from '../registration/deregister.js';
import type { DeviceRow, StatusRow } from '../fleet/fleet-state.js';
import type { RegisterReport } from '../registration/register.js';
import { statsLine, summaryLine, table } from './render.js';
import { formatTags } from '../fleet/tags.js';

interface DeviceError {
  readonly code: string;
  readonly message: string;
}

/** The registry's action for a code, when it is one. */
export function actionFor(code: string): string | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode].action : undefined;
}

/** How to resolve a name conflict, with the device's own name and registered identity. */
export function conflictHint(name: string, registeredArn: string | undefined): string {
  const keep = registeredArn ? `, or register it with the identity it has (${registeredArn})` : ', or register it with the identity it has';
  return `to resolve: fleetctl deregister ${name} and register again${keep}, or choose another name`;
}

function hints(devices: readonly { name: string; error?: DeviceError; arn?: string }[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const d of devices) {
    if (!d.error) continue;
    if (d.error.code === 'FLEET_NAME_CONFLICT') lines.push(`${d.name}: ${conflictHint(d.name, d.arn)}`);
    else if (!seen.has(d.error.code)) {
      seen.add(d.error.code);
      const action = actionFor(d.error.code);
      if (action) lines.push(`${d.error.code}: ${action}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

export function renderRegisterReport(r: RegisterReport): string {
  const rows = r.devices.map((d) => [d.name, d.outcome, d.identity, d.error ? `${d.error.code}: ${d.error.message}` : [...d.actions, ...d.notes].join('; ') || '-']);
  const setup = r.setup.map((s) => `setup: ${s}\n`).join('');
  return `${setup}${table(['DEVICE', 'OUTCOME', 'IDENTITY', 'DETAILS'], rows)}${summaryLine('registered', r.summary)}${statsLine(r.stats)}${hints(r.devices)}`;
}

export function renderDeregisterReport(r: DeregisterReport & { unknown?: readonly string[] }): string {
  const rows = r.devices.map((d) => [d.name, d.outcome, d.error ? `${d.error.code}: ${d.error.message}` : d.actions.join('; ') || '-']);
  const unknown = r.unknown?.length ? `not registered: ${r.unknown.join(', ')}\n` : '';
  const body = table(['DEVICE', 'OUTCOME', r.dryRun ? 'WOULD DO' : 'DONE'], rows);
  return `${body}${summaryLine(r.dryRun ? 'dry run over' : 'deregistered', r.summary)}${statsLine(r.stats)}${unknown}${hints(r.devices)}`;
}

const count = (n: number): string => `${n} device${n === 1 ? '' : 's'}\n`;

export function renderLs(doc: { devices: readonly DeviceRow[] }): string {
  const rows = doc.devices.map((r) => [r.name, r.status, r.arn ?? '-', formatTags(r.tags) || '-']);
  return `${table(['DEVICE', 'STATUS', 'IDENTITY', 'TAGS'], rows)}${count(doc.devices.length)}`;
}

export function renderStatus(doc: { devices: readonly StatusRow[]; unknown?: readonly string[] }): string {
  const health = (r: StatusRow): string =>
    r.health ? `${r.health.verdict}${r.health.failing.length ? ` (${r.health.failing.join(',')})` : ''}${r.health.updatedAt ? ` @ ${r.health.updatedAt}` : ''}` : '-';
  const deployment = (r: StatusRow): string => (r.lastDeployment ? `${r.lastDeployment.deploymentId} ${r.lastDeployment.instanceStatus}` : '-');
  const rows = doc.devices.map((r) => [r.name, r.status, formatTags(r.tags) || '-', deployment(r), health(r)]);
  const unknown = doc.unknown?.length ? `not registered: ${doc.unknown.join(', ')}\n` : '';
  return `${table(['DEVICE', 'STATUS', 'TAGS', 'LAST DEPLOYMENT', 'HEALTH'], rows)}${count(doc.devices.length)}${unknown}`;
}
