// The command-line definition of `fleetctl release push`. Only flags live here; the action imports
// the command module when it runs (so other commands never load it).
import type { Command } from 'commander';
import type { CliSession } from '../../shared/cli/commander.js';
import type { ReleasePushFlags } from '../commands/release.js';
import { positiveInt } from './fleet-options.js';

export interface ReleaseCliDeps {
  readonly session: CliSession;
  /** The environment, read at the composition root only (region, source commit). */
  readonly env: NodeJS.ProcessEnv;
}

export function releaseCommands(program: Command, deps: ReleaseCliDeps): void {
  program
    .command('release')
    .description('push one release of the application (device revision, cloud stack, web files) to the release bucket')
    .command('push')
    .description('check every part, pack folders reproducibly, upload (SHA-256 checksums, SSE-KMS), register the device revision, write the manifest')
    .requiredOption('--version <version>', 'the release version, e.g. v1.2.0 (immutable once pushed)')
    .option('--config <file>', 'the rollout config', 'fleet.yml')
    .option('--force', 'replace a version that exists with other content (only if it was never rolled out)')
    .option('--offline', 'check the CloudFormation template locally only (no ValidateTemplate)')
    .option('--part-size <MiB>', 'multipart part size in MiB (at least 5; default 8)', positiveInt)
    .option('--profile <name>', 'AWS profile from ~/.aws/config')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (e.g. the sandbox)')
    .option('--json', 'print one JSON document (schema fleetctl.release-push/v1)')
    .action(async (o: ReleasePushFlags) => {
      const { releasePush, renderReleasePush, sourceFromEnv, RELEASE_PUSH_COMMAND } = await import('../commands/release.js');
      const region = deps.env['AWS_REGION'] ?? deps.env['AWS_DEFAULT_REGION'];
      const source = sourceFromEnv(deps.env);
      await deps.session.run({ command: RELEASE_PUSH_COMMAND, schemaVersion: 1, json: o.json === true, human: renderReleasePush }, () =>
        releasePush(o, { ...(region ? { defaultRegion: region } : {}), ...(source ? { source } : {}), env: deps.env }),
      );
    });
}
