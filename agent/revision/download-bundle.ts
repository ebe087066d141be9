// The DownloadBundle command (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_executor.rb): prune old revisions, fetch the bundle to bundle.tar (or copy
// a local directory), unpack it safely into deployment-archive/, strip a single leading folder
// that holds the AppSpec, and record the group's most recent install.
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { EdgeError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import type { Logger } from '../../shared/log.js';
import type { DeploymentLayout } from '../deployment/layout.js';
import type { DeploymentSpec, Revision } from '../deployment/deployment-spec.js';
import { copyDirectory } from './copy-directory.js';
import { pruneRevisions } from './prune.js';
import { stripLeadingDirectory } from './strip-leading-dir.js';
import { extractArchive, type ArchiveLimits } from './unpack.js';

export type { ArchiveLimits };

/** Port for remote revisions (S3 arrives with the daemon); writes the bundle to `destination`. */
export type RemoteBundleFetcher = (revision: Revision, destination: string, signal?: AbortSignal) => Promise<void>;

export interface DownloadBundleDeps {
  readonly layout: DeploymentLayout;
  readonly log: Logger;
  readonly maxRevisions: number;
  readonly archiveLimits: ArchiveLimits;
  readonly fetchRemote?: RemoteBundleFetcher;
}

function archiveType(bundleType: string | undefined): 'tar' | 'tgz' | 'zip' {
  return bundleType === 'tgz' || bundleType === 'zip' ? bundleType : 'tar';
}

export async function downloadBundle(spec: DeploymentSpec, deps: DownloadBundleDeps, signal?: AbortSignal): Promise<void> {
  const { layout, log } = deps;
  const g = spec.deploymentGroupId;
  const d = spec.deploymentId;
  const deploymentDir = layout.deploymentDir(g, d);
  const pruned = pruneRevisions({ groupDir: layout.groupDir(g), currentDeploymentDir: deploymentDir, lastSuccessfulFile: layout.lastSuccessfulFile(g), maxRevisions: deps.maxRevisions });
  if (pruned.length > 0) log.info({ pruned }, 'old revisions removed');
  const bundle = layout.bundleFile(g, d);
  const archive = layout.archiveDir(g, d);
  const rev = spec.revision;
  rmSync(archive, { recursive: true, force: true });
  if (rev.type === 'Local Directory' || (rev.type === 'Local File' && rev.bundleType === 'directory')) {
    if (!existsSync(rev.location) || !statSync(rev.location).isDirectory()) {
      throw new EdgeError('BUNDLE_NOT_FOUND', `The bundle directory ${rev.location} does not exist.`);
    }
    await copyDirectory(rev.location, archive);
  } else {
    rmSync(bundle, { force: true });
    if (rev.type === 'Local File') {
      if (!existsSync(rev.location) || !statSync(rev.location).isFile()) throw new EdgeError('BUNDLE_NOT_FOUND', `The bundle file ${rev.location} does not exist.`);
      try {
        symlinkSync(rev.location, bundle);
      } catch {
        copyFileSync(rev.location, bundle);
      }
    } else if (deps.fetchRemote) {
      await deps.fetchRemote(rev, bundle, signal);
    } else {
      throw new EdgeError('SPEC_INVALID', `${rev.type} revisions need the agent daemon's ${rev.type} client; this command can only deploy local bundles.`);
    }
    try {
      const stats = await extractArchive(bundle, archive, archiveType(rev.bundleType), deps.archiveLimits, signal);
      log.info(stats, 'bundle unpacked');
    } catch (e) {
      rmSync(archive, { recursive: true, force: true });
      throw e;
    }
  }
  if (await stripLeadingDirectory(archive)) log.info('leading directory stripped');
  mkdirSync(layout.instructionsDir, { recursive: true });
  writeFileAtomic(layout.mostRecentFile(g), deploymentDir);
}
