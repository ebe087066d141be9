// Install instructions, generated against the live filesystem after the previous revision was
// cleaned up (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/installer.rb and lib/instance_agent/plugins/codedeploy/application_specification/). The result is the content of <group>-install.json and the
// program the installer executes. Only reads the filesystem.
// Plans against what exists: anything at a path (a file, a link, a directory) is an obstacle, so a
// user's file is never planned as a directory to create (it is "Not a directory"). Links the
// revision installs must resolve inside a destination (install-links.ts), and permissions are never
// planned on them.
import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import type { AppSpec, AppSpecPermission } from '../../appspec/types.js';
import { aclToString, APPSPEC_MESSAGES, simpleGlobMatch } from '../../appspec/index.js';
import { EdgeError } from '../../shared/errors.js';
import { checkLinksStayInside } from './install-links.js';

export type Instruction =
  | { readonly type: 'copy'; readonly source: string; readonly destination: string }
  | { readonly type: 'mkdir'; readonly directory: string }
  | { readonly type: 'chmod'; readonly mode: string; readonly file: string }
  | { readonly type: 'setfacl'; readonly acl: readonly string[]; readonly file: string }
  | { readonly type: 'semanage'; readonly context: { user?: string; role?: string; type: string; range?: string }; readonly file: string }
  | { readonly type: 'chown'; readonly owner?: string; readonly group?: string; readonly file: string };

export interface InstallPlanInput {
  readonly appspec: AppSpec;
  readonly archiveDir: string;
  /** From the deployment (already upper-cased); the AppSpec's own value wins. */
  readonly deploymentFileExistsBehavior: string;
  /** Relative destinations resolve against this (the official agent uses its working directory). */
  readonly cwd?: string;
  /** Install links that resolve outside every destination (agent config allow_external_symlinks). */
  readonly allowExternalSymlinks?: boolean;
}

function isDirectoryOnDisk(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function notADirectoryError(path: string): EdgeError {
  return new EdgeError(
    'INSTALL_NOT_A_DIRECTORY',
    `The deployment failed because ${path} already exists and is not a directory (Not a directory), so nothing can be installed into it. Remove or rename it, or change the destination in the files section of the AppSpec file, and then try again.`,
    { details: { path } },
  );
}

function isUnder(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

class PlanBuilder {
  readonly instructions: Instruction[] = [];
  readonly copyTargets = new Map<string, string>();
  readonly mkdirTargets = new Map<string, string>();
  /** Copy targets whose source is a symlink: link path → link text. */
  readonly linkTargets = new Map<string, string>();
  private readonly permissionTargets = new Set<string>();

  /** `behavior` is checked only when a file is in the way (the official agent does the same). */
  constructor(private readonly behavior: string) {}

  mkdir(directory: string, source: string): void {
    if (this.copyTargets.has(directory)) {
      throw new EdgeError(
        'INSTALL_MKDIR_DUPLICATE',
        `The deployment failed because the application specification file includes an mkdir command more than once for the same destination path (${directory}) from (${source}). Update the files section of the AppSpec file, and then try again.`,
      );
    }
    if (this.mkdirTargets.has(directory)) return;
    this.mkdirTargets.set(directory, source);
    this.instructions.push({ type: 'mkdir', directory });
  }

  copy(source: string, destination: string): void {
    const previous = this.copyTargets.get(destination);
    if (previous !== undefined) {
      throw new EdgeError(
        'INSTALL_DUPLICATE_DESTINATION',
        `The deployment failed because the application specification file specifies two source files named ${source} and ${previous} for the same destination (${destination}). Remove one of the source file paths from the AppSpec file, and then try again.`,
      );
    }
    if (this.mkdirTargets.has(destination)) {
      throw new EdgeError(
        'INSTALL_COPY_MKDIR_CONFLICT',
        `The deployment failed because the application specification file calls for installing the file ${source}, but a file with that name already exists at the location (${destination}). Update your AppSpec file or directory structure, and then try again.`,
      );
    }
    if (lexists(destination)) {
      if (this.behavior === 'DISALLOW') {
        throw new EdgeError('INSTALL_FILE_EXISTS', `The deployment failed because a specified file already exists at this location: ${destination}`, {
          details: { path: destination },
        });
      }
      if (this.behavior === 'RETAIN') return; // kept as it is, and not recorded for cleanup
      if (this.behavior !== 'OVERWRITE') throw invalidBehaviorError(this.behavior);
      if (lstatSync(destination).isDirectory()) {
        throw new EdgeError(
          'INSTALL_DESTINATION_IS_DIRECTORY',
          `The deployment failed because the application specification file calls for installing the file ${source}, but a directory exists at that location (${destination}) (Is a directory). Remove the directory or change the files section of the AppSpec file, and then try again.`,
          { details: { path: destination } },
        );
      }
    }
    this.copyTargets.set(destination, source);
    const st = lstatSync(source);
    if (st.isSymbolicLink()) this.linkTargets.set(destination, readlinkSync(source));
    this.instructions.push({ type: 'copy', source, destination });
  }

  /** mkdir the missing ancestors of `directory`, then `directory` itself; anything in the way that is not a directory is an error. */
  ensureDirectory(directory: string, source: string): void {
    const missing: string[] = [];
    let d = directory;
    for (; !lexists(d) && !this.mkdirTargets.has(d); d = dirname(d)) {
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
    if (!this.mkdirTargets.has(d) && lexists(d) && !isDirectoryOnDisk(d)) throw notADirectoryError(d);
    for (const m of missing) this.mkdir(m, source);
  }

  copyTree(sourceDir: string, destination: string): void {
    const entries = readdirSync(sourceDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const src = join(sourceDir, entry.name);
      const dst = join(destination, entry.name);
      if (entry.isDirectory()) {
        if (!lexists(dst)) this.mkdir(dst, src);
        else if (!isDirectoryOnDisk(dst)) throw notADirectoryError(dst);
        this.copyTree(src, dst);
      } else {
        this.copy(src, dst);
      }
    }
  }

  applyPermission(path: string, perm: AppSpecPermission): void {
    if (this.permissionTargets.has(path)) {
      throw new EdgeError(
        'INSTALL_PERMISSION_TWICE',
        `The deployment failed because the permissions setting for (${path}) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again.`,
      );
    }
    this.permissionTargets.add(path);
    if (perm.mode !== undefined) this.instructions.push({ type: 'chmod', mode: perm.mode, file: path });
    if (perm.acls && perm.acls.length > 0) this.instructions.push({ type: 'setfacl', acl: perm.acls.map(aclToString), file: path });
    if (perm.context) {
      const { user, type, range } = perm.context;
      this.instructions.push({ type: 'semanage', context: { ...(user ? { user } : {}), type, ...(range ? { range } : {}) }, file: path });
    }
    if (perm.owner !== undefined || perm.group !== undefined) {
      this.instructions.push({ type: 'chown', ...(perm.owner ? { owner: perm.owner } : {}), ...(perm.group ? { group: perm.group } : {}), file: path });
    }
  }
}

function assertNoDefaultAcl(perm: AppSpecPermission): void {
  if (perm.acls?.some((a) => a.isDefault)) {
    throw new EdgeError('INSTALL_DEFAULT_ACL_ON_FILE', APPSPEC_MESSAGES.defaultAclOnFile());
  }
}

function matchesPermission(perm: AppSpecPermission, rel: string): boolean {
  // `except` globs never match across '/', so they can only exclude direct children (official).
  if (perm.except.some((e) => simpleGlobMatch(e, rel))) return false;
  if (perm.pattern === '**') return true;
  return !rel.includes(sep) && simpleGlobMatch(perm.pattern, rel);
}

function planPermission(b: PlanBuilder, perm: AppSpecPermission, cwd: string): void {
  const object = resolve(cwd, perm.object);
  if (b.linkTargets.has(object)) return; // permissions never follow a link
  if (b.copyTargets.has(object)) {
    if (!perm.types.includes('file')) return;
    if (perm.pattern !== '**') {
      throw new EdgeError('INSTALL_PERMISSION_PATTERN', APPSPEC_MESSAGES.filePermissionPattern(perm.object, perm.pattern));
    }
    if (perm.except.length > 0) {
      throw new EdgeError('INSTALL_PERMISSION_EXCEPT', APPSPEC_MESSAGES.filePermissionExcept(perm.except, perm.object));
    }
    assertNoDefaultAcl(perm);
    b.applyPermission(object, perm);
    return;
  }
  if (!b.mkdirTargets.has(object) && !isDirectoryOnDisk(object)) return; // silently ignored (official)
  if (perm.types.includes('file')) {
    for (const target of [...b.copyTargets.keys()].sort()) {
      if (b.linkTargets.has(target)) continue; // permissions never follow a link
      if (isUnder(object, target) && matchesPermission(perm, relative(object, target))) {
        assertNoDefaultAcl(perm);
        b.applyPermission(target, perm);
      }
    }
  }
  if (perm.types.includes('directory')) {
    for (const target of [...b.mkdirTargets.keys()].sort()) {
      if (isUnder(object, target) && matchesPermission(perm, relative(object, target))) b.applyPermission(target, perm);
    }
  }
}

function invalidBehaviorError(value: string): EdgeError {
  return new EdgeError(
    'INSTALL_INVALID_FILE_EXISTS_BEHAVIOR',
    `The deployment failed because an invalid option was specified for fileExistsBehavior: ${value}. Valid options include OVERWRITE, RETAIN, and DISALLOW.`,
  );
}

/**
 * The behaviour in force: the AppSpec's file_exists_behavior wins over the deployment's. Not
 * validated here: like the official agent, an invalid deployment value fails only when a file is
 * actually in the way.
 */
export function effectiveFileExistsBehavior(appspec: AppSpec, deploymentValue: string): string {
  return appspec.fileExistsBehavior ?? deploymentValue;
}

/** The AppSpec's destinations as absolute paths (cleanup deletes nothing outside them). */
export function installDestinations(appspec: AppSpec, cwd: string = process.cwd()): string[] {
  return [...new Set(appspec.files.map((f) => resolve(cwd, f.destination)))];
}

export function planInstall(input: InstallPlanInput): Instruction[] {
  const cwd = input.cwd ?? process.cwd();
  const archiveDir = resolve(input.archiveDir);
  const b = new PlanBuilder(effectiveFileExistsBehavior(input.appspec, input.deploymentFileExistsBehavior));
  for (const file of input.appspec.files) {
    const source = file.source === '/' ? archiveDir : resolve(archiveDir, file.source.replace(/^\/+/, ''));
    if (source !== archiveDir && !isUnder(archiveDir, source)) {
      throw new EdgeError('INSTALL_SOURCE_MISSING', `The deployment failed because the files section names a source outside the revision: ${file.source}. Sources are paths relative to the revision root.`);
    }
    if (!existsSync(source)) {
      throw new EdgeError('INSTALL_SOURCE_MISSING', `The deployment failed because the files section names a source that is not in the revision: ${file.source}. Fix the source path in the AppSpec file, and then try again.`);
    }
    const destination = resolve(cwd, file.destination);
    b.ensureDirectory(destination, source);
    if (lstatSync(source).isDirectory()) b.copyTree(source, destination);
    else b.copy(source, join(destination, basename(source)));
  }
  if (!input.allowExternalSymlinks && b.linkTargets.size > 0) {
    const nonLinks = new Set([...b.mkdirTargets.keys(), ...[...b.copyTargets.keys()].filter((p) => !b.linkTargets.has(p))]);
    checkLinksStayInside({ links: b.linkTargets, nonLinks }, installDestinations(input.appspec, cwd));
  }
  for (const perm of input.appspec.permissions) planPermission(b, perm, cwd);
  return b.instructions;
}
