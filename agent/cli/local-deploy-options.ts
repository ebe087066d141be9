// `edge-agent deploy` (the codedeploy-local equivalent): argument validation with the official
// messages, the ordered event list, and the generated deployment spec.
import { randomInt } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_ORDERED_LIFECYCLE_EVENTS, FILE_EXISTS_BEHAVIORS } from '../../appspec/index.js';
import { EdgeError } from '../../shared/errors.js';
import { parseDeploymentSpec, type DeploymentSpec } from '../deployment/deployment-spec.js';
import { commandKind, nextDeploymentState, type DeploymentState } from '../deployment/transitions.js';

export const BUNDLE_TYPES = ['tgz', 'tar', 'zip', 'directory'] as const;

export interface LocalDeployOptions {
  readonly bundleLocation: string;
  readonly type: string;
  readonly fileExistsBehavior: string;
  readonly deploymentGroup: string;
  readonly deploymentGroupName: string;
  readonly applicationName?: string;
  readonly events?: readonly string[];
  readonly appspecFilename?: string;
}

/** Events that run from the last successful revision and so may come before DownloadBundle. */
const PREVIOUS_REVISION_EVENTS = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop'];
/** Standard events that need the new revision (BeforeInstall only needs it downloaded). */
const NEW_REVISION_EVENTS = ['AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic'];

const usage = (message: string): EdgeError => new EdgeError('CLI_USAGE', message);

export function parseEventList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Command names are PascalCase (the official check), e.g. ApplicationStart or CustomEvent. */
export const isEventName = (name: string): boolean => /^([A-Z][a-z0-9]+)+$/.test(name);

/** The official codedeploy-local order checks, with its messages. */
export function validateEventOrder(events: readonly string[], raw: string): void {
  const before = (stop: string): string[] => events.slice(0, Math.max(0, events.indexOf(stop)));
  if (events.includes('DownloadBundle') && [...NEW_REVISION_EVENTS, 'Install'].some((e) => before('DownloadBundle').includes(e))) {
    throw usage(`The only events that can be specified before DownloadBundle are ${PREVIOUS_REVISION_EVENTS.join(',')}. Please fix the order of your specified events: ${raw}`);
  }
  if (events.includes('Install') && NEW_REVISION_EVENTS.some((e) => before('Install').includes(e))) {
    throw usage(`The only events that can be specified before Install are ${[...PREVIOUS_REVISION_EVENTS, 'DownloadBundle', 'BeforeInstall'].join(',')}. Please fix the order of your specified events: ${raw}`);
  }
  const bad = events.find((e) => !isEventName(e));
  if (bad !== undefined) throw usage(`event ${JSON.stringify(bad)} is not a valid lifecycle event name: names are PascalCase, e.g. ApplicationStart or CustomEvent`);
}

/**
 * The engine's order on the list that will run (DownloadBundle/Install added): BeforeInstall between
 * DownloadBundle and Install, every other event that is not a previous-revision one (custom events too)
 * after Install. The official tool runs such a list anyway, with hooks that find no revision or the wrong one.
 */
export function validateRunOrder(list: readonly string[], raw: string): void {
  let state: DeploymentState = 'Pending';
  for (const event of list) {
    const step = nextDeploymentState(state, event);
    if (step.ok) {
      state = step.next;
      continue;
    }
    const kind = commandKind(event);
    const rule =
      kind === 'PreInstallHook' && state === 'Installed'
        ? 'BeforeInstall runs before Install (it prepares the host for the new files): list it before Install'
        : kind === 'PreInstallHook' || kind === 'Install'
          ? `${event} needs the new revision: list it after DownloadBundle`
          : `${event} runs after the new revision is installed: list it after Install`;
    throw usage(`${rule}. Please fix the order of your specified events: ${raw}`);
  }
}

/**
 * The events to run, in order: the default 11, or the given events in the order given, with DownloadBundle
 * and Install added when missing where the lifecycle has them: DownloadBundle after the leading
 * previous-revision events (BeforeBlockTraffic, AfterBlockTraffic, ApplicationStop), Install after
 * DownloadBundle and a BeforeInstall that follows it. For a list starting with any other event this is the
 * official result (both prepended).
 */
export function orderedEvents(events: readonly string[] | undefined): string[] {
  if (!events || events.length === 0) return [...DEFAULT_ORDERED_LIFECYCLE_EVENTS];
  const list = [...events];
  if (!list.includes('DownloadBundle')) {
    const at = list.findIndex((e) => !PREVIOUS_REVISION_EVENTS.includes(e));
    list.splice(at === -1 ? list.length : at, 0, 'DownloadBundle');
  }
  if (!list.includes('Install')) {
    const from = list.indexOf('DownloadBundle') + 1;
    const at = list.slice(from).findIndex((e) => e !== 'BeforeInstall');
    list.splice(at === -1 ? list.length : from + at, 0, 'Install');
  }
  return list;
}

export function validateLocalOptions(o: LocalDeployOptions): void {
  if (!(BUNDLE_TYPES as readonly string[]).includes(o.type)) throw usage(`type ${o.type} is not a valid type. Must be one of ${BUNDLE_TYPES.join(',')}`);
  const loc = o.bundleLocation;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(loc)?.[1]?.toLowerCase();
  if (scheme === 'http') throw usage(`location ${loc} cannot be http, only encrypted (https) url endpoints supported`);
  if (scheme === 's3' || scheme === 'https') {
    throw usage(`location ${loc} is remote; this build deploys local bundles only (S3 revisions come through the agent daemon). Download the bundle and pass its path.`);
  }
  const path = scheme === 'file' ? loc.slice('file://'.length) : loc;
  if (!existsSync(path)) throw usage(`location ${loc} is specified as a file or directory which does not exist`);
  const isDir = statSync(path).isDirectory();
  if (o.type === 'directory' && !isDir) throw usage(`location ${loc} is specified with type directory but it is a file`);
  if (o.type !== 'directory' && isDir) throw usage(`location ${loc} is specified as a compressed local file but it is a directory`);
  if (o.type === 'directory') {
    const names = [...new Set([o.appspecFilename ?? 'appspec.yml', 'appspec.yml', 'appspec.yaml'])];
    if (!names.some((n) => existsSync(join(path, n)))) {
      throw usage(
        `Expecting appspec file at location ${join(path, o.appspecFilename ?? 'appspec.yml')} but it is not found there. Please either run the CLI from within a directory containing the appspec.yml file or specify a bundle location containing an appspec.yml file in its root directory`,
      );
    }
  }
  // codedeploy-local checks the value only when a file conflicts; refusing before anything runs is friendlier
  if (!(FILE_EXISTS_BEHAVIORS as readonly string[]).includes(o.fileExistsBehavior.toUpperCase())) {
    throw usage(`file-exists-behavior ${o.fileExistsBehavior} is not valid. Must be one of ${FILE_EXISTS_BEHAVIORS.join(',')}`);
  }
  if (o.events) {
    const raw = o.events.join(',');
    validateEventOrder(o.events, raw);
    validateRunOrder(orderedEvents(o.events), raw);
  }
}

export function localDeploymentId(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let id = '';
  for (let i = 0; i < 9; i++) id += chars[randomInt(chars.length)];
  return `d-${id}-local`;
}

export function buildLocalSpec(o: LocalDeployOptions, events: readonly string[], deploymentId = localDeploymentId()): DeploymentSpec {
  const location = resolve(o.bundleLocation.replace(/^file:\/\//, ''));
  return parseDeploymentSpec({
    ApplicationId: o.bundleLocation,
    ApplicationName: o.applicationName ?? o.bundleLocation,
    DeploymentGroupId: o.deploymentGroup,
    DeploymentGroupName: o.deploymentGroupName,
    DeploymentId: deploymentId,
    AppSpecFilename: o.appspecFilename ?? 'appspec.yml',
    AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: o.fileExistsBehavior } },
    Revision: { RevisionType: o.type === 'directory' ? 'Local Directory' : 'Local File', LocalRevision: { Location: location, BundleType: o.type } },
    AllPossibleLifecycleEvents: [...new Set([...DEFAULT_ORDERED_LIFECYCLE_EVENTS, ...events])],
  });
}
