// Finds and parses the AppSpec inside an unpacked revision.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAppSpec } from '../../appspec/index.js';
import type { AppSpec, AppSpecWarning } from '../../appspec/types.js';
import { EdgeError } from '../../shared/errors.js';

export interface LoadedAppSpec {
  readonly appspec: AppSpec;
  readonly path: string;
  readonly warnings: readonly AppSpecWarning[];
}

/**
 * The official agent tries <AppSpecFilename>, appspec.yaml, appspec.yml at Install but only
 * <AppSpecFilename> for hooks; we use the same fallback everywhere (a bundle holding only
 * appspec.yaml works for hooks too).
 */
export function appSpecCandidates(appSpecFilename: string): string[] {
  return [...new Set([appSpecFilename, 'appspec.yaml', 'appspec.yml'])];
}

export function notFoundMessage(archiveDir: string, appSpecFilename: string): string {
  return (
    `The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path "${appSpecFilename}". ` +
    `The revision was unpacked to directory "${archiveDir}", and the AppSpec file was expected but not found at path "${join(archiveDir, appSpecFilename)}". ` +
    'Consult the AWS CodeDeploy Appspec documentation for more information at http://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file.html'
  );
}

export function findAppSpec(archiveDir: string, appSpecFilename: string): string | undefined {
  return appSpecCandidates(appSpecFilename)
    .map((name) => join(archiveDir, name))
    .find((p) => existsSync(p));
}

export function loadAppSpec(archiveDir: string, appSpecFilename: string): LoadedAppSpec {
  const path = findAppSpec(archiveDir, appSpecFilename);
  if (!path) throw new EdgeError('APPSPEC_NOT_FOUND', notFoundMessage(archiveDir, appSpecFilename));
  const result = parseAppSpec(readFileSync(path, 'utf8'));
  if (!result.ok) {
    const first = result.issues[0];
    throw new EdgeError(first?.code ?? 'APPSPEC_INVALID_SHAPE', first?.message ?? 'invalid AppSpec', { details: { issues: result.issues, path } });
  }
  return { appspec: result.appspec, path, warnings: result.warnings };
}
