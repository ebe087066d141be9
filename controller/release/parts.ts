// Step one of `fleetctl release push`: every part of the release read, checked and packed, before
// anything is uploaded. Each problem of each part is collected (not only the first), so a refused
// release lists everything to fix. Folders are packed reproducibly (pack.ts); an archive file is
// taken as it is, its bundle type from its extension.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { isEdgeError } from '../../shared/errors.js';
import type { TemplateSummary } from '../aws/ports-cloud.js';
import { validateBundle } from '../commands/validate.js';
import { bundleTypeOf, checkRevisionArchive, type BundleType } from './archive-check.js';
import { contentTypeOf } from './content-types.js';
import { listFolder, packTgz, packZip } from './pack.js';
import { checkTemplate, MAX_TEMPLATE_BODY } from './template-check.js';
import type { ReleaseParts } from '../rollout/config-types.js';

export interface Blob {
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly size: number;
  /** File extension of its key, without the dot. */
  readonly extension: string;
  /** Packed from a folder here (false: an archive file taken as is). */
  readonly packed: boolean;
}

export interface PreparedWebFile {
  readonly path: string;
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
}

export interface PreparedRelease {
  readonly device?: Blob & { readonly bundleType: BundleType };
  readonly stack?: { readonly template: Blob; readonly package?: Blob; readonly parameters: readonly string[]; readonly capabilities: readonly string[] };
  readonly web?: { readonly files: readonly PreparedWebFile[]; readonly sha256: string };
  /** How the template was checked: by CloudFormation (ValidateTemplate) or locally. */
  readonly templateCheck?: 'remote' | 'local';
}

export interface PrepareDeps {
  /** CloudFormation ValidateTemplate; absent (offline): the template is checked locally only. */
  readonly validateTemplate?: (templateBody: string) => Promise<TemplateSummary>;
}

/** `device: ...`, `stack.template: ...`: one line per problem. */
export type Problems = string[];

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const blob = (bytes: Buffer, extension: string, packed: boolean): Blob => ({ bytes, sha256: sha256(bytes), size: bytes.length, extension, packed });
const reason = (e: unknown): string => (isEdgeError(e) ? e.message : (e as Error).message);

type Kind = 'dir' | 'file' | 'missing';
function kindOf(path: string): Kind {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'missing';
  } catch {
    return 'missing';
  }
}

async function prepareDevice(path: string, problems: Problems): Promise<PreparedRelease['device']> {
  const kind = kindOf(path);
  if (kind === 'missing') return void problems.push(`device: ${path} does not exist (a revision folder or a .tgz, .tar or .zip bundle)`);
  if (kind === 'file') {
    const bundleType = bundleTypeOf(path);
    if (!bundleType) return void problems.push(`device: ${path} is not a revision folder nor a .tgz, .tar or .zip bundle`);
    const findings = await checkRevisionArchive(path, bundleType);
    for (const f of findings) if (f.severity === 'error') problems.push(`device: ${f.code}${f.path ? ` at ${f.path}` : ''}: ${f.message}`);
    return { ...blob(readFileSync(path), bundleType, false), bundleType };
  }
  const report = validateBundle(path, 'appspec.yml');
  for (const f of report.findings) if (f.severity === 'error') problems.push(`device: ${f.code}${f.path ? ` at ${f.path}` : ''}: ${f.message}`);
  try {
    const packed = packTgz(path);
    return { ...blob(packed.bytes, 'tgz', true), bundleType: 'tgz' };
  } catch (e) {
    return void problems.push(`device: ${reason(e)}`);
  }
}

async function preparePackage(path: string, problems: Problems): Promise<Blob | undefined> {
  const kind = kindOf(path);
  if (kind === 'missing') return void problems.push(`stack.package: ${path} does not exist (a folder to zip, or a .zip/.jar file)`);
  if (kind === 'file') {
    const ext = extname(path).slice(1).toLowerCase();
    if (ext !== 'zip' && ext !== 'jar') return void problems.push(`stack.package: ${path} is not a .zip or .jar file (or give a folder to zip)`);
    return blob(readFileSync(path), ext, false);
  }
  try {
    const packed = await packZip(path);
    if (packed.files.length === 0) return void problems.push(`stack.package: ${path} is empty`);
    return blob(packed.bytes, 'zip', true);
  } catch (e) {
    return void problems.push(`stack.package: ${reason(e)}`);
  }
}

async function prepareStack(parts: NonNullable<ReleaseParts['stack']>, baseDir: string, deps: PrepareDeps, problems: Problems) {
  const path = resolve(baseDir, parts.template);
  const pkg = parts.package !== undefined ? await preparePackage(resolve(baseDir, parts.package), problems) : undefined;
  if (kindOf(path) !== 'file') return void problems.push(`stack.template: ${path} does not exist or is not a file`);
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  const local = checkTemplate(text);
  for (const p of local.problems) problems.push(`stack.template: ${p}`);
  let summary = { parameters: local.parameters, capabilities: local.capabilities };
  let how: 'remote' | 'local' = 'local';
  if (local.problems.length === 0 && deps.validateTemplate && bytes.length <= MAX_TEMPLATE_BODY) {
    try {
      const remote = await deps.validateTemplate(text);
      summary = { parameters: remote.parameters.map((p) => p.key), capabilities: [...remote.capabilities].sort() };
      how = 'remote';
    } catch (e) {
      if (!isEdgeError(e, 'AWS_REQUEST_INVALID')) throw e;
      problems.push(`stack.template: CloudFormation ValidateTemplate: ${e.message}`);
    }
  }
  const extension = /^\s*[{[]/.test(text) ? 'json' : 'yaml';
  const template = blob(bytes, extension, false);
  return { stack: { template, ...(pkg ? { package: pkg } : {}), ...summary }, how };
}

function prepareWeb(root: string, keyRoom: number, problems: Problems): PreparedRelease['web'] {
  if (kindOf(root) !== 'dir') return void problems.push(`web: ${root} does not exist or is not a folder`);
  let listed;
  try {
    listed = listFolder(root, { allowLinks: false }).filter((f) => f.type === 'file');
  } catch (e) {
    return void problems.push(`web: ${reason(e)}`);
  }
  if (listed.length === 0) return void problems.push(`web: ${root} holds no files`);
  const files: PreparedWebFile[] = [];
  for (const f of listed) {
    if (Buffer.byteLength(f.path) > keyRoom) {
      problems.push(`web: ${f.path}: the path is too long for an S3 key (at most ${keyRoom} bytes here)`);
      continue;
    }
    const bytes = readFileSync(join(root, f.path));
    files.push({ path: f.path, bytes, sha256: sha256(bytes), size: bytes.length, contentType: contentTypeOf(f.path) });
  }
  const listing = files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
  return { files, sha256: sha256(Buffer.from(listing)) };
}

/** Reads, checks and packs every part; `problems` lists each reason the release cannot be pushed. */
export async function prepareRelease(
  parts: ReleaseParts,
  opts: { baseDir: string; keyPrefix: string },
  deps: PrepareDeps,
): Promise<{ release: PreparedRelease; problems: Problems }> {
  const problems: Problems = [];
  const device = parts.device !== undefined ? await prepareDevice(resolve(opts.baseDir, parts.device), problems) : undefined;
  const stack = parts.stack ? await prepareStack(parts.stack, opts.baseDir, deps, problems) : undefined;
  const keyRoom = 1024 - Buffer.byteLength(`${opts.keyPrefix}web/`);
  const web = parts.web !== undefined ? prepareWeb(resolve(opts.baseDir, parts.web), keyRoom, problems) : undefined;
  const release: PreparedRelease = {
    ...(device ? { device } : {}),
    ...(stack ? { stack: stack.stack, templateCheck: stack.how } : {}),
    ...(web ? { web } : {}),
  };
  return { release, problems };
}
