// The rollout report as GitHub-flavoured Markdown, for a pull request comment or
// $GITHUB_STEP_SUMMARY: the outcome, a timeline of the waves, halt and rollback, approvals,
// device health, and per wave its targets and gates. A comment holds at most 65,536 characters, so
// long lists are cut with a count and the whole stays under REPORT_MARKDOWN_BYTES. Every journal or
// config string is escaped for a table cell: one line, no markup, `|` escaped. Pure.
import type { GateResult } from './gates/types.js';
import { durationText, type ReportModel, type ReportWave } from './report-model.js';

/** The most bytes of Markdown a report gives (a GitHub comment takes 65,536 characters). */
export const REPORT_MARKDOWN_BYTES = 64 * 1024 - 1024;
/** Rows of a table before the rest is counted: enough for a wave of tenants, short enough for a comment. */
const ROWS = 50;

/** Characters of one value shown in a cell (a reason may be kilobytes; the HTML report has it whole). */
const CELL_CHARS = 400;

/** One line of inert Markdown: control characters shown as `?`, markup characters escaped, `|` as `\|`; long text cut. */
export function escapeMd(s: string | number | undefined): string {
  const text = String(s ?? '');
  return (text.length > CELL_CHARS ? `${text.slice(0, CELL_CHARS - 1)}…` : text)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\p{Cc}/gu, '?')
    .replace(/\p{Cs}/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // every value sits inside a line (a cell, after a heading's words): only inline markup matters
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}

const ICON: Record<string, string> = {
  succeeded: '✅', passed: '✅', failed: '❌', halted: '🛑', aborted: '🛑', pending: '⏳', 'not-started': '⏳',
  running: '🔄', 'in-progress': '🔄', intent: '🔄', 'waiting-approval': '✋', paused: '⏸️', skipped: '➖', 'by-service': '↩️',
};
const status = (s: string): string => `${ICON[s] ?? ''} ${escapeMd(s)}`.trim();
const at = (t: string | undefined): string => escapeMd(t ? t.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '');

function table(head: readonly string[], rows: readonly (readonly string[])[], what: string): string[] {
  const shown = rows.slice(0, ROWS).map((r) => `| ${r.join(' | ')} |`);
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- |').join('')}`, ...shown];
  if (rows.length > ROWS) out.push('', `… and ${rows.length - ROWS} more ${what} (the HTML report lists them all)`);
  return [...out, ''];
}

const gateRow = (r: GateResult, phase?: string): string[] => [
  ...(phase !== undefined ? [escapeMd(phase)] : []),
  `${escapeMd(r.gate)}${r.target ? ` on ${escapeMd(r.target)}` : ''}`,
  escapeMd(r.value),
  escapeMd(r.threshold),
  r.passed ? '✅ pass' : '❌ FAIL',
  escapeMd(lastLine(r.detail)),
];

/** The last non-empty line of a gate's evidence, cut to 200 characters (the HTML report has it all). */
function lastLine(detail: string | undefined): string {
  const last = (detail ?? '').split(/\r?\n/).filter((l) => l.trim() !== '').at(-1) ?? '';
  return last.length > 200 ? `…${last.slice(-199)}` : last;
}

function waveLines(w: ReportWave): string[] {
  const lines = [`### Wave ${escapeMd(w.name)}: ${status(w.status)}`, ''];
  const rows = w.targets.map((t) => [
    escapeMd(t.name),
    status(t.status),
    escapeMd([t.kind, t.account, t.region].filter(Boolean).join(' · ')),
    escapeMd(durationText(t.seconds)),
    `${escapeMd(t.deployed)}${t.link ? ` ([console](${t.link.url}))` : ''}`,
    escapeMd(t.reason),
  ]);
  lines.push(...table(['target', 'status', 'where', 'took', 'deployment', 'why'], rows, 'targets'));
  const gates = w.checks.flatMap((c) => c.results.map((r) => gateRow(r, c.phase)));
  if (gates.length > 0) lines.push(...table(['phase', 'gate', 'value', 'threshold', 'result', 'evidence'], gates, 'gate results'));
  return lines;
}

function body(m: ReportModel): string[] {
  const c = m.counts;
  const lines = [
    `## Rollout ${escapeMd(m.rolloutId)}: ${status(m.outcome)}`,
    '',
    `**Release** ${escapeMd(m.release)} · **environment** ${escapeMd(m.environment)} · **application** ${escapeMd(m.application)}`,
    '',
    `${c.succeeded} succeeded, ${c.failed} failed, ${c.inProgress} in progress, ${c.pending} pending of ${c.targets} targets` +
      (m.startedAt ? ` · started ${at(m.startedAt)}${m.startedBy ? ` by ${escapeMd(m.startedBy)}` : ''}` : '') +
      (m.seconds !== undefined ? ` · took ${escapeMd(durationText(m.seconds))}` : ''),
    '',
  ];
  if (m.reason) lines.push(`> ${escapeMd(m.reason)}`, '');
  if (m.waiting) lines.push(`> ✋ **Waiting:** ${escapeMd(m.waiting.message)}`, '');
  lines.push('### Timeline', '');
  const waves = m.waves.map((w) => [
    escapeMd(w.name), status(w.status), at(w.startedAt), at(w.endedAt), escapeMd(durationText(w.seconds)),
    String(w.targets.length), `${w.failed}${w.allowed !== undefined ? ` (${w.allowed} allowed)` : ''}`,
  ]);
  lines.push(...table(['wave', 'status', 'started', 'ended', 'took', 'targets', 'failed'], waves, 'waves'));
  if (m.halt) {
    lines.push(`### 🛑 Halted in wave ${escapeMd(m.halt.wave)}`, '', `> ${escapeMd(m.halt.reason)}`, '');
    if (m.halt.gates.length > 0) lines.push(...table(['failing gate', 'value', 'threshold', 'result', 'evidence'], m.halt.gates.map((r) => gateRow(r)), 'gates'));
  }
  if (m.rollback) {
    lines.push(`### Rollback (policy ${escapeMd(m.rollback.policy)})`, '');
    const rows = m.rollback.targets.map((t) => [
      escapeMd(t.name), escapeMd(t.action), status(t.status), `${escapeMd(t.deployed)}${t.link ? ` ([console](${t.link.url}))` : ''}`, escapeMd(t.reason),
    ]);
    lines.push(...table(['target', 'action', 'status', 'deployment', 'why'], rows, 'targets'));
  }
  if (m.approvals.length > 0) {
    lines.push('### Approvals', '');
    const rows = m.approvals.map((a) => [escapeMd(a.wave), a.by ? escapeMd(a.by) : '✋ not yet', at(a.at), escapeMd(a.comment)]);
    lines.push(...table(['wave', 'approved by', 'at', 'comment'], rows, 'approvals'));
  }
  if (m.pauses.length > 0 || m.aborts.length > 0) {
    lines.push('### Pauses and aborts', '');
    const rows = [
      ...m.pauses.map((p) => ['pause', escapeMd(p.by), at(p.at), escapeMd(p.reason), p.resumedBy ? `resumed by ${escapeMd(p.resumedBy)} ${at(p.resumedAt)}` : '']),
      ...m.aborts.map((a) => ['abort', escapeMd(a.by), at(a.at), escapeMd(a.reason), a.rollback ? 'with rollback' : '']),
    ];
    lines.push(...table(['what', 'by', 'at', 'reason', 'then'], rows, 'requests'));
  }
  if (m.deviceHealth.length > 0) {
    lines.push('### Device health', '');
    const rows = m.deviceHealth.map((d) => [
      escapeMd(d.wave), escapeMd(d.phase), String(d.devices), String(d.healthy), String(d.unhealthy), String(d.unknown), d.passed ? '✅' : '❌',
    ]);
    lines.push(...table(['wave', 'phase', 'devices', 'healthy', 'unhealthy', 'unknown', 'gate'], rows, 'checks'));
  }
  for (const w of m.waves) lines.push(...waveLines(w));
  lines.push(`<sub>journal ${escapeMd(m.journal)} · generated ${at(m.generatedAt)} by fleetctl rollout report</sub>`, '');
  return lines;
}

/** The report; whole lines past the byte budget are left out, and how many is said at the end. */
export function renderReportMarkdown(m: ReportModel, budget = REPORT_MARKDOWN_BYTES): string {
  const lines = body(m);
  const out: string[] = [];
  let used = 0;
  const tail = 200; // room for the note on what was left out
  for (const [i, line] of lines.entries()) {
    const size = Buffer.byteLength(line) + 1;
    if (used + size > budget - tail) {
      out.push('', `*… ${lines.length - i} more lines left out to stay under ${Math.floor(budget / 1024)} KiB: the HTML report has everything.*`, '');
      break;
    }
    out.push(line);
    used += size;
  }
  return out.join('\n');
}
