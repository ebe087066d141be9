// Writing a rollout's reports to files: each through a temp file and a rename, so a reader (a CI
// artifact upload, a browser) never sees half a report. `rollout report` writes the files it is
// asked for and fails (exit 1) when it cannot; `rollout start --report-dir` writes all three into
// one folder at the end of its run and only warns when it cannot: the rollout's exit code says
// how the rollout went, and a full disk must not turn a halted rollout into a succeeded one.
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EdgeError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import { renderReportHtml } from '../rollout/report-html.js';
import { renderReportJunit } from '../rollout/report-junit.js';
import { renderReportMarkdown } from '../rollout/report-markdown.js';
import { buildReport, type ReportInput, type ReportModel } from '../rollout/report-model.js';
import type { LiveSink } from '../rollout/render-live.js';

export type ReportFormat = 'html' | 'markdown' | 'junit';

export interface ReportFile {
  readonly format: ReportFormat;
  /** Absolute. */
  readonly path: string;
  readonly bytes: number;
}

const RENDER: Record<ReportFormat, (m: ReportModel) => string> = { html: renderReportHtml, markdown: renderReportMarkdown, junit: renderReportJunit };

/** The names `--report-dir` writes. */
export const REPORT_DIR_FILES: Readonly<Record<ReportFormat, string>> = { html: 'report.html', markdown: 'report.md', junit: 'junit.xml' };

/** Writes each asked-for format to its path; ROLLOUT_REPORT_UNWRITABLE (exit 1) naming the path when one cannot be. */
export function writeReports(model: ReportModel, paths: Partial<Record<ReportFormat, string>>): ReportFile[] {
  const files: ReportFile[] = [];
  for (const format of ['html', 'markdown', 'junit'] as const) {
    const given = paths[format];
    if (given === undefined) continue;
    const path = resolve(given);
    const text = RENDER[format](model);
    try {
      writeFileAtomic(path, text, { mode: 0o644 });
    } catch (e) {
      throw new EdgeError('ROLLOUT_REPORT_UNWRITABLE', `cannot write the ${format} report to ${path}: ${(e as Error).message}`, { cause: e });
    }
    files.push({ format, path, bytes: Buffer.byteLength(text) });
  }
  return files;
}

/** Creates the folder (0755) when missing; a path that is something else is refused. */
function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
}

/**
 * `--report-dir`: report.html, report.md and junit.xml of the rollout as its journal stands; never
 * throws. Progress (or the warning) goes to stderr: a line for people, an NDJSON event with --json.
 */
export function writeReportDir(dir: string, input: ReportInput, progress: LiveSink, json: boolean): ReportFile[] {
  const abs = resolve(dir);
  try {
    ensureDir(abs);
    const paths = Object.fromEntries(Object.entries(REPORT_DIR_FILES).map(([f, name]) => [f, join(abs, name)]));
    const files = writeReports(buildReport(input), paths);
    progress.write(json ? `${JSON.stringify({ type: 'report', dir: abs, files: files.map((f) => f.path) })}\n` : `reports written to ${abs}: report.html, report.md, junit.xml\n`);
    return files;
  } catch (e) {
    const message = `could not write the rollout reports to ${abs}: ${(e as Error).message}`;
    progress.write(json ? `${JSON.stringify({ type: 'warning', message })}\n` : `WARNING: ${message}\n`);
    return [];
  }
}
