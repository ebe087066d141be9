// The one coded error registry for both programs.
// Every error we raise is an EdgeError whose `code` is a key of ERROR_CODES.
// `diagnostic` is the CodeDeploy host-agent error_code (0-7) reported in completion diagnostics;
// `action` tells the user what to do. Retired codes are never reused.

export interface ErrorCodeInfo {
  /** CodeDeploy completion error_code: 1 ScriptMissing, 2 ScriptNotExecutable, 3 ScriptTimedOut,
   * 4 ScriptFailed, 5 UnknownError, 6 outputs left open, 7 failed after restart. */
  readonly diagnostic: 1 | 2 | 3 | 4 | 5 | 6 | 7;
  readonly retryable: boolean;
  readonly summary: string;
  readonly action: string;
}

const appspec = (summary: string, action: string): ErrorCodeInfo => ({ diagnostic: 5, retryable: false, summary, action });
const install = appspec;
const archive = appspec;

export const ERROR_CODES = {
  // --- AppSpec (appspec/) -------------------------------------------------------------
  APPSPEC_NOT_FOUND: appspec('no AppSpec file in the revision', 'Put appspec.yml at the root of the revision (or pass -A/--appspec-filename).'),
  APPSPEC_YAML_SYNTAX: appspec('the AppSpec file is not valid YAML/JSON', 'Fix the syntax error at the line and column shown.'),
  APPSPEC_NOT_A_MAP: appspec('the AppSpec document is not a mapping', 'The top level of the AppSpec must be a map with version, os, files, hooks.'),
  APPSPEC_EMPTY: appspec('the AppSpec file is empty', "Define at least 'version: 0.0' and 'os: linux'."),
  APPSPEC_INVALID_VERSION: appspec('the AppSpec version is not 0.0', 'Write version: 0.0 (unquoted).'),
  APPSPEC_UNSUPPORTED_OS: appspec('the AppSpec os is not supported', 'Write os: linux.'),
  APPSPEC_INVALID_FILE_EXISTS_BEHAVIOR: appspec('file_exists_behavior has an unknown value', 'Use DISALLOW, OVERWRITE or RETAIN.'),
  APPSPEC_INVALID_SHAPE: appspec('an AppSpec section has the wrong type', 'files and permissions are lists, hooks is a map of event name to a list of scripts.'),
  APPSPEC_FILE_NO_SOURCE: appspec('a files entry has no source', 'Add source: to the files entry.'),
  APPSPEC_FILE_NO_DESTINATION: appspec('a files entry has no destination', 'Add destination: to the files entry.'),
  APPSPEC_PERMISSION_NO_OBJECT: appspec('a permissions entry has no object', 'Add object: to the permissions entry.'),
  APPSPEC_PERMISSION_BAD_TYPE: appspec('a permissions entry has an unsupported type', 'type may list only file and directory.'),
  APPSPEC_PERMISSION_WINDOWS: appspec('permissions are not supported with os: windows', 'Remove the permissions section.'),
  APPSPEC_MODE_LENGTH: appspec('a permissions mode has the wrong length', 'Use 1 to 4 octal digits, e.g. mode: 644.'),
  APPSPEC_MODE_CHARACTER: appspec('a permissions mode has a non-octal digit', 'Use only the digits 0-7.'),
  APPSPEC_ACL_INVALID: appspec('an ACL entry is malformed', 'Use [d:][u|g|m|o:][name:]perms, e.g. u:pi:rwx.'),
  APPSPEC_ACL_CHARACTER: appspec('an ACL entry has invalid permission characters', 'Use r, w, x, - or one octal digit.'),
  APPSPEC_ACL_BASE_ENTRY: appspec('an ACL entry sets a base entry', 'Use mode to set the owner/group/other entries.'),
  APPSPEC_CONTEXT_TYPE: appspec('an SELinux context has no type', 'Add type: to the context.'),
  APPSPEC_SELINUX_RANGE: appspec('an SELinux range is invalid', 'Use s<n>[-s<m>][:c<a>[.c<b>],...].'),
  APPSPEC_HOOK_NO_LOCATION: appspec('a hook script has no location', 'Add location: (path relative to the revision root).'),
  APPSPEC_HOOK_BAD_TIMEOUT: appspec('a hook script timeout is invalid', 'Use a whole number of seconds greater than 0.'),
  APPSPEC_UNKNOWN_LIFECYCLE_EVENTS: appspec('the AppSpec names unknown lifecycle events', 'Use the standard event names, or pass custom events with -e/--events.'),
  APPSPEC_CUSTOM_EVENT_MISSING: appspec('a requested custom event is not in the AppSpec', 'Add the event to hooks, or remove it from -e/--events.'),
  // --- Deployment spec / commands (agent/deployment) ----------------------------------
  SPEC_INVALID: appspec('the deployment specification is invalid', 'This comes from the service; check the deployment or the local-deploy flags.'),
  COMMAND_UNSUPPORTED: appspec('the command name is not supported', 'Only DownloadBundle, Install and the lifecycle hooks can be run.'),
  COMMAND_OUT_OF_ORDER: appspec('the command is not legal in the deployment state', 'Run DownloadBundle before Install and Install before the post-install hooks.'),
  AGENT_RESTARTED: { diagnostic: 7, retryable: false, summary: 'the agent stopped while a lifecycle event was running', action: 'Redeploy; the next deployment starts clean.' },
  // --- Bundles and archives (agent/revision) ------------------------------------------
  BUNDLE_NOT_FOUND: archive('the bundle location does not exist', 'Check the path or URL of the revision.'),
  BUNDLE_TYPE_MISMATCH: archive('the bundle type does not match the location', 'Use -t directory for a folder and tar|tgz|zip for a file.'),
  ARCHIVE_CORRUPT: archive('the archive could not be read', 'Rebuild the bundle; check that -t matches its format.'),
  ARCHIVE_ABSOLUTE_PATH: archive('an archive entry has an absolute path', 'Build the bundle with relative paths (tar -C dir .).'),
  ARCHIVE_PATH_ESCAPE: archive('an archive entry escapes the destination', 'Remove entries with .. from the bundle.'),
  ARCHIVE_LINK_ESCAPE: archive('an archive link points outside the destination', 'Remove symlinks/hardlinks that leave the bundle.'),
  ARCHIVE_SPECIAL_ENTRY: archive('an archive holds a device, fifo or socket', 'Bundles may hold only files, directories and links.'),
  ARCHIVE_TOO_LARGE: archive('the archive expands past the size limit', 'Shrink the bundle or raise archive_max_bytes in the agent config.'),
  ARCHIVE_TOO_MANY_ENTRIES: archive('the archive has too many entries', 'Shrink the bundle or raise archive_max_entries in the agent config.'),
  ARCHIVE_WRITE_FAILED: archive('the revision could not be written to disk', 'Check free space (df -h) and permissions of the deployment root.'),
  PRUNE_FAILED: archive('old revisions could not be removed', 'Check permissions and free space under the deployment root.'),
  // --- Install (agent/revision/installer) ---------------------------------------------
  INSTALL_SOURCE_MISSING: install('a files source is not in the revision', 'Fix the source path in the files section.'),
  INSTALL_FILE_EXISTS: install('a destination file already exists', 'Use file_exists_behavior OVERWRITE or RETAIN, or remove the file.'),
  INSTALL_INVALID_FILE_EXISTS_BEHAVIOR: install('the file-exists behaviour is invalid', 'Use OVERWRITE, RETAIN or DISALLOW.'),
  INSTALL_DUPLICATE_DESTINATION: install('two sources target the same destination', 'Remove one of the files entries.'),
  INSTALL_COPY_MKDIR_CONFLICT: install('a file and a directory target the same path', 'Change the files section so a path is either a file or a directory.'),
  INSTALL_MKDIR_DUPLICATE: install('a directory is created twice', 'Change the files section.'),
  INSTALL_PERMISSION_PATTERN: install('a pattern is applied to a file', 'Remove pattern from a permission whose object is a file.'),
  INSTALL_PERMISSION_EXCEPT: install('except is applied to a file', 'Remove except from a permission whose object is a file.'),
  INSTALL_PERMISSION_TWICE: install('a path gets permissions twice', 'Make the permissions entries not overlap.'),
  INSTALL_DEFAULT_ACL_ON_FILE: install('a default ACL is applied to a file', 'Apply d: entries to directories only.'),
  INSTALL_SETFACL_MISSING: install('setfacl is not installed', 'Install it: sudo apt-get install acl.'),
  INSTALL_SETFACL_FAILED: install('setfacl failed', 'Check the ACL entries and that the filesystem supports ACLs.'),
  INSTALL_SEMANAGE_FAILED: install('semanage/restorecon failed', 'Check the SELinux context, or remove it on systems without SELinux.'),
  INSTALL_UNKNOWN_OWNER: install('an owner or group does not exist', 'Create the user/group on the device first (e.g. in BeforeInstall).'),
  INSTALL_IO: install('a file could not be written during Install', 'Check free space and permissions of the destination.'),
  // --- Hooks (agent/hooks) ------------------------------------------------------------
  HOOK_SCRIPT_MISSING: { diagnostic: 1, retryable: false, summary: 'a hook script does not exist', action: 'Add the script to the revision or fix its location.' },
  HOOK_SCRIPT_NOT_EXECUTABLE: { diagnostic: 2, retryable: false, summary: 'a hook script is not executable', action: 'chmod +x the script in the bundle.' },
  HOOK_SCRIPT_TIMED_OUT: { diagnostic: 3, retryable: false, summary: 'a hook script ran past its timeout', action: 'Make the script finish sooner or raise its timeout.' },
  HOOK_SCRIPT_FAILED: { diagnostic: 4, retryable: false, summary: 'a hook script failed', action: 'See scripts.log for its output.' },
  HOOK_OUTPUTS_LEFT_OPEN: { diagnostic: 6, retryable: false, summary: 'a hook script left stdout/stderr open', action: 'Redirect background processes: cmd >/dev/null 2>&1 </dev/null &' },
  // --- Daemon: Commands protocol, revisions from S3, identity (agent/command, agent/config) ---
  COMMANDS_UNAVAILABLE: { diagnostic: 5, retryable: true, summary: 'the CodeDeploy Commands service could not be reached', action: 'Check the network, proxy and the commands endpoint; the agent keeps retrying with back-off.' },
  COMMANDS_THROTTLED: { diagnostic: 5, retryable: true, summary: 'the CodeDeploy Commands service throttled the agent', action: 'Nothing to do: the agent waits longer before polling again.' },
  COMMANDS_REJECTED: { diagnostic: 5, retryable: false, summary: 'the CodeDeploy Commands service rejected a request', action: 'Check the instance registration and the on-premises identity (iam_user_arn / iam_session_arn).' },
  HOST_IDENTITY_MISMATCH: { diagnostic: 5, retryable: false, summary: 'a command was addressed to another host', action: 'Check that each device has its own on-premises identity.' },
  SPEC_SIGNATURE_INVALID: { diagnostic: 5, retryable: false, summary: 'the deployment specification signature did not verify', action: 'Check the signing CA configured for the agent (spec_ca_file); never deploy an unverified spec.' },
  BUNDLE_DOWNLOAD_FAILED: { diagnostic: 5, retryable: true, summary: 'the revision could not be downloaded', action: 'Check network access to S3 (or s3_endpoint_override) and the instance role\'s s3:GetObject permission.' },
  BUNDLE_ETAG_MISMATCH: { diagnostic: 5, retryable: false, summary: 'the downloaded revision is not the one the deployment names', action: 'The object changed after the deployment was created: create a new deployment.' },
  CREDENTIALS_UNAVAILABLE: { diagnostic: 5, retryable: true, summary: 'the agent has no usable AWS credentials', action: 'Check the on-premises config and its credentials file.' },
  CONFIG_INSECURE_PERMISSIONS: { diagnostic: 5, retryable: false, summary: 'a file holding secrets is readable by other users', action: 'chmod 600 the file (and chown it to the agent user).' },
  // --- AWS IoT: credentials provider identity, telemetry (agent/config/iot-*, agent/telemetry) ---
  IOT_CREDENTIALS_UNAVAILABLE: { diagnostic: 5, retryable: true, summary: 'the AWS IoT credentials provider could not be reached', action: 'Check the network and iot_credentials_endpoint (aws iot describe-endpoint --endpoint-type iot:CredentialProvider); the agent retries.' },
  IOT_CREDENTIALS_REJECTED: { diagnostic: 5, retryable: false, summary: 'the AWS IoT credentials provider refused the device certificate', action: 'Check the certificate is ACTIVE and attached to iot_thing_name, the role alias exists, and the certificate policy allows iot:AssumeRoleWithCertificate on it.' },
  IOT_SDK_UNAVAILABLE: { diagnostic: 5, retryable: false, summary: 'the AWS IoT device SDK cannot be loaded on this machine', action: 'Install aws-crt for this platform (32-bit ARM needs a source build), or remove the iot section to run without telemetry.' },
  IOT_PUBLISH_REFUSED: { diagnostic: 5, retryable: false, summary: 'the MQTT broker refused a telemetry publish', action: 'Check the IoT policy of the device certificate allows iot:Publish on $aws/things/<thing>/shadow/* and dt/<thing>/*.' },
  IOT_SHADOW_REJECTED: { diagnostic: 5, retryable: false, summary: 'the device shadow rejected an update', action: 'See the code and message in the log; a 4xx means the reported document is refused (size, depth, or policy).' },
  IOT_SHADOW_TIMEOUT: { diagnostic: 5, retryable: true, summary: 'the device shadow did not answer in time', action: 'Nothing to do: the report stays spooled and is sent again; check the connection if it persists.' },
  // --- Device health (agent/health) ---------------------------------------------------
  HEALTH_GATE_UNHEALTHY: { diagnostic: 5, retryable: false, summary: 'the health gate refused to deploy onto an unhealthy device', action: 'Fix the failing checks listed in the message (or adjust health.checks / health.gate in the agent config), check with `edge-agent health`, then redeploy.' },
  HEALTH_CHECK_UNKNOWN: { diagnostic: 5, retryable: false, summary: 'a health check name is not configured', action: 'Use a name from health.checks in the agent config (edge-agent check-config lists them), or define it in the checks file given with -f.' },
  // --- Fleet registration (controller/fleet) ------------------------------------------
  FLEET_INVENTORY_INVALID: { diagnostic: 5, retryable: false, summary: 'the fleet inventory has invalid rows', action: 'Fix every row listed (line, field, reason); nothing was changed in AWS.' },
  FLEET_IOT_SETUP: { diagnostic: 5, retryable: false, summary: 'the fleet-wide IoT setup (role alias, policy, endpoints) failed', action: 'Fix what the message names (e.g. pass --iot-role-arn so the role alias can be created), then run again.' },
  FLEET_NAME_CONFLICT: { diagnostic: 5, retryable: false, summary: 'the device name or identity is registered to another ARN or device', action: 'Deregister the other registration (fleetctl deregister NAME), or give this device another name or identity.' },
  FLEET_DEVICE_FAILED: { diagnostic: 5, retryable: true, summary: 'a device could not be registered or deregistered', action: 'Run the same command again: it resumes and does only the missing steps.' },
  FLEET_DEPLOYMENT_IN_PROGRESS: { diagnostic: 5, retryable: true, summary: 'the device is in a deployment that is still running', action: 'Wait for the deployment to finish (or stop it), or pass --force.' },
  // --- CLI and configuration ----------------------------------------------------------
  CLI_USAGE: { diagnostic: 5, retryable: false, summary: 'invalid command-line arguments', action: 'See --help.' },
  CONFIG_NOT_FOUND: { diagnostic: 5, retryable: false, summary: 'the configuration file is missing', action: 'Create it or point -c/--config at an existing file.' },
  CONFIG_INVALID: { diagnostic: 5, retryable: false, summary: 'the configuration is invalid', action: 'Fix the key named in the message.' },
  LOCKED: { diagnostic: 5, retryable: true, summary: 'another deployment command is running on this root', action: 'Wait for it to finish.' },
  INTERNAL: { diagnostic: 5, retryable: false, summary: 'an unexpected internal error', action: 'Report it with the agent log.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface EdgeErrorOptions {
  cause?: unknown;
  /** Extra machine-readable data (script name, log tail, path...). Never secrets. */
  details?: Record<string, unknown>;
}

export class EdgeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: EdgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgeError';
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
  }

  get diagnostic(): number {
    return ERROR_CODES[this.code].diagnostic;
  }

  get action(): string {
    return ERROR_CODES[this.code].action;
  }
}

/** Guards test the code, not the class, so duplicated module copies still match. */
export function isEdgeError(e: unknown, code?: ErrorCode): e is EdgeError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in ERROR_CODES) || (e as { name?: unknown }).name !== 'EdgeError') return false;
  return code === undefined || c === code;
}

/** Wrap anything thrown into an EdgeError (INTERNAL unless it already is one). */
export function toEdgeError(e: unknown, code: ErrorCode = 'INTERNAL'): EdgeError {
  if (isEdgeError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new EdgeError(code, message, { cause: e });
}

/** One line for people: the message, then what to do. */
export function describeError(e: EdgeError): string {
  return `${e.message} [${e.code}] ${e.action}`;
}
