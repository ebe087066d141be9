// fleetctl ls (registrations and tags) and fleetctl status (plus the newest deployment per device
// and live health from the device shadow).
import type { Command } from 'commander';
import type { RegistrationStatus } from '@aws-sdk/client-codedeploy';
import { EdgeError } from '../../shared/errors.js';
import { describeDevices, fleetStatus, listInstanceNames, LS_SCHEMA, STATUS_SCHEMA, type DeviceRow, type StatusRow } from '../fleet/fleet-state.js';
import { jsonDocument, table } from '../fleet/render.js';
import { formatTags } from '../fleet/tags.js';
import { tagFilters } from './deregister.js';
import { addGlobalOptions, fleetContext, parseRepeatable, runFleetCommand, type GlobalFleetOptions } from './fleet-common.js';

interface LsFlags extends GlobalFleetOptions {
  tag?: string[];
  status?: string;
  deployments?: number;
}

function statusFilter(v: string | undefined): RegistrationStatus | undefined {
  if (v === undefined) return undefined;
  if (v !== 'Registered' && v !== 'Deregistered') throw new EdgeError('CLI_USAGE', `--status must be Registered or Deregistered, got '${v}'`);
  return v;
}

export function renderLs(rows: readonly DeviceRow[]): string {
  return `${table(['DEVICE', 'STATUS', 'IDENTITY', 'TAGS'], rows.map((r) => [r.name, r.status, r.arn ?? '-', formatTags(r.tags) || '-']))}${rows.length} device${rows.length === 1 ? '' : 's'}\n`;
}

export function renderStatus(rows: readonly StatusRow[]): string {
  const health = (r: StatusRow): string => (r.health ? `${r.health.verdict}${r.health.failing.length ? ` (${r.health.failing.join(',')})` : ''}${r.health.updatedAt ? ` @ ${r.health.updatedAt}` : ''}` : '-');
  const deployment = (r: StatusRow): string => (r.lastDeployment ? `${r.lastDeployment.deploymentId} ${r.lastDeployment.instanceStatus}` : '-');
  return `${table(['DEVICE', 'STATUS', 'TAGS', 'LAST DEPLOYMENT', 'HEALTH'], rows.map((r) => [r.name, r.status, formatTags(r.tags) || '-', deployment(r), health(r)]))}${rows.length} device${rows.length === 1 ? '' : 's'}\n`;
}

export function lsStatusCommands(program: Command): void {
  const ls = program
    .command('ls')
    .description('list on-premises instances with their identity and tags')
    .option('--tag <Key=Value>', 'only devices with this tag (repeat: all must match)', parseRepeatable)
    .option('--status <status>', 'Registered or Deregistered (default: both)');
  addGlobalOptions(ls).action((o: LsFlags) =>
    runFleetCommand(o.json, async () => {
      const tags = tagFilters(o.tag, '--tag');
      const status = statusFilter(o.status);
      const ctx = await fleetContext(o);
      const rows = await describeDevices(ctx.aws, await listInstanceNames(ctx.aws, status, tags));
      ctx.aws.destroy();
      return { output: o.json ? jsonDocument({ schema: LS_SCHEMA, devices: rows }) : renderLs(rows), code: 0 };
    }),
  );
  const status = program
    .command('status')
    .description('registration, tags, newest deployment and live health (device shadow) per device')
    .argument('[names...]', 'devices (default: all registered, filtered by --tag)')
    .option('--tag <Key=Value>', 'only devices with this tag (repeat: all must match)', parseRepeatable)
    .option('--deployments <n>', 'how many of the newest deployments to look through', (v) => Number(v), 25);
  addGlobalOptions(status).action((names: string[], o: LsFlags) =>
    runFleetCommand(o.json, async () => {
      const tags = tagFilters(o.tag, '--tag');
      const ctx = await fleetContext(o);
      const targets = names.length > 0 ? names : await listInstanceNames(ctx.aws, 'Registered', tags);
      const rows = await describeDevices(ctx.aws, targets);
      const missing = names.filter((n) => !rows.some((r) => r.name === n));
      const full = await fleetStatus(ctx.aws, rows, { deployments: o.deployments ?? 25, concurrency: ctx.concurrency });
      ctx.aws.destroy();
      const doc = { schema: STATUS_SCHEMA, devices: full, ...(missing.length ? { unknown: missing } : {}) };
      const text = renderStatus(full) + (missing.length ? `not registered: ${missing.join(', ')}\n` : '');
      return { output: o.json ? jsonDocument(doc) : text, code: missing.length > 0 ? 1 : 0 };
    }),
  );
}
