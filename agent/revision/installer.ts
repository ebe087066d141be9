// The Install command: undo the group's previous Install, generate instructions against the
// live filesystem, record them, execute them, and point _last_successful_install here.
// What Install and cleanup may touch is described in docs/engine.md.
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { validateHookSet } from '../../appspec/index.js';
import { EdgeError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import type { Logger } from '../../shared/log.js';
import type { DeploymentLayout } from '../deployment/layout.js';
import type { DeploymentSpec } from '../deployment/deployment-spec.js';
import { loadAppSpecAsync } from './appspec-loader.js';
import { replayCleanup } from './cleanup.js';
import { executeInstructions } from './install-executor.js';
import { installDestinations, planInstall } from './install-plan.js';
import type { ProcessRunner } from './process-runner.js';

export interface InstallerDeps {
  readonly layout: DeploymentLayout;
  readonly run: ProcessRunner;
  readonly log: Logger;
  readonly preserveOwner: boolean;
  /** Hook names this executor maps (the 9 standard hooks; local deploys add custom events). */
  readonly hookMappingKeys: readonly string[];
  /** Install symlinks that resolve outside every destination (config allow_external_symlinks; default off). */
  readonly allowExternalSymlinks?: boolean;
}

export async function install(spec: DeploymentSpec, deps: InstallerDeps): Promise<void> {
  const { layout, log } = deps;
  const groupId = spec.deploymentGroupId;
  mkdirSync(layout.instructionsDir, { recursive: true });
  const archiveDir = layout.archiveDir(groupId, spec.deploymentId);
  const loaded = await loadAppSpecAsync(archiveDir, spec.appSpecFilename);
  for (const w of loaded.warnings) log.warn({ warning: w.code, path: w.path }, w.message);
  if (spec.allPossibleLifecycleEvents) {
    const issue = validateHookSet(loaded.appspec, {
      appspecFilename: basename(loaded.path),
      allPossibleLifecycleEvents: spec.allPossibleLifecycleEvents,
      hookMappingKeys: deps.hookMappingKeys,
    });
    if (issue) throw new EdgeError(issue.code, issue.message);
  }
  const cleaned = await replayCleanup(layout.cleanupFile(groupId), deps.run, { installJsonFile: layout.installJson(groupId) });
  const { refused, ...counts } = cleaned;
  log.info(counts, 'previous revision cleaned up');
  if (refused.length > 0) {
    log.warn({ refused: refused.slice(0, 20), count: refused.length }, 'cleanup left paths alone that the previous Install did not create under its destinations');
  }
  const cwd = process.cwd();
  const instructions = planInstall({
    appspec: loaded.appspec,
    archiveDir,
    deploymentFileExistsBehavior: spec.fileExistsBehavior,
    cwd,
    allowExternalSymlinks: deps.allowExternalSymlinks === true,
  });
  writeFileAtomic(layout.installJson(groupId), JSON.stringify({ instructions }));
  await executeInstructions(instructions, layout.cleanupFile(groupId), {
    run: deps.run,
    preserveOwner: deps.preserveOwner,
    destinations: installDestinations(loaded.appspec, cwd),
  });
  writeFileAtomic(layout.lastSuccessfulFile(groupId), layout.deploymentDir(groupId, spec.deploymentId));
  log.info({ instructions: instructions.length }, 'install complete');
}
