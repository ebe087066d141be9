// What the fleet commands share: tag filters from repeated --tag flags, and reading an inventory
// file (every problem listed before anything touches AWS).
import { existsSync, readFileSync } from 'node:fs';
import { EdgeError } from '../../shared/errors.js';
import { assertInventoryValid, parseInventory, type Inventory, type InventoryDefaults } from '../fleet/inventory.js';
import { INSTANCE_NAME, type Tag } from '../fleet/model.js';
import { parseTagList } from '../fleet/tags.js';

export type { FleetDeps, GlobalFleetOptions } from '../context.js';

/** Repeated `--tag Key=Value` flags as tag filters (all must match). */
export function tagFilters(values: readonly string[] | undefined, flag: string): Tag[] {
  const out: Tag[] = [];
  for (const v of values ?? []) {
    const parsed = parseTagList(v, ',');
    if ('error' in parsed) throw new EdgeError('CLI_USAGE', `${flag}: ${parsed.error} (write Key=Value)`);
    out.push(...parsed.tags);
  }
  return out;
}

/** An inventory file, parsed and validated: throws (exit 2) when it is missing or any row is invalid. */
export function readInventory(file: string, defaults: InventoryDefaults): Inventory {
  if (!existsSync(file)) throw new EdgeError('CONFIG_NOT_FOUND', `inventory ${file} does not exist`);
  const inv = parseInventory(readFileSync(file, 'utf8'), file, defaults);
  assertInventoryValid(inv.problems, file);
  return inv;
}

/** Device names from the command line: instance names, never a path (`..`) or control characters. */
export function checkDeviceNames(names: readonly string[]): void {
  const bad = names.filter((n) => !INSTANCE_NAME.test(n) || n === '.' || n === '..');
  if (bad.length > 0) {
    const shown = bad.map((n) => JSON.stringify(n)).join(', ');
    throw new EdgeError('CLI_USAGE', `not an instance name: ${shown} (1-100 letters, digits or + = , . @ _ -)`);
  }
}
