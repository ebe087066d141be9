// fleetctl deregister: by names, by tag, or every device of an inventory.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import { openFleetContext, type FleetDeps, type GlobalFleetOptions } from '../context.js';
import { describeDevices, listInstanceNames } from '../fleet/fleet-state.js';
import { DEFAULT_IOT_POLICY } from '../fleet/model.js';
import { bundleNameProblem, createBundleStore } from '../registration/bundle.js';
import { deregisterDevices, type DeregisterDeviceReport, type DeregisterReport } from '../registration/deregister.js';
import { LEDGER_FILE, openLedger, type Ledger } from '../registration/ledger.js';
import { ensureBundleDir } from './bundle-dir.js';
import { checkDeviceNames, readInventory, tagFilters } from './fleet-common.js';

export interface DeregisterFlags extends GlobalFleetOptions {
  tag?: string[];
  inventory?: string;
  deleteCertificates?: boolean;
  deleteThing?: boolean;
  deleteIamUser?: boolean;
  dryRun?: boolean;
  force?: boolean;
  iotPolicy?: string;
  out: string;
}

export type DeregisterResult = DeregisterReport & { readonly unknown?: readonly string[] };

/** The ledger in the bundle folder: created when certificates are to be deleted (their teardown is
 * recorded there before it starts), otherwise only read when it is there. */
function deregisterLedger(o: DeregisterFlags): Ledger | undefined {
  if (!o.dryRun && (o.deleteCertificates || o.deleteThing)) return openLedger(join(ensureBundleDir(o.out).dir, LEDGER_FILE));
  const out = resolve(o.out);
  return existsSync(out) ? openLedger(join(out, LEDGER_FILE)) : undefined;
}

/** Bundles and ledger entries of devices whose credentials were deleted go too. */
function forgetBundles(report: DeregisterReport, outDir: string, ledger: Ledger | undefined): void {
  const out = resolve(outDir);
  if (!existsSync(out) || !ledger) return;
  const bundles = createBundleStore(out, { tar: false });
  for (const d of report.devices) {
    if (d.outcome !== 'deregistered' && d.outcome !== 'not-registered') continue;
    if (bundleNameProblem(d.name)) continue; // a name AWS holds that cannot be one of our bundle folders
    ledger.record({ device: d.name, event: 'forgotten' });
    bundles.remove(d.name);
  }
  ledger.compact();
}

/** The devices chosen one way: names, --tag filters (resolved later, in AWS) or an inventory. */
function chooseDevices(names: readonly string[], o: DeregisterFlags): { targets: string[]; tags: ReturnType<typeof tagFilters> } {
  const tags = tagFilters(o.tag, '--tag');
  const sources = [names.length > 0, tags.length > 0, o.inventory !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new EdgeError('CLI_USAGE', 'choose the devices one way: names, --tag Key=Value, or --inventory FILE');
  checkDeviceNames(names);
  const targets = o.inventory ? readInventory(o.inventory, { identity: { mode: 'iot' } }).devices.map((d) => d.name) : [...names];
  return { targets, tags };
}

/**
 * fleetctl deregister NAMES|--tag|--inventory. Exit 1 when a device failed or was refused, or when a
 * name given on the command line is no on-premises instance at all (as fleetctl status does);
 * devices that are already deregistered are done, so a second run exits 0.
 */
export async function deregister(names: readonly string[], o: DeregisterFlags, deps: FleetDeps): Promise<CommandOutcome<DeregisterResult>> {
  const chosen = chooseDevices(names, o);
  let targets = chosen.targets;
  const ctx = await openFleetContext(o, deps);
  const ledger = deregisterLedger(o);
  let report: DeregisterReport;
  let unknown: string[] = [];
  try {
    if (chosen.tags.length > 0) targets = await listInstanceNames(ctx.aws, 'Registered', chosen.tags);
    if (names.length > 0) {
      const known = new Set((await describeDevices(ctx.aws, names)).map((r) => r.name));
      unknown = [...new Set(names)].filter((n) => !known.has(n));
    }
    const progress = deps.reporter.progress('deregister', targets.length);
    const opts = {
      deleteCertificates: o.deleteCertificates === true || o.deleteThing === true,
      deleteThing: o.deleteThing === true,
      deleteIamUser: o.deleteIamUser === true,
      dryRun: o.dryRun === true,
      force: o.force === true,
      iotPolicy: o.iotPolicy ?? DEFAULT_IOT_POLICY,
      concurrency: ctx.concurrency,
    };
    const onDevice = (d: DeregisterDeviceReport): void => progress.tick(d.outcome === 'failed' || d.outcome === 'refused');
    report = await deregisterDevices(targets, opts, { aws: ctx.aws, stats: ctx.pool.stats, ...(ledger ? { ledger } : {}), onDevice });
    progress.done();
  } finally {
    ctx.close();
  }
  if (!o.dryRun && (o.deleteCertificates || o.deleteThing || o.deleteIamUser)) forgetBundles(report, o.out, ledger);
  const message = (name: string): string => `${name} is not an on-premises instance (check the name with fleetctl ls)`;
  const devices = report.devices.map((d) => (unknown.includes(d.name) ? { ...d, error: { code: 'FLEET_DEVICE_UNKNOWN', message: message(d.name) } } : d));
  const failed = report.summary.failed + report.summary.refused + unknown.length > 0;
  return { data: { ...report, devices, ...(unknown.length ? { unknown } : {}) }, exit: failed ? ExitCode.FAILED : ExitCode.OK };
}
