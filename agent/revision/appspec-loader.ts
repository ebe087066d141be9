// Finds and parses the AppSpec inside an unpacked revision.
// - The file is capped at MAX_APPSPEC_BYTES (1 MiB, far above any real AppSpec), checked with
//   fstat before it is read, so a huge file is refused without reading it into memory.
// - Parsing YAML is synchronous and slow on big inputs (about 1 s per MiB here, several times that
//   on a Pi), so loadAppSpecAsync parses files above INLINE_PARSE_BYTES in a short-lived worker
//   thread, terminated as soon as it answers: the daemon's event loop keeps running meanwhile.
// - A missing <AppSpecFilename> falls back to appspec.yaml, then appspec.yml (as the official
//   agent does at Install), with an APPSPEC_FILENAME_FALLBACK warning naming both files.
import { closeSync, constants as FS, existsSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parseAppSpec } from '../../appspec/index.js';
import type { AppSpec, AppSpecWarning, ParseResult } from '../../appspec/types.js';
import { EdgeError } from '../../shared/errors.js';

export const MAX_APPSPEC_BYTES = 1024 * 1024;
/** Smaller files parse inline: they take a few ms, less than starting a worker. */
export const INLINE_PARSE_BYTES = 64 * 1024;
const WORKER_PARSE_TIMEOUT_MS = 120_000;
const WORKER_TAG = 'edge-agent:parse-appspec';

export interface LoaderWarning {
  readonly code: AppSpecWarning['code'] | 'APPSPEC_FILENAME_FALLBACK';
  readonly message: string;
  readonly path?: string;
}

export interface LoadedAppSpec {
  readonly appspec: AppSpec;
  readonly path: string;
  readonly warnings: readonly LoaderWarning[];
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

function tooLarge(path: string, size: number): EdgeError {
  return new EdgeError(
    'APPSPEC_TOO_LARGE',
    `The AppSpec file ${path} is ${size} bytes, larger than the limit of ${MAX_APPSPEC_BYTES} bytes (1 MiB). Shrink the AppSpec file, and then try again.`,
    { details: { path, size, limit: MAX_APPSPEC_BYTES } },
  );
}

/** Read the AppSpec, refusing anything past the limit before reading it (and anything that grows past it while read). */
export function readAppSpecText(path: string): string {
  const fd = openSync(path, FS.O_RDONLY | FS.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new EdgeError('APPSPEC_NOT_FOUND', `The AppSpec file ${path} is not a regular file.`, { details: { path } });
    if (st.size > MAX_APPSPEC_BYTES) throw tooLarge(path, st.size);
    const buf = Buffer.alloc(MAX_APPSPEC_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, null);
    if (length > MAX_APPSPEC_BYTES) throw tooLarge(path, length);
    return buf.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function locate(archiveDir: string, appSpecFilename: string): { path: string; warnings: LoaderWarning[] } {
  const path = findAppSpec(archiveDir, appSpecFilename);
  if (!path) throw new EdgeError('APPSPEC_NOT_FOUND', notFoundMessage(archiveDir, appSpecFilename));
  const warnings: LoaderWarning[] = [];
  if (path !== join(archiveDir, appSpecFilename)) {
    warnings.push({
      code: 'APPSPEC_FILENAME_FALLBACK',
      message: `The AppSpec file ${appSpecFilename} was not found in the revision; using ${basename(path)} instead.`,
      path,
    });
  }
  return { path, warnings };
}

function toLoaded(result: ParseResult, path: string, warnings: readonly LoaderWarning[]): LoadedAppSpec {
  if (!result.ok) {
    const first = result.issues[0];
    throw new EdgeError(first?.code ?? 'APPSPEC_INVALID_SHAPE', first?.message ?? 'invalid AppSpec', { details: { issues: result.issues, path } });
  }
  return { appspec: result.appspec, path, warnings: [...warnings, ...result.warnings] };
}

/** Synchronous load (blocks while parsing: at most MAX_APPSPEC_BYTES of YAML). */
export function loadAppSpec(archiveDir: string, appSpecFilename: string): LoadedAppSpec {
  const { path, warnings } = locate(archiveDir, appSpecFilename);
  return toLoaded(parseAppSpec(readAppSpecText(path)), path, warnings);
}

/** Whether this module is the program's entry point (then a worker must not load it again). */
function isProgramEntry(moduleUrl: string): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Running from TypeScript sources (tests, `node --import tsx`): loader hooks are not inherited by
 * worker threads, so the worker registers tsx itself. The built agent (.js) needs nothing.
 */
function sourceLoaderFor(moduleUrl: string): string | undefined {
  if (!moduleUrl.endsWith('.ts')) return undefined;
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
}

const WORKER_SCRIPT = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.loader) (await import(workerData.loader)).register();
  await import(workerData.url);
})();`;

/** Parse in a worker thread running this module; the worker ends after one answer. */
export function parseInWorker(text: string, timeoutMs = WORKER_PARSE_TIMEOUT_MS): Promise<ParseResult> {
  const url = import.meta.url;
  const loader = sourceLoaderFor(url);
  if (isProgramEntry(url) || (url.endsWith('.ts') && !loader)) return Promise.resolve(parseAppSpec(text));
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SCRIPT, {
      eval: true,
      workerData: { [WORKER_TAG]: text, url, loader },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new EdgeError('APPSPEC_TOO_LARGE', `Parsing the AppSpec file took longer than ${timeoutMs / 1000} s. Simplify the AppSpec file, and then try again.`))), timeoutMs);
    worker.once('message', (result: ParseResult) => finish(() => resolve(result)));
    worker.once('error', (e) => finish(() => reject(new EdgeError('INTERNAL', `The AppSpec parser failed: ${e.message}`, { cause: e }))));
    worker.once('exit', (code) => finish(() => reject(new EdgeError('INTERNAL', `The AppSpec parser stopped unexpectedly (exit code ${code}).`))));
  });
}

/** Like loadAppSpec, but a large file is parsed off the event loop. */
export async function loadAppSpecAsync(archiveDir: string, appSpecFilename: string): Promise<LoadedAppSpec> {
  const { path, warnings } = locate(archiveDir, appSpecFilename);
  const text = readAppSpecText(path);
  const result = Buffer.byteLength(text) > INLINE_PARSE_BYTES ? await parseInWorker(text) : parseAppSpec(text);
  return toLoaded(result, path, warnings);
}

// In the worker started by parseInWorker: parse, answer once, and let the thread end.
const job: unknown = isMainThread ? undefined : (workerData as Record<string, unknown> | null)?.[WORKER_TAG];
if (typeof job === 'string') parentPort?.postMessage(parseAppSpec(job));
