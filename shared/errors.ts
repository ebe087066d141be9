// The one coded error registry for both programs.
// Every error we raise is an EdgeError whose `code` is a key of ERROR_CODES; `action` tells the user
// what to do. Retired codes are never reused. A code is one of two kinds:
// - an agent code carries `diagnostic`, the CodeDeploy host-agent completion error_code (1-7) a
//   failed lifecycle command reports; a command-line run that ends with it exits 1 (the work failed);
// - a controller/CLI code carries `exit`, the process exit code (shared/cli/exit-codes.ts) a run that
//   ends with it returns; should one reach a completion report it is UnknownError (5).
import { ExitCode, type ExitCodeValue } from './cli/exit-codes.js';

/** CodeDeploy completion error_code: 1 ScriptMissing, 2 ScriptNotExecutable, 3 ScriptTimedOut,
 * 4 ScriptFailed, 5 UnknownError, 6 outputs left open, 7 failed after restart. */
export type Diagnostic = 1 | 2 | 3 | 4 | 5 | 6 | 7;

interface CodeInfoBase {
  readonly retryable: boolean;
  readonly summary: string;
  readonly action: string;
}

export interface AgentCodeInfo extends CodeInfoBase {
  readonly diagnostic: Diagnostic;
  readonly exit?: never;
}

export interface CliCodeInfo extends CodeInfoBase {
  /** 1 the work failed, 2 usage/configuration, 3 waiting for a person. */
  readonly exit: Exclude<ExitCodeValue, 0>;
  readonly diagnostic?: never;
}

export type ErrorCodeInfo = AgentCodeInfo | CliCodeInfo;

const appspec = (summary: string, action: string): AgentCodeInfo => ({ diagnostic: 5, retryable: false, summary, action });
const install = appspec;
const archive = appspec;
/** A usage or configuration problem: the command could not start (exit 2). */
const usage = (summary: string, action: string): CliCodeInfo => ({ exit: ExitCode.USAGE, retryable: false, summary, action });

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
  APPSPEC_TOO_LARGE: appspec('the AppSpec file is larger than the limit (1 MiB)', 'Shrink the AppSpec file: real ones are a few KiB; move data into the revision, not the AppSpec.'),
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
  INSTALL_NOT_A_DIRECTORY: install('a destination directory path is an existing file (Not a directory)', 'Remove or rename the file in the way, or change the destination in the files section.'),
  INSTALL_DESTINATION_IS_DIRECTORY: install('a file would replace an existing directory (Is a directory)', 'Remove the directory, or change the files section so the file goes elsewhere.'),
  INSTALL_SYMLINK_ESCAPE: install('an installed symlink points outside every destination of the AppSpec', 'Point the link inside a destination, remove it from the revision, or set allow_external_symlinks: true in the agent config.'),
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
  CONFIG_INSECURE_PERMISSIONS: { exit: ExitCode.USAGE, retryable: false, summary: 'a file holding secrets is readable by other users', action: 'chmod 600 the file (and chown it to the agent user).' },
  // --- AWS IoT: credentials provider identity, telemetry (agent/config/iot-*, agent/telemetry) ---
  IOT_CREDENTIALS_UNAVAILABLE: { diagnostic: 5, retryable: true, summary: 'the AWS IoT credentials provider could not be reached', action: 'Check the network and iot_credentials_endpoint (aws iot describe-endpoint --endpoint-type iot:CredentialProvider); the agent retries.' },
  IOT_CREDENTIALS_REJECTED: { diagnostic: 5, retryable: false, summary: 'the AWS IoT credentials provider refused the device certificate', action: 'Check the certificate is ACTIVE and attached to iot_thing_name, the role alias exists, and the certificate policy allows iot:AssumeRoleWithCertificate on it.' },
  IOT_SDK_UNAVAILABLE: { diagnostic: 5, retryable: false, summary: 'the AWS IoT device SDK cannot be loaded on this machine', action: 'Install aws-crt for this platform (32-bit ARM needs a source build), or remove the iot section to run without telemetry.' },
  IOT_PUBLISH_REFUSED: { diagnostic: 5, retryable: false, summary: 'the MQTT broker refused a telemetry publish', action: 'Check the IoT policy of the device certificate allows iot:Publish on $aws/things/<thing>/shadow/* and dt/<thing>/*.' },
  IOT_SHADOW_REJECTED: { diagnostic: 5, retryable: false, summary: 'the device shadow rejected an update', action: 'See the code and message in the log; a 4xx means the reported document is refused (size, depth, or policy).' },
  IOT_SHADOW_TIMEOUT: { diagnostic: 5, retryable: true, summary: 'the device shadow did not answer in time', action: 'Nothing to do: the report stays spooled and is sent again; check the connection if it persists.' },
  // --- Device health (agent/health) ---------------------------------------------------
  HEALTH_GATE_UNHEALTHY: { diagnostic: 5, retryable: false, summary: 'the health gate refused to deploy onto an unhealthy device', action: 'Fix the failing checks listed in the message (or adjust health.checks / health.gate in the agent config), check with `edge-agent health`, then redeploy.' },
  HEALTH_CHECK_UNKNOWN: { exit: ExitCode.USAGE, retryable: false, summary: 'a health check name is not configured', action: 'Use a name from health.checks in the agent config (edge-agent check-config lists them), or define it in the checks file given with -f.' },
  // --- Fleet registration (controller/fleet) ------------------------------------------
  FLEET_INVENTORY_INVALID: { exit: ExitCode.USAGE, retryable: false, summary: 'the fleet inventory has invalid rows', action: 'Fix every row listed (line, field, reason); nothing was changed in AWS.' },
  FLEET_IOT_SETUP: { exit: ExitCode.USAGE, retryable: false, summary: 'the fleet-wide IoT setup (role alias, policy, endpoints) failed', action: 'Fix what the message names (e.g. pass --iot-role-arn so the role alias can be created), then run again.' },
  FLEET_NAME_CONFLICT: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the device name or identity is registered to another ARN or device',
    action: 'Deregister first (fleetctl deregister NAME) and register again, or register with the identity it is registered with (the ARN in the message), or choose another name.',
  },
  FLEET_DEVICE_FAILED: { exit: ExitCode.FAILED, retryable: true, summary: 'a device could not be registered or deregistered', action: 'Run the same command again: it resumes and does only the missing steps.' },
  FLEET_DEPLOYMENT_IN_PROGRESS: { exit: ExitCode.FAILED, retryable: true, summary: 'the device is in a deployment that is still running', action: 'Wait for the deployment to finish (or stop it), or pass --force.' },
  FLEET_DEVICE_UNKNOWN: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'a named device is not registered (no on-premises instance has that name)',
    action: 'Check the name with fleetctl ls (names are case-sensitive), or register it first.',
  },
  // --- AWS calls of the controller (controller/aws: one mapping of SDK errors) ------------
  // details: service, operation, awsName, httpStatus, requestId (quote it to AWS Support), throttled.
  AWS_ACCESS_DENIED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'AWS denied the call: the identity lacks a permission',
    action: 'Grant the action named in the message to the identity (aws sts get-caller-identity shows it), or use another profile/role.',
  },
  AWS_CREDENTIALS_REJECTED: {
    exit: ExitCode.USAGE,
    retryable: false,
    summary: 'AWS did not accept the credentials (unknown access key or bad signature)',
    action: 'Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile, and that the keys belong to this partition and are active.',
  },
  AWS_CREDENTIALS_EXPIRED: {
    exit: ExitCode.USAGE,
    retryable: true,
    summary: 'the session credentials have expired',
    action: 'Refresh the session (aws sso login, or new AWS_SESSION_TOKEN); assumed roles are refreshed and the call retried once.',
  },
  AWS_CLOCK_SKEW: {
    exit: ExitCode.USAGE,
    retryable: true,
    summary: 'AWS refused the request because this machine\'s clock is off',
    action: 'Synchronise the clock (timedatectl set-ntp true); the call is re-signed and retried once.',
  },
  AWS_NOT_FOUND: { exit: ExitCode.FAILED, retryable: false, summary: 'the AWS resource does not exist', action: 'Check the name, account and region in the message.' },
  AWS_ALREADY_EXISTS: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'an AWS resource with that name or identity already exists',
    action: 'Use the existing resource, delete it first, or choose another name.',
  },
  AWS_CONFLICT: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the AWS resource is in a state that does not allow the call',
    action: 'Wait for the resource to settle (a deployment to finish, a dependency to be removed), then run again.',
  },
  AWS_PRECONDITION_FAILED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'a conditional write lost: the object changed or already exists',
    action: 'Someone else wrote it first: read the current object and decide again (another run may be in progress).',
  },
  AWS_QUOTA_EXCEEDED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'an AWS service quota is reached',
    action: 'Delete unused resources or ask AWS for a higher quota (Service Quotas console).',
  },
  AWS_REQUEST_INVALID: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'AWS rejected the request as invalid',
    action: 'See the AWS message; fix the input it names.',
  },
  AWS_THROTTLED: {
    exit: ExitCode.FAILED,
    retryable: true,
    summary: 'AWS throttled the calls past the retry budget',
    action: 'Run again later, or lower the call rate (--tps) and concurrency.',
  },
  AWS_SERVICE_ERROR: {
    exit: ExitCode.FAILED,
    retryable: true,
    summary: 'AWS was unavailable or failed (5xx, timeout or dropped connection)',
    action: 'Run again; check the network, proxy and endpoint settings if it persists (status at health.aws.amazon.com).',
  },
  AWS_ASSUME_ROLE_FAILED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the role of an account could not be assumed',
    action: "Check the role's trust policy allows the caller with this ExternalId, and the caller's sts:AssumeRole permission.",
  },
  // --- Releases and rollouts (controller/release, controller/rollout) ---------------------
  RELEASE_PART_INVALID: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'a part of the release cannot be packed or is invalid',
    action: 'Fix what the message names in the release folder, then push again; nothing was uploaded.',
  },
  RELEASE_VERSION_EXISTS: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the release version already exists in the bucket with other content',
    action:
      'A release version is immutable: push the new content under a new version. Only if this version was never rolled out, pass --force to replace it.',
  },
  ROLLOUT_CONFIG_INVALID: usage('the rollout config (fleet.yml) is invalid', 'Fix every problem listed (file:line: path: reason); nothing was changed in AWS.'),
  ROLLOUT_NOT_ROUTED: usage(
    'the release version matches no environment of the rollout config',
    'Use a version that an environment matches (the message lists them), or add an environment for it to fleet.yml.',
  ),
  ROLLOUT_JOURNAL_CORRUPT: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the rollout journal in S3 cannot be read back',
    action: 'Check the objects the message names (were they edited or deleted by hand?); restore them from the bucket versions, then resume.',
  },
  ROLLOUT_LEASE_HELD: {
    exit: ExitCode.FAILED,
    retryable: true,
    summary: 'another controller is driving this rollout',
    action: 'Let it finish (fleetctl rollout status shows progress), or wait until its lease expires if that controller is gone, then resume.',
  },
  ROLLOUT_LEASE_LOST: {
    exit: ExitCode.FAILED,
    retryable: true,
    summary: 'another controller took over this rollout while this one was driving it',
    action: 'Nothing was done twice: this controller stopped. Follow the rollout with fleetctl rollout status.',
  },
  ROLLOUT_RELEASE_MISSING: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the release to roll out is not in the release bucket',
    action: 'Push the release first (fleetctl release push --version V with the same fleet.yml), then start the rollout again.',
  },
  ROLLOUT_REHEARSAL_FAILED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the rollout rehearsal could not run to its verdict',
    action: 'The message says what stopped it (an interrupt, or the baseline release it puts on the mirrored targets first); nothing in AWS was changed. Run it again.',
  },
  ROLLOUT_NOT_FOUND: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'no rollout with this id has started',
    action: 'Check the id (fleetctl rollout ls lists them) and the bucket and prefix (--config, or --bucket and --prefix); start it with fleetctl rollout start.',
  },
  ROLLOUT_FINISHED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the rollout has already finished: it takes no approval any more',
    action: 'Nothing to approve: fleetctl rollout status shows how it ended. To deploy again, release a new version and start its rollout.',
  },
  ROLLOUT_REPORT_UNWRITABLE: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'a rollout report file could not be written',
    action: 'Check the path the message names (its folder must be writable, and the path not an existing folder), then run the report again.',
  },
  // Target drivers (controller/rollout/drivers): what one target's deployment ran into.
  TARGET_BUSY: {
    exit: ExitCode.FAILED,
    retryable: true,
    summary: 'the target is busy with another deployment or stack operation',
    action: 'Nothing to do: the rollout waits and tries again; stop the other deployment or update if it is stuck.',
  },
  TARGET_CHANGE_SET_FAILED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'CloudFormation could not create the change set for the stack',
    action: "Fix what the change set's status reason names (template, parameters, capabilities, the CloudFormation role), then release again.",
  },
  TARGET_STACK_BLOCKED: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the stack is in a state that no change set can update',
    action: 'A stack whose creation rolled back (ROLLBACK_COMPLETE) can only be deleted: delete it (or fix the failed state), then resume.',
  },
  TARGET_PART_MISSING: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'the release has no part for this kind of target',
    action: 'Push a release with the part the target needs (device revision, stack or web files), or remove the target from the wave.',
  },
  TARGET_PREVIOUS_MISSING: {
    exit: ExitCode.FAILED,
    retryable: false,
    summary: 'what the target ran before this rollout is gone, so the rollback cannot put it back',
    action:
      'Restore the object the message names (from the bucket\'s versions), or put the target back by rolling out a release that still exists.',
  },
  // --- CLI and configuration ----------------------------------------------------------
  CLI_USAGE: usage('invalid command-line arguments', 'Fix the arguments as the message says; see --help.'),
  CLI_AWS_CONFIG: usage(
    'no AWS region or no AWS credentials',
    'Set AWS_REGION (or pass --region), and credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE (or --profile), or an instance role.',
  ),
  CONFIG_NOT_FOUND: usage('the configuration file is missing', 'Create it or point -c/--config at an existing file.'),
  CONFIG_INVALID: usage('the configuration is invalid', 'Fix the key named in the message.'),
  CONFIG_CHECK_FAILED: usage(
    'edge-agent check-config found errors: the daemon could not start with this configuration',
    'Fix every error listed (each names its key or file and what to do), then run edge-agent check-config again.',
  ),
  AGENT_ROOT_NOT_FOUND: usage(
    'the deployment root directory does not exist',
    "Check the path for a typo: pass the agent's root (--root-dir, or -c with the config whose root_dir it uses).",
  ),
  SANDBOX_RUNNING: usage('another sandbox is already running on this --dir', 'Stop it (the pid is in the message and in <dir>/sandbox.lock), or pass another --dir.'),
  LOCKED: { exit: ExitCode.FAILED, retryable: true, summary: 'another deployment command is running on this root', action: 'Wait for it to finish.' },
  INTERNAL: { exit: ExitCode.FAILED, retryable: false, summary: 'an unexpected internal error', action: 'Report it with the agent log.' },
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

  /** The CodeDeploy completion error_code (agent codes; 5 UnknownError for the others). */
  get diagnostic(): Diagnostic {
    return diagnosticOf(this.code);
  }

  /** The process exit code a command-line run ending with this error returns. */
  get exit(): Exclude<ExitCodeValue, 0> {
    return exitCodeOf(this.code);
  }

  get action(): string {
    return ERROR_CODES[this.code].action;
  }
}

/** The CodeDeploy completion error_code of a code: its own for agent codes, 5 (UnknownError) otherwise. */
export function diagnosticOf(code: ErrorCode): Diagnostic {
  const info: ErrorCodeInfo = ERROR_CODES[code];
  return info.diagnostic ?? 5;
}

/** The exit code of a code: its own for controller/CLI codes, 1 (the work failed) for agent codes. */
export function exitCodeOf(code: ErrorCode): Exclude<ExitCodeValue, 0> {
  const info: ErrorCodeInfo = ERROR_CODES[code];
  return info.exit ?? ExitCode.FAILED;
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
