// fleetctl deregister: by names, by tag, or every device of an inventory.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EdgeError } from '../../shared/errors.js';
import { createBundleStore } from '../fleet/bundle.js';
import { deregisterDevices, type DeregisterReport } from '../fleet/deregister.js';
import { listInstanceNames } from '../fleet/fleet-state.js';
import { parseInventory } from '../fleet/inventory.js';
import { LEDGER_FILE, openLedger } from '../fleet/ledger.js';
import { DEFAULT_IOT_POLICY, type Tag } from '../fleet/model.js';
import { assertInventoryValid } from '../fleet/register.js';
import { jsonDocument, statsLine, summaryLine, table } from '../fleet/render.js';
import { parseTagList } from '../fleet/tags.js';
import { addGlobalOptions, fleetContext, parseRepeatable, runFleetCommand, type GlobalFleetOptions } from './fleet-common.js';

interface DeregisterFlags extends GlobalFleetOptions {
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

export function tagFilters(values: readonly string[] | undefined, flag: string): Tag[] {
  const out: Tag[] = [];
  for (const v of values ?? []) {
    const parsed = parseTagList(v, ',');
    if ('error' in parsed) throw new EdgeError('CLI_USAGE', `${flag}: ${parsed.error} (write Key=Value)`);
    out.push(...parsed.tags);
  }
  return out;
}

export function renderDeregisterReport(r: DeregisterReport): string {
  const rows = r.devices.map((d) => [d.name, d.outcome, d.error ? `${d.error.code}: ${d.error.message}` : d.actions.join('; ') || '-']);
  return `${table(['DEVICE', 'OUTCOME', r.dryRun ? 'WOULD DO' : 'DONE'], rows)}${summaryLine(r.dryRun ? 'dry run over' : 'deregistered', r.summary)}${statsLine(r.stats)}`;
}

export function deregisterCommand(program: Command): void {
  const cmd = program
    .command('deregister')
    .description('remove tags and deregister devices; optionally delete their IoT certificates, thing and IAM user')
    .argument('[names...]', 'device (instance) names')
    .option('--tag <Key=Value>', 'every registered device with this tag (repeat: all must match)', parseRepeatable)
    .option('--inventory <file>', 'every device of this inventory')
    .option('--delete-certificates', "detach, deactivate and delete the device's IoT certificates")
    .option('--delete-thing', 'delete the IoT thing too (implies --delete-certificates)')
    .option('--delete-iam-user', "delete the registered IAM user's access keys, inline policies and the user")
    .option('--dry-run', 'list what would be removed; change nothing')
    .option('--force', 'deregister devices even while a deployment is running on them')
    .option('--iot-policy <name>', 'the IoT policy to detach from certificates', DEFAULT_IOT_POLICY)
    .option('--out <dir>', 'bundle folder of fleetctl register: bundles of devices whose credentials are deleted are removed', 'fleet-bundles');
  addGlobalOptions(cmd).action((names: string[], o: DeregisterFlags) =>
    runFleetCommand(o.json, async () => {
      const tags = tagFilters(o.tag, '--tag');
      const sources = [names.length > 0, tags.length > 0, o.inventory !== undefined].filter(Boolean).length;
      if (sources !== 1) throw new EdgeError('CLI_USAGE', 'choose the devices one way: names, --tag Key=Value, or --inventory FILE');
      let targets = names;
      if (o.inventory) {
        if (!existsSync(o.inventory)) throw new EdgeError('CONFIG_NOT_FOUND', `inventory ${o.inventory} does not exist`);
        const inv = parseInventory(readFileSync(o.inventory, 'utf8'), o.inventory, { identity: { mode: 'iot' } });
        assertInventoryValid(inv.problems, o.inventory);
        targets = inv.devices.map((d) => d.name);
      }
      const ctx = await fleetContext(o);
      if (tags.length > 0) targets = await listInstanceNames(ctx.aws, 'Registered', tags);
      const progress = ctx.progress('deregister', targets.length);
      const report = await deregisterDevices(
        ctx.aws,
        targets,
        {
          deleteCertificates: o.deleteCertificates === true || o.deleteThing === true,
          deleteThing: o.deleteThing === true,
          deleteIamUser: o.deleteIamUser === true,
          dryRun: o.dryRun === true,
          force: o.force === true,
          iotPolicy: o.iotPolicy ?? DEFAULT_IOT_POLICY,
          concurrency: ctx.concurrency,
        },
        (d) => progress.tick(d.outcome === 'failed' || d.outcome === 'refused'),
      );
      progress.done();
      ctx.aws.destroy();
      const out = resolve(o.out);
      if (!o.dryRun && (o.deleteCertificates || o.deleteThing || o.deleteIamUser) && existsSync(out)) {
        const ledger = openLedger(join(out, LEDGER_FILE));
        const bundles = createBundleStore(out, { tar: false });
        for (const d of report.devices) {
          if (d.outcome !== 'deregistered' && d.outcome !== 'not-registered') continue;
          ledger.record({ device: d.name, event: 'forgotten' });
          bundles.remove(d.name);
        }
        ledger.compact();
      }
      const code = report.summary.failed + report.summary.refused > 0 ? 1 : 0;
      return { output: o.json ? jsonDocument(report) : renderDeregisterReport(report), code };
    }),
  );
}
