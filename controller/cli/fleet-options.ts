// The command-line definitions of the fleet commands (register, deregister, ls, status). Only flags
// live here; each action imports its command module when it runs, so a `fleetctl validate` never
// loads the AWS SDKs.
import { InvalidArgumentError, type Command } from 'commander';
import type { CliSession } from '../../shared/cli/commander.js';
import { DEFAULT_IOT_POLICY } from '../fleet/model.js';
import type { GitRun } from '../commands/bundle-dir.js';
import type { DeregisterFlags } from '../commands/deregister.js';
import type { FleetDeps, GlobalFleetOptions } from '../context.js';
import type { LsFlags } from '../commands/ls-status.js';
import type { RegisterOptions } from '../commands/register.js';

export interface FleetCliDeps {
  readonly session: CliSession;
  /** Built when a fleet command runs (main.ts knows the streams and the environment). */
  readonly fleetDeps: (opts: GlobalFleetOptions) => FleetDeps & { git: GitRun };
}

/** Keep in step with DEFAULT_TPS in controller/aws/limits.ts (a unit test checks; importing it here would cost validate's start-up nothing, but the help stays one readable line). */
export const TPS_HELP =
  'client-side calls per second per service (codedeploy, iot, iotdata, iam, sts, s3), or per service.Operation; default codedeploy=10,iot=10,iotdata=20,iam=5,sts=5,s3=50';
export const DEFAULT_OUT = 'fleetctl-bundles';

export function parseRepeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A whole number above 0; anything else is a usage error (exit 2) naming the flag. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0.');
  return n;
}

export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
    .option('--profile <name>', 'AWS profile from ~/.aws/config')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (e.g. the sandbox); AWS_ENDPOINT_URL_<SERVICE> also work')
    .option('--tps <service=n,...>', TPS_HELP)
    .option('--concurrency <n>', 'devices handled at once (default 32)', positiveInt)
    .option('--verbose', 'log AWS calls, retries and back-off to stderr (pino JSON)')
    .option('--json', 'print one JSON document on stdout (schema fleetctl.<command>/v1)');
}

const spec = <T extends object>(command: string, json: boolean | undefined, human: (d: T) => string) => ({ command, schemaVersion: 1, json: json === true, human });

export function fleetCommands(program: Command, deps: FleetCliDeps): void {
  const register = program
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
    .option('--out <dir>', 'where provisioning bundles (and the ledger) go; they hold private keys: a new folder gets a .gitignore of *', DEFAULT_OUT)
    .option('--tar', 'also write <out>/<name>.tar per device')
    .option('--iot-role-arn <arn>', 'IAM role IoT devices assume (needed when the role alias does not exist yet)')
    .option('--iot-role-alias <alias>', 'IoT role alias for the credentials provider (default edge-agent-codedeploy)')
    .option('--iot-policy <name>', 'IoT policy attached to device certificates, created once (default edge-agent-device)')
    .option('--iot-ca <file>', 'CA certificate devices use to verify AWS IoT endpoints (e.g. AmazonRootCA1.pem; default $EDGE_IOT_CA)')
    .option('--revision-bucket <bucket>', 'limit created IAM users to reading revisions from this S3 bucket');
  addGlobalOptions(register).action(async (name: string | undefined, o: RegisterOptions) => {
    const { renderRegisterReport } = await import('../output/fleet-human.js');
    await deps.session.run(spec('register', o.json, renderRegisterReport), async () => {
      const cmd = await import('../commands/register.js');
      return cmd.register(name, o, deps.fleetDeps(o));
    });
  });

  const deregister = program
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
    .option('--out <dir>', 'bundle folder of fleetctl register: bundles of devices whose credentials are deleted are removed', DEFAULT_OUT);
  addGlobalOptions(deregister).action(async (names: string[], o: DeregisterFlags) => {
    const { renderDeregisterReport } = await import('../output/fleet-human.js');
    await deps.session.run(spec('deregister', o.json, renderDeregisterReport), async () => {
      const cmd = await import('../commands/deregister.js');
      return cmd.deregister(names, o, deps.fleetDeps(o));
    });
  });

  const ls = program
    .command('ls')
    .description('list on-premises instances with their identity and tags')
    .option('--tag <Key=Value>', 'only devices with this tag (repeat: all must match)', parseRepeatable)
    .option('--status <status>', 'Registered or Deregistered (default: both)');
  addGlobalOptions(ls).action(async (o: LsFlags) => {
    const { renderLs } = await import('../output/fleet-human.js');
    await deps.session.run(spec('ls', o.json, renderLs), async () => (await import('../commands/ls-status.js')).ls(o, deps.fleetDeps(o)));
  });

  const status = program
    .command('status')
    .description('registration, tags, newest deployment and live health (device shadow) per device')
    .argument('[names...]', 'devices (default: all registered, filtered by --tag)')
    .option('--tag <Key=Value>', 'only devices with this tag (repeat: all must match)', parseRepeatable)
    .option('--deployments <n>', 'how many of the newest deployments to look through (default 25)', positiveInt);
  addGlobalOptions(status).action(async (names: string[], o: LsFlags) => {
    const { renderStatus } = await import('../output/fleet-human.js');
    await deps.session.run(spec('status', o.json, renderStatus), async () => (await import('../commands/ls-status.js')).status(names, o, deps.fleetDeps(o)));
  });
}
