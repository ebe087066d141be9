// What a gate command is told (pure): the controller's environment plus the rollout, wave and
// target it checks, and the target's stack outputs, one variable each and all of them as JSON.
//
//   FLEETCTL_ROLLOUT_ID FLEETCTL_RELEASE FLEETCTL_ENVIRONMENT FLEETCTL_WAVE FLEETCTL_TARGET
//   FLEETCTL_TARGET_KIND FLEETCTL_ACCOUNT FLEETCTL_REGION FLEETCTL_OUTPUTS_JSON FLEETCTL_OUTPUT_<KEY>
import type { Target } from '../config-types.js';

export interface CommandContext {
  readonly rolloutId: string;
  readonly version: string;
  readonly environment: string;
  readonly wave: string;
  readonly target: Target;
  /** The target's stack outputs from the journal ({} for targets without any). */
  readonly outputs: Readonly<Record<string, string>>;
}

export const OUTPUT_PREFIX = 'FLEETCTL_OUTPUT_';

/** `ApiUrl` → FLEETCTL_OUTPUT_APIURL, `api-url` → FLEETCTL_OUTPUT_API_URL. */
export const outputVariable = (key: string): string => OUTPUT_PREFIX + key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');

/** An environment value cannot hold NUL (spawn refuses it). */
const clean = (v: string): string => v.replace(/\0/g, '');

export function commandEnv(base: Readonly<Record<string, string | undefined>>, ctx: CommandContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    // outputs of an enclosing rollout (a gate command that itself runs fleetctl) must not pass as this target's
    if (v !== undefined && !k.startsWith(OUTPUT_PREFIX)) env[k] = v;
  }
  const outputs = Object.entries(ctx.outputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of outputs) env[outputVariable(key)] = clean(value);
  return {
    ...env,
    FLEETCTL_ROLLOUT_ID: ctx.rolloutId,
    FLEETCTL_RELEASE: ctx.version,
    FLEETCTL_ENVIRONMENT: ctx.environment,
    FLEETCTL_WAVE: ctx.wave,
    FLEETCTL_TARGET: ctx.target.name,
    FLEETCTL_TARGET_KIND: ctx.target.kind,
    FLEETCTL_ACCOUNT: ctx.target.account ?? '',
    FLEETCTL_REGION: ctx.target.region,
    FLEETCTL_OUTPUTS_JSON: clean(JSON.stringify(Object.fromEntries(outputs))),
  };
}
