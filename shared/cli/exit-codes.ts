// The exit-code contract of both programs (edge-agent and fleetctl), documented in README.md and in
// every `--help`: 0 success, 1 the work failed, 2 usage or configuration, 3 waiting for a person.

export const ExitCode = {
  /** Everything asked for was done (or there was nothing to do). */
  OK: 0,
  /** The work itself failed: a device, a deployment, a check, a validation. */
  FAILED: 1,
  /** The command could not start: unknown flag, missing argument, bad or missing configuration, credentials or region. */
  USAGE: 2,
  /** Stopped to wait for a person: a rollout wave waiting for its approval, or a paused rollout. */
  WAITING: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The contract as help text, appended to `--help` of both programs. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  success',
  '  1  the work failed (see the output)',
  '  2  usage or configuration error (unknown flag, missing argument, config, credentials, region)',
  '  3  waiting for a person (a rollout approval, or a paused rollout)',
].join('\n');
