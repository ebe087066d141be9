// Lifecycle events: their order, which revision a hook's scripts come from (HookExecutor), and the hook-set check
// the official agent runs at Install (CommandExecutor, when the spec lists AllPossibleLifecycleEvents).

import { APPSPEC_MESSAGES } from './messages.js';
import type { AppSpec, AppSpecIssue } from './types.js';

/** AWS::CodeDeploy::Local::Deployer::DEFAULT_ORDERED_LIFECYCLE_EVENTS. */
export const DEFAULT_ORDERED_LIFECYCLE_EVENTS = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;

/** The commands the agent runs as hooks (its DEFAULT_HOOK_MAPPING keys), in lifecycle order. */
export const HOOK_EVENTS = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;

/** Commands the agent handles itself; never hooks. */
export const RESERVED_COMMANDS = ['DownloadBundle', 'Install'] as const;

export type LifecycleEvent = (typeof DEFAULT_ORDERED_LIFECYCLE_EVENTS)[number];
export type HookEvent = (typeof HOOK_EVENTS)[number];

/**
 * Where a hook's scripts come from when the current deployment has no deployment-archive yet (otherwise always the
 * current archive): the last successful install, the most recent install (missing pointer -> the hook is a no-op),
 * or the new revision.
 */
export type RevisionSource = 'LastSuccessfulOrIgnore' | 'MostRecentOrIgnore' | 'New';

export interface DeploymentKind {
  /** DeploymentType from the deployment spec, e.g. IN_PLACE or BLUE_GREEN (compared case-sensitively). */
  readonly deploymentType?: string;
  /** DeploymentCreator, e.g. user, autoscaling, codeDeployRollback (compared case-sensitively). */
  readonly deploymentCreator?: string;
}

/** HookExecutor's mapping; BLUE_GREEN deployments created by codeDeployRollback use the rollback column. */
export function revisionSourceFor(event: string, kind: DeploymentKind): RevisionSource {
  const blueGreenRollback = kind.deploymentType === 'BLUE_GREEN' && kind.deploymentCreator === 'codeDeployRollback';
  switch (event) {
    case 'BeforeBlockTraffic':
    case 'AfterBlockTraffic':
      return blueGreenRollback ? 'MostRecentOrIgnore' : 'LastSuccessfulOrIgnore';
    case 'ApplicationStop':
      return 'LastSuccessfulOrIgnore';
    case 'BeforeAllowTraffic':
    case 'AfterAllowTraffic':
      return blueGreenRollback ? 'LastSuccessfulOrIgnore' : 'New';
    default:
      return 'New';
  }
}

export interface HookSetOptions {
  /** The spec's AppSpecFilename, as it appears in the messages (e.g. appspec.yml). */
  readonly appspecFilename: string;
  /** The spec's AllPossibleLifecycleEvents; when absent nothing is checked (as in the official agent). */
  readonly allPossibleLifecycleEvents?: readonly string[];
  /** The executor's hook-mapping keys: HOOK_EVENTS in the agent; (default 11 + --events) - reserved locally. */
  readonly hookMappingKeys: readonly string[];
}

/** Ruby `a - b` on arrays: a's elements not in b, order and duplicates kept. */
const minus = (a: readonly string[], b: readonly string[]): string[] => {
  const drop = new Set(b);
  return a.filter((x) => !drop.has(x));
};

/** Ruby `a.to_set.merge(b).to_a`: a then b, each element once, first occurrence first. */
const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];

/** The official hook-set validation at Install (section 4.5); undefined when the set is fine. */
export function validateHookSet(appspec: AppSpec, options: HookSetOptions): AppSpecIssue | undefined {
  const all = options.allPossibleLifecycleEvents;
  if (all === undefined) return undefined;
  const hookNames = Object.keys(appspec.hooks);

  const unknown = minus(union(hookNames, options.hookMappingKeys), all);
  if (unknown.length > 0) {
    return {
      code: 'APPSPEC_UNKNOWN_LIFECYCLE_EVENTS',
      message: APPSPEC_MESSAGES.unknownLifecycleEvents(options.appspecFilename, unknown),
      path: 'hooks',
    };
  }
  const custom = minus(all, DEFAULT_ORDERED_LIFECYCLE_EVENTS);
  const missing = minus(custom, union(hookNames, HOOK_EVENTS));
  if (missing.length > 0) {
    return {
      code: 'APPSPEC_CUSTOM_EVENT_MISSING',
      message: APPSPEC_MESSAGES.customEventMissing(options.appspecFilename, missing),
      path: 'hooks',
    };
  }
  return undefined;
}

function scriptsFor(appspec: AppSpec | undefined, event: string): AppSpec['hooks'][string] {
  if (appspec === undefined || !Object.hasOwn(appspec.hooks, event)) return [];
  return appspec.hooks[event] ?? [];
}

/**
 * A hook is a no-op when there is no AppSpec (e.g. ApplicationStop on a first deployment) or no scripts for it.
 * DownloadBundle and Install are never no-ops.
 */
export function isNoopHook(appspec: AppSpec | undefined, event: string): boolean {
  if ((RESERVED_COMMANDS as readonly string[]).includes(event)) return false;
  return scriptsFor(appspec, event).length === 0;
}

/** The sum of the event's script timeouts in seconds (0 when it has none). */
export function hookTimeoutSum(appspec: AppSpec | undefined, event: string): number {
  return scriptsFor(appspec, event).reduce((acc, s) => acc + s.timeout, 0);
}

/** The AppSpec hook names that are not lifecycle events (custom events), in AppSpec order. */
export function customHookEvents(hookNames: readonly string[]): string[] {
  return minus(hookNames, DEFAULT_ORDERED_LIFECYCLE_EVENTS);
}

/** Events that check the running application; custom events are suggested before them. */
const AFTER_CUSTOM = new Set<string>(['ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic']);

/**
 * An -e/--events list that runs every hook of an AppSpec, custom events included: its standard hooks in
 * lifecycle order, the custom events after the install hooks and before ValidateService and the traffic hooks.
 */
export function suggestedEventList(hookNames: readonly string[]): string[] {
  const standard = HOOK_EVENTS.filter((e) => hookNames.includes(e));
  const at = standard.findIndex((e) => AFTER_CUSTOM.has(e));
  const cut = at === -1 ? standard.length : at;
  return [...standard.slice(0, cut), ...customHookEvents(hookNames), ...standard.slice(cut)];
}
