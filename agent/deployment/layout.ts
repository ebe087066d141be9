// On-disk layout of the deployment root, file for file compatible with the official agent:
//   <root>/<groupId>/<deploymentId>/{bundle.tar, deployment-archive/, logs/scripts.log}
//   <root>/deployment-instructions/{<groupId>-cleanup, <groupId>-install.json,
//                                   <groupId>_last_successful_install, <groupId>_most_recent_install}
//   <root>/deployment-logs/codedeploy-agent-deployments.log
//   <root>/ongoing-deployment/<deploymentId>
// plus our own crash record of each command from the moment it is received (command-tracker.ts):
//   <root>/ongoing-commands/<sha256 of the HostCommandIdentifier, 32 hex>.json
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

export interface DeploymentLayout {
  readonly rootDir: string;
  groupDir(groupId: string): string;
  deploymentDir(groupId: string, deploymentId: string): string;
  bundleFile(groupId: string, deploymentId: string): string;
  archiveDir(groupId: string, deploymentId: string): string;
  scriptsLog(groupId: string, deploymentId: string): string;
  readonly instructionsDir: string;
  cleanupFile(groupId: string): string;
  installJson(groupId: string): string;
  lastSuccessfulFile(groupId: string): string;
  mostRecentFile(groupId: string): string;
  readonly ongoingDir: string;
  ongoingFile(deploymentId: string): string;
  readonly commandsDir: string;
  /** The crash record of one host command (any id: the name is a hash of it). */
  commandFile(hostCommandIdentifier: string): string;
  readonly deploymentsLog: string;
}

/** Path components coming from the service or CLI must be single, harmless names. */
export function assertSafeName(kind: string, value: string): void {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new Error(`invalid ${kind} "${value}": it names a folder under the deployment root and may not contain / or be . or ..`);
  }
}

export function deploymentLayout(root: string): DeploymentLayout {
  const rootDir = resolve(root);
  const instructionsDir = join(rootDir, 'deployment-instructions');
  const ongoingDir = join(rootDir, 'ongoing-deployment');
  const commandsDir = join(rootDir, 'ongoing-commands');
  const deploymentDir = (g: string, d: string): string => {
    assertSafeName('deployment group id', g);
    assertSafeName('deployment id', d);
    return join(rootDir, g, d);
  };
  return {
    rootDir,
    groupDir: (g) => (assertSafeName('deployment group id', g), join(rootDir, g)),
    deploymentDir,
    bundleFile: (g, d) => join(deploymentDir(g, d), 'bundle.tar'),
    archiveDir: (g, d) => join(deploymentDir(g, d), 'deployment-archive'),
    scriptsLog: (g, d) => join(deploymentDir(g, d), 'logs', 'scripts.log'),
    instructionsDir,
    cleanupFile: (g) => join(instructionsDir, `${g}-cleanup`),
    installJson: (g) => join(instructionsDir, `${g}-install.json`),
    lastSuccessfulFile: (g) => join(instructionsDir, `${g}_last_successful_install`),
    mostRecentFile: (g) => join(instructionsDir, `${g}_most_recent_install`),
    ongoingDir,
    ongoingFile: (d) => (assertSafeName('deployment id', d), join(ongoingDir, d)),
    commandsDir,
    commandFile: (id) => join(commandsDir, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`),
    deploymentsLog: join(rootDir, 'deployment-logs', 'codedeploy-agent-deployments.log'),
  };
}
