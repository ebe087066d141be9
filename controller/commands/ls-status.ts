// fleetctl ls (registrations and tags) and fleetctl status (plus the newest deployment per device
// and live health from the device shadow).
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import type { RegistrationStatus } from '../aws/ports.js';
import { openFleetContext, type FleetDeps, type GlobalFleetOptions } from '../context.js';
import { describeDevices, fleetStatus, listInstanceNames, type DeviceRow, type StatusRow } from '../fleet/fleet-state.js';
import { checkDeviceNames, tagFilters } from './fleet-common.js';

export interface LsFlags extends GlobalFleetOptions {
  tag?: string[];
  status?: string;
  deployments?: number;
}

function statusFilter(v: string | undefined): RegistrationStatus | undefined {
  if (v === undefined) return undefined;
  if (v !== 'Registered' && v !== 'Deregistered') throw new EdgeError('CLI_USAGE', `--status must be Registered or Deregistered, got '${v}'`);
  return v;
}

export async function ls(o: LsFlags, deps: FleetDeps): Promise<CommandOutcome<{ devices: DeviceRow[] }>> {
  const tags = tagFilters(o.tag, '--tag');
  const status = statusFilter(o.status);
  const ctx = await openFleetContext(o, deps);
  try {
    const devices = await describeDevices(ctx.aws, await listInstanceNames(ctx.aws, status, tags));
    return { data: { devices }, exit: ExitCode.OK };
  } finally {
    ctx.close();
  }
}

export interface StatusDoc {
  readonly devices: StatusRow[];
  /** Names given on the command line that are no on-premises instance (exit 1, as fleetctl deregister). */
  readonly unknown?: string[];
}

export async function status(names: readonly string[], o: LsFlags, deps: FleetDeps): Promise<CommandOutcome<StatusDoc>> {
  const tags = tagFilters(o.tag, '--tag');
  checkDeviceNames(names);
  if (o.deployments !== undefined && !(Number.isInteger(o.deployments) && o.deployments > 0)) {
    throw new EdgeError('CLI_USAGE', '--deployments must be a whole number above 0');
  }
  const ctx = await openFleetContext(o, deps);
  try {
    const targets = names.length > 0 ? names : await listInstanceNames(ctx.aws, 'Registered', tags);
    const rows = await describeDevices(ctx.aws, targets);
    const unknown = [...new Set(names)].filter((n) => !rows.some((r) => r.name === n));
    const devices = await fleetStatus(ctx.aws, rows, { deployments: o.deployments ?? 25, concurrency: ctx.concurrency });
    return { data: { devices, ...(unknown.length ? { unknown } : {}) }, exit: unknown.length > 0 ? ExitCode.FAILED : ExitCode.OK };
  } finally {
    ctx.close();
  }
}
