// fleetctl rollout report ID [--html FILE] [--markdown FILE] [--junit FILE] [--json]: a rollout's
// reports, read from its journal in the release bucket as `rollout status` reads it (--config, or
// --bucket/--prefix/--region). With the config at hand the plan adds each target's kind, account
// and region (and so its console links) and each wave's gates. Exit 0 when the reports were made,
// whatever the rollout's outcome (the report is the work); 1 when the journal cannot be read or a
// file cannot be written; 2 for usage and config errors. No file flag: the Markdown on stdout.
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';
import type { RolloutConfig } from '../rollout/config-types.js';
import { parseRolloutId, planRollout, type RolloutPlan } from '../rollout/plan.js';
import { renderReportMarkdown } from '../rollout/report-markdown.js';
import { buildReport, type ReportModel } from '../rollout/report-model.js';
import { S3ObjectStore } from '../rollout/s3-object-store.js';
import type { RolloutStateName } from '../rollout/summary.js';
import { journalOf, locate, openPool, type RolloutDeps } from './rollout-common.js';
import { writeReports, type ReportFile } from './rollout-report-files.js';
import { where, type WhereFlags } from './rollout-status.js';

export interface ReportFlags extends WhereFlags {
  html?: string;
  markdown?: string;
  junit?: string;
}

export interface ReportResult {
  readonly rolloutId: string;
  readonly state: RolloutStateName;
  readonly files: readonly ReportFile[];
  /** The Markdown, when no file was asked for (what stdout shows). */
  readonly markdown?: string;
  readonly report: ReportModel;
}

/** The plan of the rollout the id names, when the config still routes it; the report works without. */
function planOf(config: RolloutConfig | undefined, rolloutId: string): RolloutPlan | undefined {
  const id = parseRolloutId(rolloutId);
  if (!config || !id || id.application !== config.application) return undefined;
  const r = planRollout(config, id.version, id.environment);
  return r.ok ? r.plan : undefined;
}

export async function rolloutReport(id: string, flags: ReportFlags, deps: RolloutDeps): Promise<CommandOutcome<ReportResult>> {
  const asked = [flags.html, flags.markdown, flags.junit].filter((p): p is string => p !== undefined);
  if (asked.some((p) => p === '')) throw new EdgeError('CLI_USAGE', 'a report file flag needs a path');
  if (new Set(asked).size !== asked.length) throw new EdgeError('CLI_USAGE', 'give each report its own file (--html, --markdown and --junit name the same path)');
  const w = where(flags, deps);
  const loc = locate(w.bucket, w.region, w.prefix, id);
  const plan = planOf(w.config, id);
  const pool = await openPool(w.region, flags, deps);
  try {
    const store = new S3ObjectStore(pool.session({ region: w.region }).s3, w.bucket);
    const journal = journalOf(store, loc, deps.now);
    const state = await journal.load();
    if (!state.started) {
      throw new EdgeError('ROLLOUT_NOT_FOUND', `no rollout ${id}: nothing at ${loc.journal}`, { details: { journal: loc.journal } });
    }
    const report = buildReport({ rolloutId: id, state, entries: journal.all, journal: journal.location, ...(plan ? { plan } : {}), now: deps.now() });
    const paths = {
      ...(flags.html !== undefined ? { html: flags.html } : {}),
      ...(flags.markdown !== undefined ? { markdown: flags.markdown } : {}),
      ...(flags.junit !== undefined ? { junit: flags.junit } : {}),
    };
    const files = writeReports(report, paths);
    const markdown = asked.length === 0 ? { markdown: renderReportMarkdown(report) } : {};
    return { data: { rolloutId: id, state: report.outcome, files, ...markdown, report }, exit: ExitCode.OK };
  } finally {
    pool.destroy();
  }
}

/** For people: the Markdown itself, or which files were written. */
export function renderReportResult(r: ReportResult): string {
  if (r.markdown !== undefined) return r.markdown;
  const lines = r.files.map((f) => `wrote the ${f.format} report of ${r.rolloutId} (${r.state}) to ${f.path} (${f.bytes} bytes)`);
  return `${lines.join('\n')}\n`;
}
