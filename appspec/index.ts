// Public surface of appspec/: re-exports only.
export type {
  AclEntry,
  AclEntryType,
  AppSpec,
  AppSpecFile,
  AppSpecHookScript,
  AppSpecIssue,
  AppSpecPermission,
  AppSpecWarning,
  FileExistsBehavior,
  ParseResult,
  PermissionObjectType,
  SelinuxContext,
} from './types.js';
export { FILE_EXISTS_BEHAVIORS } from './types.js';
export { parseAppSpec } from './parse.js';
export { aclToString, parseAce, type AceParseResult } from './acl.js';
export { formatSelinuxRange, parseSelinuxRange, type SelinuxRange, type SelinuxRangeResult } from './selinux-range.js';
export { simpleGlobMatch } from './glob.js';
export {
  DEFAULT_ORDERED_LIFECYCLE_EVENTS,
  HOOK_EVENTS,
  RESERVED_COMMANDS,
  hookTimeoutSum,
  isNoopHook,
  revisionSourceFor,
  validateHookSet,
  type DeploymentKind,
  type HookEvent,
  type HookSetOptions,
  type LifecycleEvent,
  type RevisionSource,
} from './lifecycle.js';
export { DEFAULT_HOOK_TIMEOUT_SECONDS, MAX_EVENT_TIMEOUT_SECONDS } from './parse-hooks.js';
export { APPSPEC_MESSAGES } from './messages.js';
