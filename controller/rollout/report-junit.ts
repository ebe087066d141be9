// The rollout report as JUnit XML, for CI systems that show test results: a <testsuite> per wave
// (and one for the rollback), a <testcase> per target (classname the wave, name the target), a
// <failure> for a target that failed or was stopped by its wave's halt, with the reason and the
// failing gates, <skipped> for a target that never started. Times in seconds. Text is XML-escaped
// and characters XML 1.0 does not allow (NUL, most control characters, lone surrogates) are
// dropped, so any parser reads it whatever the journal holds. Pure.
import { gateFailureText } from './journal-safety.js';
import type { ReportModel, ReportTarget, ReportWave } from './report-model.js';

const ILLEGAL_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text for an XML text node or a double-quoted attribute. */
export function escapeXml(s: string | number | undefined, attribute = false): string {
  const text = String(s ?? '')
    .replace(ILLEGAL_XML, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
  // an attribute's line breaks and tabs would be normalised to spaces by the parser: keep them as references
  return attribute ? text.replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : text;
}

const attrs = (a: Record<string, string | number | undefined>): string =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v, true)}"`)
    .join('');

const secs = (s: number | undefined): string => (s ?? 0).toFixed(3);

type Verdict = { readonly kind: 'pass' } | { readonly kind: 'skip'; readonly message: string } | { readonly kind: 'fail'; readonly type: string; readonly message: string; readonly body: string };

/** What a target's test case says: failed, halted with its wave (its gates failed), stopped, never started, or passed. */
function verdict(t: ReportTarget, w: ReportWave, m: ReportModel): Verdict {
  if (t.status === 'failed') return { kind: 'fail', type: 'failed', message: t.reason ?? 'the deployment failed', body: t.reason ?? '' };
  if (t.status === 'pending') {
    const why = m.halt ? `never started: the rollout halted in wave ${m.halt.wave}` : m.waiting ? `not started yet: ${m.waiting.message}` : 'not started';
    return { kind: 'skip', message: why };
  }
  if (m.halt?.wave === w.name) {
    const mine = m.halt.gates.filter((g) => g.target === undefined || g.target === t.name);
    if (mine.length > 0) return { kind: 'fail', type: 'halted', message: `halted: ${gateFailureText(mine)}`, body: m.halt.reason };
  }
  if (t.status !== 'succeeded' && (m.outcome === 'halted' || m.outcome === 'aborted')) {
    return { kind: 'fail', type: m.outcome, message: `${m.outcome} while ${t.status}`, body: m.reason ?? '' };
  }
  return { kind: 'pass' };
}

function systemOut(t: ReportTarget): string {
  const lines = [
    t.deployed ? `deployed: ${t.deployed}` : '',
    t.link ? `console: ${t.link.url}` : '',
    t.replaced ? `replaced: ${t.replaced}` : '',
    t.startedAt ? `started: ${t.startedAt}` : '',
    t.endedAt ? `ended: ${t.endedAt}` : '',
    t.attempt > 1 ? `attempt: ${t.attempt}` : '',
  ].filter(Boolean);
  return lines.length > 0 ? `<system-out>${escapeXml(lines.join('\n'))}</system-out>` : '';
}

function testcase(t: ReportTarget, w: ReportWave, m: ReportModel): Case {
  const v = verdict(t, w, m);
  const head = `    <testcase${attrs({ classname: w.name, name: t.name, time: secs(t.seconds) })}>`;
  const inner =
    v.kind === 'fail'
      ? `<failure${attrs({ type: v.type, message: v.message })}>${escapeXml(v.body)}</failure>`
      : v.kind === 'skip'
        ? `<skipped${attrs({ message: v.message })}/>`
        : '';
  return { xml: `${head}${inner}${systemOut(t)}</testcase>`, v };
}

interface Suite {
  readonly xml: string;
  readonly tests: number;
  readonly failures: number;
  readonly skipped: number;
}

type Case = { readonly xml: string; readonly v: Verdict };

function suite(name: string, time: number | undefined, timestamp: string | undefined, cases: readonly Case[], props = ''): Suite {
  const failures = cases.filter((c) => c.v.kind === 'fail').length;
  const skipped = cases.filter((c) => c.v.kind === 'skip').length;
  // JUnit's timestamp is ISO 8601 without a zone
  const stamp = timestamp?.replace(/(\.\d+)?Z$/, '');
  const head = `  <testsuite${attrs({ name, tests: cases.length, failures, errors: 0, skipped, time: secs(time), timestamp: stamp })}>`;
  const xml = [head, ...(props ? [props] : []), ...cases.map((c) => c.xml), '  </testsuite>'].join('\n');
  return { xml, tests: cases.length, failures, skipped };
}

function rollbackSuite(m: ReportModel): Suite[] {
  if (!m.rollback) return [];
  const cases = m.rollback.targets.map((t) => {
    const v: Verdict =
      t.status === 'failed'
        ? { kind: 'fail', type: 'rollback-failed', message: t.reason ?? 'the rollback failed', body: t.reason ?? '' }
        : t.status === 'skipped'
          ? { kind: 'skip', message: t.reason ?? 'nothing to put back' }
          : { kind: 'pass' };
    const out = [t.deployed ? `deployed: ${t.deployed}` : '', t.link ? `console: ${t.link.url}` : '', `status: ${t.status}`].filter(Boolean).join('\n');
    const inner = v.kind === 'fail' ? `<failure${attrs({ type: v.type, message: v.message })}>${escapeXml(v.body)}</failure>` : v.kind === 'skip' ? `<skipped${attrs({ message: v.message })}/>` : '';
    return { xml: `    <testcase${attrs({ classname: 'rollback', name: t.name, time: secs(0) })}>${inner}<system-out>${escapeXml(out)}</system-out></testcase>`, v };
  });
  return [suite(`rollback (policy ${m.rollback.policy})`, undefined, undefined, cases)];
}

export function renderReportJunit(m: ReportModel): string {
  const suites = m.waves.map((w) => {
    const cases = w.targets.map((t) => testcase(t, w, m));
    const props = [
      `      <property${attrs({ name: 'status', value: w.status })}/>`,
      ...(w.reason ? [`      <property${attrs({ name: 'reason', value: w.reason })}/>`] : []),
      ...w.checks.flatMap((c) =>
        c.results.map((r) => {
          const value = `${r.passed ? 'pass' : 'FAIL'}: ${r.value} (passes: ${r.threshold})`;
          return `      <property${attrs({ name: `gate ${c.phase} ${r.gate}${r.target ? ` on ${r.target}` : ''}`, value })}/>`;
        }),
      ),
    ];
    return suite(w.name, w.seconds, w.startedAt, cases, `    <properties>\n${props.join('\n')}\n    </properties>`);
  });
  const all = [...suites, ...rollbackSuite(m)];
  const sum = (k: 'tests' | 'failures' | 'skipped'): number => all.reduce((n, s) => n + s[k], 0);
  const root = attrs({ name: `rollout ${m.rolloutId}`, tests: sum('tests'), failures: sum('failures'), errors: 0, skipped: sum('skipped'), time: secs(m.seconds) });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${root}>\n${all.map((s) => s.xml).join('\n')}\n</testsuites>\n`;
}
