// The Install command: undo the group's previous Install, generate instructions against the
// live filesystem, record them, execute them, and point _last_successful_install here.
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { validateHookSet } from '../../appspec/index.js';
import { EdgeError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import type { Logger } from '../../shared/log.js';
import type { DeploymentLayout } from '../deployment/layout.js';
import type { DeploymentSpec } from '../deployment/deployment-spec.js';
import { loadAppSpec } from './appspec-loader.js';
import { replayCleanup } from './cleanup.js';
import { executeInstructions } from './install-executor.js';
import { planInstall } from './install-plan.js';
import type { ProcessRunner } from './process-runner.js';

export interface InstallerDeps {
  readonly layout: DeploymentLayout;
  readonly run: ProcessRunner;
  readonly log: Logger;
  readonly preserveOwner: boolean;
  /** Hook names this executor maps (the 9 standard hooks; local deploys add custom events). */
  readonly hookMappingKeys: readonly string[];
}

export async function install(spec: DeploymentSpec, deps: InstallerDeps): Promise<void> {
  const { layout, log } = deps;
  const groupId = spec.deploymentGroupId;
  mkdirSync(layout.instructionsDir, { recursive: true });
  const archiveDir = layout.archiveDir(groupId, spec.deploymentId);
  const loaded = loadAppSpec(archiveDir, spec.appSpecFilename);
  for (const w of loaded.warnings) log.warn({ warning: w.code, path: w.path }, w.message);
  if (spec.allPossibleLifecycleEvents) {
    const issue = validateHookSet(loaded.appspec, {
      appspecFilename: basename(loaded.path),
      allPossibleLifecycleEvents: spec.allPossibleLifecycleEvents,
      hookMappingKeys: deps.hookMappingKeys,
    });
    if (issue) throw new EdgeError(issue.code, issue.message);
  }
  const cleaned = await replayCleanup(layout.cleanupFile(groupId), deps.run);
  log.info(cleaned, 'previous revision cleaned up');
  const instructions = planInstall({ appspec: loaded.appspec, archiveDir, deploymentFileExistsBehavior: spec.fileExistsBehavior });
  writeFileAtomic(layout.installJson(groupId), JSON.stringify({ instructions }));
  await executeInstructions(instructions, layout.cleanupFile(groupId), { run: deps.run, preserveOwner: deps.preserveOwner });
  writeFileAtomic(layout.lastSuccessfulFile(groupId), layout.deploymentDir(groupId, spec.deploymentId));
  log.info({ instructions: instructions.length }, 'install complete');
}
