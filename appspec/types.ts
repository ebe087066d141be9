// The AppSpec model for EC2/on-premises deployments (pure data types).
import type { ErrorCode } from '../shared/errors.js';

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
export const FILE_EXISTS_BEHAVIORS: readonly FileExistsBehavior[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];

export interface AppSpecFile {
  /** As written (not stripped): relative to the revision root; '/' means the whole revision. */
  readonly source: string;
  readonly destination: string;
}

export type AclEntryType = 'user' | 'group' | 'mask' | 'other';

export interface AclEntry {
  readonly isDefault: boolean;
  readonly type: AclEntryType;
  /** Empty for base entries (user::, group::, mask::, other::). */
  readonly name: string;
  /** Always 3 characters of r/w/x/- in that order. */
  readonly perms: string;
}

export interface SelinuxContext {
  readonly user?: string;
  readonly type: string;
  /** Normalised, e.g. "s3-s5:c0.c7,c13". */
  readonly range?: string;
}

export type PermissionObjectType = 'file' | 'directory';

export interface AppSpecPermission {
  readonly object: string;
  /** Default '**'. */
  readonly pattern: string;
  readonly except: readonly string[];
  /** Default ['file', 'directory']. */
  readonly types: readonly PermissionObjectType[];
  readonly owner?: string;
  readonly group?: string;
  /** Octal digits, left-padded to at least 3 characters, e.g. "644", "6763". */
  readonly mode?: string;
  readonly acls?: readonly AclEntry[];
  readonly context?: SelinuxContext;
}

export interface AppSpecHookScript {
  readonly location: string;
  /** Seconds; default 3600. */
  readonly timeout: number;
  readonly runas?: string;
  readonly sudo: boolean;
}

export interface AppSpec {
  readonly version: number;
  readonly os: 'linux' | 'windows';
  readonly files: readonly AppSpecFile[];
  readonly permissions: readonly AppSpecPermission[];
  /** Event name -> scripts in order. A null list in the YAML is omitted; [] stays as an empty hook. */
  readonly hooks: Readonly<Record<string, readonly AppSpecHookScript[]>>;
  readonly fileExistsBehavior?: FileExistsBehavior;
}

export interface AppSpecIssue {
  readonly code: ErrorCode;
  /** The official agent's exact text where it has one. */
  readonly message: string;
  /** Where in the document, e.g. "hooks.BeforeInstall[0].timeout". */
  readonly path?: string;
}

export interface AppSpecWarning {
  readonly code: 'HOOK_TIMEOUT_SUM_EXCEEDED' | 'MODE_OCTAL_LITERAL' | 'VERSION_STRING';
  readonly message: string;
  readonly path?: string;
}

export type ParseResult =
  | { readonly ok: true; readonly appspec: AppSpec; readonly warnings: readonly AppSpecWarning[] }
  | { readonly ok: false; readonly issues: readonly AppSpecIssue[]; readonly warnings: readonly AppSpecWarning[] };
