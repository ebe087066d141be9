// What the SDK's default chains resolve before any work starts: the region (from the profile when the
// root found none in flags or the environment) and whether credentials exist. Missing ones are a
// configuration error (CLI_AWS_CONFIG, exit 2) naming what to set, instead of an SDK error mid-run.
// Part of the SDK adapter: only commands that talk to AWS import it.
import { STSClient } from '@aws-sdk/client-sts';
import { EdgeError } from '../../shared/errors.js';

export const AWS_SETUP = 'set AWS_REGION (or pass --region) and credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --profile)';

export interface SdkDefaults {
  readonly region: string;
}

/** Resolves the region and checks that credentials resolve; throws CLI_AWS_CONFIG otherwise. */
export async function resolveSdkDefaults(opts: { region?: string; profile?: string }): Promise<SdkDefaults> {
  const probe = new STSClient({ ...(opts.region ? { region: opts.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) });
  try {
    let region: string | undefined;
    try {
      region = await probe.config.region();
    } catch {
      region = undefined;
    }
    if (!region) throw new EdgeError('CLI_AWS_CONFIG', `no AWS region: ${AWS_SETUP}`);
    try {
      await probe.config.credentials();
    } catch (e) {
      const profile = opts.profile ? ` for profile ${opts.profile}` : '';
      throw new EdgeError('CLI_AWS_CONFIG', `no AWS credentials${profile} (${(e as Error).message}): ${AWS_SETUP}`, { cause: e });
    }
    return { region };
  } finally {
    probe.destroy();
  }
}
