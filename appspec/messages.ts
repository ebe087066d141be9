// The official agent's AppSpec error texts, word for word (typos included: "filespecifies", "specifiles", and the
// ACL character message that points at "the hooks section"). They reach the CodeDeploy console, so keep them exact.
// Sources: lib/instance_agent/plugins/codedeploy/application_specification/*.rb, command_executor.rb.

import { rubyStringInspect } from './ruby-value.js';

const inspectList = (items: readonly string[]): string => `[${items.map(rubyStringInspect).join(', ')}]`;

export const APPSPEC_MESSAGES = {
  empty: (): string =>
    "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.",
  invalidVersion: (version: string): string =>
    `The deployment failed because an invalid version value (${version}) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.`,
  unsupportedOs: (os: string): string =>
    `The deployment failed because the application specification file specifies an unsupported operating system (${os}). Specify either "linux" or "windows" in the os section of the AppSpec file, and then try again.`,
  invalidFileExistsBehavior: (value: string): string =>
    `The deployment failed because an invalid file_exists_behavior value (${value}) was entered in the application specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as the file_exists_behavior, and then try again.`,
  fileNoSource: (): string =>
    'The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.',
  fileNoDestination: (source: string): string =>
    `The deployment failed because the application specification file specifies only a source file (${source}). Add the name of the destination file to the files section of the AppSpec file, and then try again.`,
  permissionNoObject: (): string =>
    'The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.',
  permissionBadType: (type: string): string =>
    `The deployment failed because the application specification filespecifies a permission for an object type not supported for permissions (${type}). Update the permissions section of the AppSpec file, and then try again.`,
  permissionWindows: (): string =>
    'The deployment failed because the application specification file specifiles file permissions, but the deployment is targeting one or more Windows Server instances. Permissions are supported only for Amazon Linux, Ubuntu Server, and Red Hat Enterprise Linux (RHEL) instances. Update the permissions section of the AppSpec file, and then try again.',
  modeLength: (mode: string): string =>
    `The deployment failed because the length of a permissions mode (${mode}) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.`,
  modeCharacter: (mode: string, char: string): string =>
    `The deployment failed because the permissions mode (${mode}) in the application specification file contains an invalid character (${char}). Update the permissions section of the AppSpec file, and then try again.`,
  aclInvalid: (ace: string): string =>
    `The deployment failed because of a problem with the acls permission settings in the application specification file. Invalid acl entry (${ace}).`,
  aclBaseEntry: (ace: string): string =>
    `The deployment failed because of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (${ace}). Update the permissions section of the AppSpec file, and then try again.`,
  aclCharacter: (ace: string, char: string): string =>
    `The deployment failed because the access control list (ACL) named ${ace} in the application specification file contains an invalid character (${char}). Correct the ACL in the hooks section of the AppSpec file, and then try again.`,
  contextType: (contextInspect: string): string =>
    `The deployment failed because the application specification file specifies an invalid context type (${contextInspect}). Update the permissions section of the AppSpec file, and then try again.`,
  selinuxRange: (range: string): string =>
    `The deployment failed because of a problem with the SELinux range specified (${range}) for the context parameter in the permissions section of the application specification file. Make corrections in the permissions section of the AppSpec file, and then try again.`,
  selinuxRangePart: (part: string): string => `invalid range part ${part}`,
  selinuxSensitivity: (s: string): string => `invalid sensitivity ${s}`,
  selinuxCategory: (c: string): string => `invalid category ${c}`,
  selinuxCategoryRange: (low: string, high: string): string => `invalid category range ${low}.${high}`,
  selinuxDuplicateCategories: (): string => 'duplicate categories',
  hookNoLocation: (): string =>
    'The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.',
  hookBadTimeout: (): string =>
    'The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.',
  unknownLifecycleEvents: (appspecFilename: string, events: readonly string[]): string =>
    `${appspecFilename} file contains unknown lifecycle events: ${inspectList(events)}`,
  customEventMissing: (appspecFilename: string, events: readonly string[]): string =>
    `You specified a lifecycle event which is not a default one and doesn't exist in your ${appspecFilename} file: ${events.join(',')}`,
  // Raised by the official Installer when a permission is applied (not at parse time); here for agent/revision.
  filePermissionPattern: (object: string, pattern: string): string =>
    `The deployment failed because the application specification file includes an object (${object}) with an invalid pattern (${pattern}), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again.`,
  filePermissionExcept: (except: readonly string[], object: string): string =>
    `The deployment failed because the except parameter for a pattern in the permissions section (${inspectList(except)}) for the object named ${object} contains an invalid format. Update the AppSpec file, and then try again.`,
  defaultAclOnFile: (): string =>
    'The deployment failed because the -d parameter has been specified to apply an acl setting to a file. This parameter is supported for directories only. Update the AppSpec file, and then try again.',
} as const;
