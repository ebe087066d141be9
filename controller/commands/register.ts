// fleetctl register: one device from flags, or a whole fleet from --inventory (CSV or YAML).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EdgeError } from '../../shared/errors.js';
import { createBundleStore } from '../fleet/bundle.js';
import { iotSettings, parseInventory, validateDevices, type InventoryDefaults } from '../fleet/inventory.js';
import { LEDGER_FILE, openLedger } from '../fleet/ledger.js';
import { IAM_ROLE_ARN, type DeviceSpec, type Identity, type IotSettings } from '../fleet/model.js';
import { assertInventoryValid, registerDevices, type RegisterReport } from '../fleet/register.js';
import { jsonDocument, statsLine, summaryLine, table } from '../fleet/render.js';
import { parseTagList } from '../fleet/tags.js';
import { addGlobalOptions, fleetContext, runFleetCommand, type GlobalFleetOptions } from './fleet-common.js';

interface RegisterOptions extends GlobalFleetOptions {
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
    if (!existsSync(o.inventory)) throw new EdgeError('CONFIG_NOT_FOUND', `inventory ${o.inventory} does not exist`);
    if (o.iamSessionArn || o.iamUserArn) throw new EdgeError('CLI_USAGE', 'an IAM ARN identifies one device: put it in the inventory rows, not on the command line');
    const defaults: InventoryDefaults = { tags: tags.tags, ...(identity ? { identity } : {}), ...(o.thingGroup ? { thingGroup: o.thingGroup } : {}) };
    const inv = parseInventory(readFileSync(o.inventory, 'utf8'), o.inventory, defaults);
    assertInventoryValid(inv.problems, o.inventory);
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

export function renderRegisterReport(r: RegisterReport): string {
  const rows = r.devices.map((d) => [d.name, d.outcome, d.identity, d.error ? `${d.error.code}: ${d.error.message}` : [...d.actions, ...d.notes].join('; ') || '-']);
  const setup = r.setup.map((s) => `setup: ${s}\n`).join('');
  return `${setup}${table(['DEVICE', 'OUTCOME', 'IDENTITY', 'DETAILS'], rows)}${summaryLine('registered', r.summary)}${statsLine(r.stats)}`;
}

export function registerCommand(program: Command): void {
  const cmd = program
    .command('register')
    .description('register devices as CodeDeploy on-premises instances (one by name, or a fleet from an inventory), with tags and an identity; writes a provisioning bundle per device')
    .argument('[name]', 'device (instance) name')
    .option('--tags <Key=Value,...>', 'tags for the device (with --inventory: added to every device)')
    .option('--iam-session-arn <arn>', 'register with this IAM role session ARN (the device refreshes session credentials itself)')
    .option('--iam-user-arn <arn>', 'register with this existing IAM user ARN')
    .option('--create-iam-user', 'create an IAM user (least privilege) and an access key for the device')
    .option('--iot', 'make the device an IoT thing with a certificate; the agent gets credentials from the IoT credentials provider')
    .option('--thing-group <name>', 'IoT thing group to add IoT devices to')
    .option('--inventory <file>', 'register every device in a fleet.yaml or fleet.csv (see docs/fleetctl.md)')
    .option('--out <dir>', 'where provisioning bundles (and the ledger) go', 'fleet-bundles')
    .option('--tar', 'also write <out>/<name>.tar per device')
    .option('--iot-role-arn <arn>', 'IAM role IoT devices assume (needed when the role alias does not exist yet)')
    .option('--iot-role-alias <alias>', 'IoT role alias for the credentials provider (default edge-agent-codedeploy)')
    .option('--iot-policy <name>', 'IoT policy attached to device certificates, created once (default edge-agent-device)')
    .option('--iot-ca <file>', 'CA certificate devices use to verify AWS IoT endpoints (e.g. AmazonRootCA1.pem; default $EDGE_IOT_CA)')
    .option('--revision-bucket <bucket>', 'limit created IAM users to reading revisions from this S3 bucket');
  addGlobalOptions(cmd).action((name: string | undefined, o: RegisterOptions) =>
    runFleetCommand(o.json, async () => {
      const { devices, iot } = devicesFromArgs(name, o);
      if (o.iotRoleArn && !IAM_ROLE_ARN.test(o.iotRoleArn)) throw new EdgeError('CLI_USAGE', `--iot-role-arn: '${o.iotRoleArn}' is not an IAM role ARN`);
      o.iotCa ??= process.env['EDGE_IOT_CA'];
      if (o.iotCa && !existsSync(o.iotCa)) throw new EdgeError('CONFIG_NOT_FOUND', `--iot-ca ${o.iotCa} does not exist`);
      const settings = iotSettings(iot, { ...(o.iotRoleArn ? { roleArn: o.iotRoleArn } : {}), ...(o.iotRoleAlias ? { roleAlias: o.iotRoleAlias } : {}), ...(o.iotPolicy ? { policyName: o.iotPolicy } : {}) });
      const ctx = await fleetContext(o);
      const out = resolve(o.out);
      const bundles = createBundleStore(out, { tar: o.tar === true });
      mkdirSync(out, { recursive: true, mode: 0o700 });
      const progress = ctx.progress('register', devices.length);
      const report = await registerDevices(devices, {
        aws: ctx.aws,
        ledger: openLedger(join(out, LEDGER_FILE)),
        bundles,
        log: ctx.log,
        iot: settings,
        ...(o.iotCa ? { iotCaPem: readFileSync(o.iotCa, 'utf8') } : {}),
        ...(o.revisionBucket ? { revisionBucket: o.revisionBucket } : {}),
        concurrency: ctx.concurrency,
        onDevice: (d) => progress.tick(d.outcome === 'failed' || d.outcome === 'conflict'),
      });
      progress.done();
      ctx.aws.destroy();
      const code = report.summary.failed + report.summary.conflict > 0 ? 1 : 0;
      return { output: o.json ? jsonDocument(report) : renderRegisterReport(report), code };
    }),
  );
}
