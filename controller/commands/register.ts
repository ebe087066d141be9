// fleetctl register: one device from flags, or a whole fleet from --inventory (CSV or YAML).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import { awsEnvironment, openFleetContext, type FleetDeps, type GlobalFleetOptions } from '../context.js';
import { iotSettings, validateDevices, type InventoryDefaults } from '../fleet/inventory.js';
import { IAM_ROLE_ARN, type DeviceSpec, type Identity, type IotSettings } from '../fleet/model.js';
import { parseTagList } from '../fleet/tags.js';
import { actionFor } from '../output/fleet-human.js';
import { createBundleStore } from '../registration/bundle.js';
import { LEDGER_FILE, openLedger } from '../registration/ledger.js';
import { registerDevices, type RegisterReport } from '../registration/register.js';
import { ensureBundleDir, gitIgnoreWarning, type GitRun } from './bundle-dir.js';
import { readInventory } from './fleet-common.js';

export interface RegisterOptions extends GlobalFleetOptions {
  tags?: string;
  iamSessionArn?: string;
  iamUserArn?: string;
  createIamUser?: boolean;
  iot?: boolean;
  thingGroup?: string;
  inventory?: string;
  out: string;
  tar?: boolean;
  iotRoleArn?: string;
  iotRoleAlias?: string;
  iotPolicy?: string;
  iotCa?: string;
  revisionBucket?: string;
}

function identityFromFlags(o: RegisterOptions): Identity | undefined {
  const given = [o.iamSessionArn && 'iam-session', o.iamUserArn && 'iam-user', o.createIamUser && 'create-iam-user', o.iot && 'iot'].filter(Boolean);
  if (given.length > 1) throw new EdgeError('CLI_USAGE', 'give one of --iam-session-arn, --iam-user-arn, --create-iam-user, --iot');
  if (o.iamSessionArn) return { mode: 'iam-session', arn: o.iamSessionArn };
  if (o.iamUserArn) return { mode: 'iam-user', arn: o.iamUserArn };
  if (o.createIamUser) return { mode: 'create-iam-user' };
  if (o.iot) return { mode: 'iot' };
  return undefined;
}

/** The devices to register, validated; throws (exit 2) listing every problem. */
export function devicesFromArgs(name: string | undefined, o: RegisterOptions): { devices: DeviceSpec[]; iot: Partial<IotSettings> } {
  const tags = o.tags === undefined ? { tags: [] } : parseTagList(o.tags, ',');
  if ('error' in tags) throw new EdgeError('CLI_USAGE', `--tags: ${tags.error} (write Key=Value,Key2=Value2)`);
  const identity = identityFromFlags(o);
  if (o.inventory) {
    if (name) throw new EdgeError('CLI_USAGE', 'give a device name or --inventory, not both');
    if (o.iamSessionArn || o.iamUserArn) throw new EdgeError('CLI_USAGE', 'an IAM ARN identifies one device: put it in the inventory rows, not on the command line');
    const defaults: InventoryDefaults = { tags: tags.tags, ...(identity ? { identity } : {}), ...(o.thingGroup ? { thingGroup: o.thingGroup } : {}) };
    const inv = readInventory(o.inventory, defaults);
    if (inv.devices.length === 0) throw new EdgeError('FLEET_INVENTORY_INVALID', `${o.inventory} lists no devices`);
    return { devices: inv.devices, iot: inv.iot };
  }
  if (!name) throw new EdgeError('CLI_USAGE', 'give a device name (fleetctl register NAME --tags ... --iot) or --inventory FILE');
  if (!identity) throw new EdgeError('CLI_USAGE', 'give the identity: --iam-session-arn ARN, --iam-user-arn ARN, --create-iam-user or --iot');
  const raw = { line: 0, name, tags: o.tags ?? '', ...(o.thingGroup ? { thing_group: o.thingGroup } : {}), ...(identity.mode === 'iam-session' ? { iam_session_arn: identity.arn } : identity.mode === 'iam-user' ? { iam_user_arn: identity.arn } : { identity: identity.mode }) };
  const v = validateDevices([raw], {}, ',');
  if (v.problems.length > 0) throw new EdgeError('CLI_USAGE', v.problems.map((p) => `${p.field === 'name' ? 'NAME' : `--${p.field.replaceAll('_', '-')}`}: ${p.reason}`).join('; '));
  return { devices: v.devices, iot: {} };
}

/** Each device error with the registry's action, so a JSON reader knows what to do too. */
function withActions(r: RegisterReport): RegisterReport {
  const devices = r.devices.map((d) => (d.error ? { ...d, error: { ...d.error, ...(actionFor(d.error.code) ? { action: actionFor(d.error.code) } : {}) } } : d));
  return { ...r, devices };
}

/** fleetctl register NAME|--inventory FILE: returns the report; exit 1 when a device failed or conflicts. */
export async function register(name: string | undefined, o: RegisterOptions, deps: FleetDeps & { git: GitRun }): Promise<CommandOutcome<RegisterReport>> {
  const { devices, iot } = devicesFromArgs(name, o);
  if (o.iotRoleArn && !IAM_ROLE_ARN.test(o.iotRoleArn)) throw new EdgeError('CLI_USAGE', `--iot-role-arn: '${o.iotRoleArn}' is not an IAM role ARN`);
  const iotCa = o.iotCa ?? awsEnvironment(deps.env, o).iotCa;
  if (iotCa && !existsSync(iotCa)) throw new EdgeError('CONFIG_NOT_FOUND', `--iot-ca ${iotCa} does not exist`);
  const settings = iotSettings(iot, {
    ...(o.iotRoleArn ? { roleArn: o.iotRoleArn } : {}),
    ...(o.iotRoleAlias ? { roleAlias: o.iotRoleAlias } : {}),
    ...(o.iotPolicy ? { policyName: o.iotPolicy } : {}),
  });
  const ctx = await openFleetContext(o, deps);
  try {
    const { dir: out } = ensureBundleDir(o.out);
    const warning = await gitIgnoreWarning(out, deps.git);
    if (warning) deps.reporter.note(warning);
    const bundles = createBundleStore(out, { tar: o.tar === true });
    const progress = deps.reporter.progress('register', devices.length);
    const report = await registerDevices(devices, {
      aws: ctx.aws,
      stats: ctx.pool.stats,
      ledger: openLedger(join(out, LEDGER_FILE)),
      bundles,
      log: ctx.log,
      iot: settings,
      ...(iotCa ? { iotCaPem: readFileSync(iotCa, 'utf8') } : {}),
      ...(o.revisionBucket ? { revisionBucket: o.revisionBucket } : {}),
      concurrency: ctx.concurrency,
      onDevice: (d) => progress.tick(d.outcome === 'failed' || d.outcome === 'conflict'),
    });
    progress.done();
    const exit = report.summary.failed + report.summary.conflict > 0 ? ExitCode.FAILED : ExitCode.OK;
    return { data: withActions(report), exit };
  } finally {
    ctx.close();
  }
}
