// The deployment state machine as data (pure: no I/O).
//
// Outer level: one deployment on this host. CodeDeploy drives the order by sending one command
// per lifecycle event; the engine checks that each command is legal in the deployment's state.
// The state itself is derived from disk (is the revision unpacked? does the group's
// last-successful pointer name this deployment?), so it survives crashes without a journal.
//
// Inner level: one command, received → tracked → running → succeeded | failed → reported.
// The tracking file exists exactly in `tracked` and `running`; finding one at start means the
// agent died there, and the command is reported failed with code 7.

export const DEPLOYMENT_STATES = ['Pending', 'Downloaded', 'Installed'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

export const COMMAND_KINDS = ['PreDownloadHook', 'DownloadBundle', 'PreInstallHook', 'Install', 'PostInstallHook'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** Legal commands per state and the state they lead to on success. A missing row is out of order. */
export const DEPLOYMENT_TRANSITIONS: Readonly<Record<DeploymentState, Readonly<Partial<Record<CommandKind, DeploymentState>>>>> = {
  Pending: { PreDownloadHook: 'Pending', DownloadBundle: 'Downloaded' },
  Downloaded: { PreDownloadHook: 'Downloaded', DownloadBundle: 'Downloaded', PreInstallHook: 'Downloaded', Install: 'Installed' },
  Installed: { PreDownloadHook: 'Installed', DownloadBundle: 'Downloaded', Install: 'Installed', PostInstallHook: 'Installed' },
};

const PRE_DOWNLOAD = new Set(['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop']);

export function commandKind(commandName: string): CommandKind {
  if (commandName === 'DownloadBundle' || commandName === 'Install') return commandName;
  if (PRE_DOWNLOAD.has(commandName)) return 'PreDownloadHook';
  if (commandName === 'BeforeInstall') return 'PreInstallHook';
  return 'PostInstallHook';
}

export type Transition = { readonly ok: true; readonly next: DeploymentState } | { readonly ok: false; readonly reason: string };

export function nextDeploymentState(state: DeploymentState, commandName: string): Transition {
  const kind = commandKind(commandName);
  const next = DEPLOYMENT_TRANSITIONS[state][kind];
  if (next !== undefined) return { ok: true, next };
  const need = kind === 'Install' || kind === 'PreInstallHook' ? 'DownloadBundle' : 'Install';
  return { ok: false, reason: `${commandName} cannot run while the deployment is ${state}: ${need} has not completed for this deployment` };
}

export const COMMAND_PHASES = ['received', 'tracked', 'running', 'succeeded', 'failed', 'reported'] as const;
export type CommandPhase = (typeof COMMAND_PHASES)[number];
export type CommandSignal = 'track' | 'start' | 'succeed' | 'fail' | 'report';

export const COMMAND_TRANSITIONS: Readonly<Record<CommandPhase, Readonly<Partial<Record<CommandSignal, CommandPhase>>>>> = {
  received: { track: 'tracked', fail: 'failed' },
  tracked: { start: 'running', fail: 'failed' },
  running: { succeed: 'succeeded', fail: 'failed' },
  succeeded: { report: 'reported' },
  failed: { report: 'reported' },
  reported: {},
};

export function nextCommandPhase(phase: CommandPhase, signal: CommandSignal): CommandPhase {
  const next = COMMAND_TRANSITIONS[phase][signal];
  if (next === undefined) throw new Error(`internal: illegal command transition ${phase} --${signal}-->`);
  return next;
}

/** Phases in which the ongoing-deployment tracking file must exist. */
export const TRACKED_PHASES: readonly CommandPhase[] = ['tracked', 'running'];
