// The rollout report as one self-contained HTML page: inline style, no script, nothing fetched (a
// Content-Security-Policy says so too, should a string ever slip through unescaped), so it opens
// from a CI artifact or a mail attachment as it is. Every journal or config string is escaped:
// names are whatever someone wrote, `<script>` and control characters included. Pure.
import type { GateResult } from './gates/types.js';
import { durationText, type ConsoleLink, type ReportModel, type ReportTarget, type ReportWave } from './report-model.js';

/** Text for an HTML text node or a quoted attribute: markup characters as entities, control characters shown as `?`. */
export function escapeHtml(s: string | number | undefined, keepNewlines = false): string {
  const text = String(s ?? '')
    .replace(keepNewlines ? /\r/g : /[\r\n\t]+/g, keepNewlines ? '' : ' ')
    .replace(keepNewlines ? /[^\P{Cc}\n\t]/gu : /\p{Cc}/gu, '?')
    .replace(/\p{Cs}/gu, '\uFFFD');
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1200px;margin:0 auto;padding:24px}
header{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin-bottom:16px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:15px;margin:16px 0 6px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:4px 20px 16px;margin-bottom:16px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px}
th,td{border-bottom:1px solid #d8dee4;padding:5px 8px;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}th{background:#f6f8fa;font-weight:600;white-space:nowrap}
.badge{display:inline-block;white-space:nowrap;border-radius:12px;padding:1px 10px;font-weight:600;font-size:13px;color:#fff;background:#57606a}
.st-succeeded,.st-passed,.st-approved{background:#1a7f37}.st-failed,.st-halted,.st-aborted{background:#cf222e}
.st-running,.st-in-progress,.st-intent{background:#0969da}.st-waiting-approval,.st-paused{background:#9a6700}
.st-pending,.st-not-started,.st-skipped{background:#8c959f}.st-by-service{background:#8250df}
tr.row-failed td{background:#ffebe9}tr.row-succeeded td:first-child{border-left:4px solid #1a7f37}
tr.row-failed td:first-child{border-left:4px solid #cf222e}tr.row-pending td{color:#57606a}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
.facts{display:flex;flex-wrap:wrap;gap:6px 24px;color:#57606a}.facts b{color:#1f2328}
pre{background:#f6f8fa;border:1px solid #d8dee4;border-radius:6px;padding:6px 8px;margin:4px 0;white-space:pre-wrap;font-size:12px}
.note{border-left:4px solid #9a6700;background:#fff8c5;padding:8px 12px;margin:8px 0}
.alert{border-left:4px solid #cf222e;background:#ffebe9;padding:8px 12px;margin:8px 0}
a{color:#0969da}small{color:#57606a}`;

const badge = (status: string): string => `<span class="badge st-${escapeHtml(status.replace(/[^a-z-]/g, ''))}">${escapeHtml(status)}</span>`;
const link = (l: ConsoleLink | undefined): string =>
  l ? `<a href="${escapeHtml(l.url)}" rel="noopener noreferrer" target="_blank">${escapeHtml(l.label)}</a>` : '';
const row = (cells: readonly string[], cls = ''): string => `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
const table = (head: readonly string[], rows: readonly string[]): string =>
  `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
const time = (at: string | undefined): string => escapeHtml(at ? at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '');

function header(m: ReportModel): string {
  const facts = [
    ['application', m.application],
    ['release', m.release],
    ['environment', m.environment],
    ['started', `${time(m.startedAt)}${m.startedBy ? ` by ${escapeHtml(m.startedBy)}` : ''}`],
    ['finished', time(m.finishedAt)],
    ['duration', durationText(m.seconds)],
  ].filter(([, v]) => v);
  const c = m.counts;
  const counts = `${c.succeeded} succeeded, ${c.failed} failed, ${c.inProgress} in progress, ${c.pending} pending of ${c.targets} targets`;
  const lines = [
    `<h1>Rollout ${escapeHtml(m.rolloutId)} ${badge(m.outcome)}</h1>`,
    `<div class="facts">${facts.map(([k, v]) => `<span>${escapeHtml(k)}: <b>${k === 'started' || k === 'finished' ? v : escapeHtml(v)}</b></span>`).join('')}</div>`,
    `<p>${escapeHtml(counts)}</p>`,
  ];
  if (m.reason) lines.push(`<div class="${m.outcome === 'succeeded' ? 'note' : 'alert'}">${escapeHtml(m.reason)}</div>`);
  if (m.waiting) lines.push(`<div class="note">Waiting: ${escapeHtml(m.waiting.message)}</div>`);
  return `<header>${lines.join('\n')}</header>`;
}

function timeline(m: ReportModel): string {
  const rows = m.waves.map((w) =>
    row([
      `<a href="#wave-${m.waves.indexOf(w)}">${escapeHtml(w.name)}</a>`,
      badge(w.status),
      time(w.startedAt),
      time(w.endedAt),
      escapeHtml(durationText(w.seconds)),
      String(w.targets.length),
      `${w.failed}${w.allowed !== undefined ? ` (${w.allowed} allowed)` : ''}`,
      escapeHtml(w.reason),
    ]),
  );
  return `<section><h2>Timeline</h2>${table(['wave', 'status', 'started', 'ended', 'took', 'targets', 'failed', 'why'], rows)}</section>`;
}

function targetRow(t: ReportTarget): string {
  const where = [t.kind, t.account, t.region].filter(Boolean).join(' · ');
  const ring = t.ring ? `ring ${t.ring.index} of ${escapeHtml(t.ring.base)}` : '';
  const what = [t.deployed ? escapeHtml(t.deployed) : '', link(t.link)].filter(Boolean).join('<br>');
  const outputs = t.outputs ? Object.entries(t.outputs).slice(0, 10).map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(v)}`).join('<br>') : '';
  const why = [t.reason ? `<span class="bad">${escapeHtml(t.reason)}</span>` : '', t.replaced ? `<small>replaced ${escapeHtml(t.replaced)}</small>` : '', outputs];
  const cls = t.status === 'failed' ? 'row-failed' : t.status === 'succeeded' ? 'row-succeeded' : t.status === 'pending' ? 'row-pending' : '';
  return row(
    [
      `<b>${escapeHtml(t.name)}</b>${ring ? `<br><small>${ring}</small>` : ''}`,
      badge(t.status),
      escapeHtml(where),
      `${time(t.startedAt)}${t.seconds !== undefined ? `<br><small>${escapeHtml(durationText(t.seconds))}</small>` : ''}`,
      what,
      why.filter(Boolean).join('<br>'),
    ],
    cls,
  );
}

/** A gate result's cells; `when` (phase and time) is left out under the halt, which says when. */
function resultRow(r: GateResult, when?: { phase: string; at: string }): string {
  const evidence = r.detail ? `<pre>${escapeHtml(r.detail, true)}</pre>` : '';
  return row([
    ...(when ? [escapeHtml(when.phase), time(when.at)] : []),
    `${escapeHtml(r.gate)}${r.target ? `<br><small>on ${escapeHtml(r.target)}</small>` : ''}`,
    escapeHtml(r.value),
    escapeHtml(r.threshold),
    r.passed ? '<span class="ok">pass</span>' : '<span class="bad">FAIL</span>',
    evidence,
  ]);
}

function waveSection(w: ReportWave, index: number): string {
  const parts = [`<h3 id="wave-${index}">Wave ${escapeHtml(w.name)} ${badge(w.status)}</h3>`];
  parts.push(table(['target', 'status', 'kind · account · region', 'started', 'deployment', 'details'], w.targets.map(targetRow)));
  const rows = w.checks.flatMap((c) => c.results.map((r) => resultRow(r, c)));
  if (rows.length > 0) parts.push(`<h3>Gates of ${escapeHtml(w.name)}</h3>`, table(['phase', 'at', 'gate', 'value', 'threshold', 'result', 'evidence'], rows));
  else if (w.gatesPlanned.length > 0) {
    parts.push(`<p><small>gates (not checked yet): ${w.gatesPlanned.map((g) => `${escapeHtml(g.gate)}: ${escapeHtml(g.threshold)}`).join('; ')}</small></p>`);
  }
  if (w.bakeUntil) parts.push(`<p><small>bake until ${time(w.bakeUntil)}</small></p>`);
  return parts.join('\n');
}

function people(m: ReportModel): string {
  const parts: string[] = [];
  if (m.approvals.length > 0) {
    const rows = m.approvals.map((a) =>
      row([escapeHtml(a.wave), time(a.requestedAt), a.by ? escapeHtml(a.by) : '<span class="bad">not yet</span>', time(a.at), escapeHtml(a.comment)]),
    );
    parts.push('<h2>Approvals</h2>', table(['wave', 'requested', 'approved by', 'at', 'comment'], rows));
  }
  if (m.pauses.length > 0) {
    const rows = m.pauses.map((p) => row([escapeHtml(p.by), time(p.at), escapeHtml(p.reason), escapeHtml(p.resumedBy), time(p.resumedAt)]));
    parts.push('<h2>Pauses</h2>', table(['paused by', 'at', 'reason', 'resumed by', 'at'], rows));
  }
  if (m.aborts.length > 0) {
    const rows = m.aborts.map((a) => row([escapeHtml(a.by), time(a.at), escapeHtml(a.reason), a.rollback ? 'yes' : 'no']));
    parts.push('<h2>Aborts</h2>', table(['asked by', 'at', 'reason', 'rollback'], rows));
  }
  return parts.length > 0 ? `<section>${parts.join('\n')}</section>` : '';
}

function haltAndRollback(m: ReportModel): string {
  const parts: string[] = [];
  if (m.halt) {
    parts.push(`<h2>Halted in wave ${escapeHtml(m.halt.wave)}</h2>`, `<div class="alert">${escapeHtml(m.halt.reason)}</div>`);
    if (m.halt.gates.length > 0) parts.push(table(['failing gate', 'value', 'threshold', 'result', 'evidence'], m.halt.gates.map((r) => resultRow(r))));
  }
  if (m.rollback) {
    const rows = m.rollback.targets.map((t) =>
      row([`<b>${escapeHtml(t.name)}</b>`, escapeHtml(t.action), badge(t.status), [escapeHtml(t.deployed), link(t.link)].filter(Boolean).join('<br>'), escapeHtml(t.reason)]),
    );
    parts.push(`<h2>Rollback <small>(policy ${escapeHtml(m.rollback.policy)})</small></h2>`, table(['target', 'action', 'status', 'deployment', 'why'], rows));
  }
  return parts.length > 0 ? `<section>${parts.join('\n')}</section>` : '';
}

function deviceHealth(m: ReportModel): string {
  if (m.deviceHealth.length === 0) return '';
  const rows = m.deviceHealth.map((d) =>
    row([
      escapeHtml(d.wave),
      escapeHtml(d.phase),
      time(d.at),
      String(d.devices),
      `<span class="ok">${d.healthy}</span>`,
      d.unhealthy > 0 ? `<span class="bad">${d.unhealthy}</span>` : '0',
      String(d.unknown),
      d.passed ? '<span class="ok">pass</span>' : '<span class="bad">FAIL</span>',
    ]),
  );
  return `<section><h2>Device health</h2>${table(['wave', 'phase', 'at', 'devices', 'healthy', 'unhealthy', 'unknown', 'gate'], rows)}</section>`;
}

export function renderReportHtml(m: ReportModel): string {
  const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Rollout ${escapeHtml(m.rolloutId)}: ${escapeHtml(m.outcome)}</title>`,
    `<style>${STYLE}</style></head><body><main>`,
    header(m),
    timeline(m),
    haltAndRollback(m),
    people(m),
    deviceHealth(m),
    `<section><h2>Waves</h2>${m.waves.map(waveSection).join('\n')}</section>`,
    `<footer><small>journal ${escapeHtml(m.journal)} · generated ${time(m.generatedAt)} by fleetctl rollout report</small></footer>`,
    '</main></body></html>',
    '',
  ].join('\n');
}
