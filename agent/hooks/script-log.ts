// One deployment's hook log, `<deployment>/logs/scripts.log`, in the official agent's format:
//   "YYYY-MM-DD HH:MM:SS LifecycleEvent - AfterInstall"   (local time, no zone)
//   "YYYY-MM-DD HH:MM:SS Script - scripts/start.sh"
//   "YYYY-MM-DD HH:MM:SS [stdout]<line>" / "[stderr]<line>"
// plus an in-memory tail of the current lifecycle event for the completion diagnostics, and an
// optional mirror to `deployment-logs/codedeploy-agent-deployments.log`.
//
// Writes are synchronous appends (appendFileSync): each batch of lines reaches the file whole and in
// order, with no interleaving between stdout and stderr, and no file descriptor is left to close.
// ANSI escape sequences are stripped from everything stored (as the v2 agent does).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/** The tail never holds more than this many characters (the official "~2 KB"). */
export const SCRIPT_LOG_TAIL_LIMIT = 2048;

export type OutputStream = 'stdout' | 'stderr';

export interface ScriptLogOptions {
  /** `<deployment>/logs/scripts.log`; its folder is created. */
  readonly path: string;
  /** `deployment-logs/codedeploy-agent-deployments.log`; mirrored only together with deploymentId. */
  readonly deploymentsLogPath?: string;
  readonly deploymentId?: string;
  readonly now?: () => Date;
  /**
   * A failed write (disk full, log removed...) does not fail the hook: the line still reaches the
   * tail and this callback hears about it. The first error is also kept in `writeError`.
   */
  readonly onWriteError?: (error: unknown, path: string) => void;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS` in local time, as Ruby's `Time.now.to_s` without the zone. */
export function formatLocalTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The last `limit` characters of `s`, never starting inside a surrogate pair. */
export function keepLastChars(s: string, limit: number): string {
  if (s.length <= limit) return s;
  let start = s.length - limit;
  const c = s.charCodeAt(start);
  if (c >= 0xdc00 && c <= 0xdfff) start += 1;
  return s.slice(start);
}

export class ScriptLog {
  readonly path: string;
  /** The first write error, if any (see `onWriteError`). */
  writeError: unknown;
  private readonly now: () => Date;
  private readonly mirror: { readonly path: string; readonly deploymentId: string } | undefined;
  private readonly onWriteError: ((error: unknown, path: string) => void) | undefined;
  private entries: string[] = [];
  private size = 0;

  constructor(options: ScriptLogOptions) {
    this.path = options.path;
    this.now = options.now ?? (() => new Date());
    this.onWriteError = options.onWriteError;
    mkdirSync(dirname(options.path), { recursive: true });
    if (options.deploymentsLogPath !== undefined && options.deploymentId !== undefined) {
      this.mirror = { path: options.deploymentsLogPath, deploymentId: options.deploymentId };
      mkdirSync(dirname(options.deploymentsLogPath), { recursive: true });
    }
  }

  /** `LifecycleEvent - <event>`; starts a new tail. */
  beginEvent(event: string): void {
    this.entries = [];
    this.size = 0;
    this.write([`LifecycleEvent - ${event}`]);
  }

  /** `Script - <location>` (the location as written in the AppSpec). */
  beginScript(location: string): void {
    this.write([`Script - ${location}`]);
  }

  stdout(line: string): void {
    this.output('stdout', [line]);
  }

  stderr(line: string): void {
    this.output('stderr', [line]);
  }

  /** Several lines of one stream (without their newlines), written in one append. */
  output(stream: OutputStream, lines: readonly string[]): void {
    if (lines.length > 0) this.write(lines.map((line) => `[${stream}]${line}`));
  }

  /**
   * The official diagnostics tail: the current event's entries as written, without timestamps,
   * each ending in "\n"; the most recent whole entries within SCRIPT_LOG_TAIL_LIMIT characters.
   * A single entry longer than the limit is cut to its last SCRIPT_LOG_TAIL_LIMIT characters.
   */
  tail(): string {
    return this.entries.join('');
  }

  private write(messages: readonly string[]): void {
    const clean = messages.map((m) => stripVTControlCharacters(m));
    for (const m of clean) this.remember(`${m}\n`);
    const now = this.now();
    const stamp = formatLocalTimestamp(now);
    this.append(this.path, clean.map((m) => `${stamp} ${m}\n`).join(''));
    if (this.mirror) {
      const prefix = `[${stamp}.${pad(now.getMilliseconds(), 3)}] [${this.mirror.deploymentId}]`;
      this.append(this.mirror.path, clean.map((m) => `${prefix}${m.trim()}\n`).join(''));
    }
  }

  private remember(entry: string): void {
    if (entry.length >= SCRIPT_LOG_TAIL_LIMIT) {
      const cut = keepLastChars(entry, SCRIPT_LOG_TAIL_LIMIT);
      this.entries = [cut];
      this.size = cut.length;
      return;
    }
    this.entries.push(entry);
    this.size += entry.length;
    while (this.size > SCRIPT_LOG_TAIL_LIMIT) this.size -= (this.entries.shift() as string).length;
  }

  private append(path: string, text: string): void {
    try {
      appendFileSync(path, text);
    } catch (e) {
      if (this.writeError === undefined) this.writeError = e;
      this.onWriteError?.(e, path);
    }
  }
}
