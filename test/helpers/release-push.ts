// `fleetctl release push` in the test's own process, against a sandbox: releasePush reads the AWS
// settings from the environment, so the sandbox's are put in place for the call and taken out again.
import type { Sandbox } from '../../sandbox/sandbox.js';

/** Pushes `version` of the release `config` describes (offline template check), as the CLI would. */
export async function pushRelease(sb: Sandbox, config: string, version: string): Promise<void> {
  const { releasePush } = await import('../../controller/commands/release.js');
  const saved = { ...process.env };
  Object.assign(process.env, sb.env());
  try {
    await releasePush({ version, config, offline: true, endpointUrl: sb.url });
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
