// The Markdown report: the facts in GitHub tables, hostile strings inert in one cell each (`|`
// escaped, newlines gone, no raw HTML), long lists cut with a count, and the whole under the
// byte budget of a PR comment however many targets the rollout has.
import t from 'tap';
import { foldJournal, type EntryBody } from '../../../../controller/rollout/journal-model.js';
import { escapeMd, REPORT_MARKDOWN_BYTES, renderReportMarkdown } from '../../../../controller/rollout/report-markdown.js';
import { buildReport } from '../../../../controller/rollout/report-model.js';
import { APPROVER, HOSTILE, input, journal } from './report-fixtures.js';

/** The cells of a table row: split on `|` not escaped by a backslash. */
const cells = (line: string): string[] => line.replace(/^\| | \|$/g, '').split(/(?<!\\)\|/);

t.test('the facts: outcome, timeline, halt, rollback, approvals, pause, device health, waves, links', async (t) => {
  const md = renderReportMarkdown(buildReport(input()));
  t.match(md, /^## Rollout air-quality@v1\.4\.0@production: 🛑 halted\n/);
  t.match(md, /\*\*Release\*\* v1\.4\.0 · \*\*environment\*\* production/);
  t.match(md, /\| canary \| ✅ passed \| 2026-03-01 10:00:01 UTC \| 2026-03-01 10:00:07 UTC \| 6\.0s \| 1 \| 0 \(0 allowed\) \|/);
  t.match(md, /### 🛑 Halted in wave tenants\n\n> wave tenants: Resource Disk failed: disk full/);
  t.match(md, /\| alarms on unicorn-web \| errors in ALARM \| no alarm in ALARM \| ❌ FAIL \| Resource Disk failed: disk full \|/);
  t.match(md, /\| pis@ring1 \| rollback \| ✅ succeeded \| deployment d-BACK01 \(\[console\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com\//);
  t.ok(md.includes(`| tenants | ${escapeMd(APPROVER)} | 2026-03-01 10:00:11 UTC | canaries look fine |`), 'the approver');
  t.match(md, /\| pause \| arn:aws:iam::111111111111:user\/ops \|.*resumed by/);
  t.match(md, /### Device health\n\n.*\n.*\n\| canary \| deployed \| 2 \| 2 \| 0 \| 0 \| ✅ \|/);
  t.match(md, /\| unicorn \| ❌ failed \| stack · 222222222222 · eu-west-1 \| 6\.0s \| change set fleetctl-abc \(\[console\]/);
  t.ok(Buffer.byteLength(md) < REPORT_MARKDOWN_BYTES);
});

t.test('a rollout waiting for approval says so and what to run', async (t) => {
  const md = renderReportMarkdown(buildReport(input(undefined, 9)));
  t.match(md, /: ✋ waiting-approval/);
  t.match(md, /> ✋ \*\*Waiting:\*\* waiting for approval of wave tenants; run \\`fleetctl rollout approve air-quality@v1\.4\.0@production --wave tenants\\`/);
  t.match(md, /\| tenants \| ✋ not yet \|/);
});

t.test('hostile names: one inert cell each, the same number of cells in every row', async (t) => {
  const md = renderReportMarkdown(buildReport(input(HOSTILE)));
  t.notMatch(md, /<(?!sub>|\/sub>)/, 'no raw HTML but our <sub>');
  t.notMatch(md, /[^\P{Cc}\n]/u, 'no control character');
  t.notMatch(md, /(?<!\\)\]\(javascript:/, 'no link made of a name');
  const lines = md.split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith('| ') || lines[i + 1]?.startsWith('|---') === false) continue;
    const head = lines.slice(0, i + 1).reverse().find((l, j, all) => l.startsWith('| ') && !all[j + 1]?.startsWith('| '));
    if (head) t.equal(cells(line).length, cells(head).length, `cells of: ${line.slice(0, 60)}`);
  }
  t.ok(md.includes('ten\\|ants wave'), '| escaped, the newline a space');
  t.ok(md.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.ok(md.includes('web\\|\\`\\*\\_\\[x\\](javascript:alert(3))'));
});

t.test('escapeMd', async (t) => {
  t.equal(escapeMd('a|b\nc<d>&e'), 'a\\|b c&lt;d&gt;&amp;e');
  t.equal(escapeMd('*_`[]~\\'), '\\*\\_\\`\\[\\]\\~\\\\');
  t.equal(escapeMd('x\u0000y'), 'x?y');
  t.equal(escapeMd(undefined), '');
  t.equal(escapeMd('y'.repeat(1000)), `${'y'.repeat(399)}…`, 'cut to 400 characters');
});

/** A rollout of one wave of `n` stack targets with long names, all succeeded. */
function large(n: number, nameLength: number): ReturnType<typeof buildReport> {
  const names = Array.from({ length: n }, (_, i) => `t${String(i).padStart(4, '0')}-${'x'.repeat(nameLength)}`);
  const bodies: EntryBody[] = [{ type: 'started', by: 'ci', waves: [{ name: 'all', targets: names }] }, { type: 'wave-started', wave: 'all' }];
  for (const name of names) {
    bodies.push({ type: 'target-started', target: name, attempt: 1, ref: { kind: 'copy', objects: 1 } });
    bodies.push({ type: 'target-finished', target: name, outcome: 'failed', reason: 'r'.repeat(300) });
  }
  const entries = journal(bodies);
  return buildReport({ rolloutId: 'app@v1@prod', state: foldJournal(entries), entries, journal: 's3://b/j/', now: new Date(0) });
}

t.test('long lists are cut with a count; the whole stays under the budget', async (t) => {
  const md = renderReportMarkdown(large(400, 20));
  t.match(md, /\n… and 350 more targets \(the HTML report lists them all\)\n/);
  t.ok(Buffer.byteLength(md) <= REPORT_MARKDOWN_BYTES, `${Buffer.byteLength(md)} bytes`);
  const long = renderReportMarkdown(large(400, 2000));
  t.ok(Buffer.byteLength(long) <= REPORT_MARKDOWN_BYTES, `long names cut in their cells: ${Buffer.byteLength(long)} bytes`);
  const cut = renderReportMarkdown(large(400, 2000), 20 * 1024);
  t.ok(Buffer.byteLength(cut) <= 20 * 1024, `${Buffer.byteLength(cut)} bytes`);
  t.match(cut, /\n\n\*… \d+ more lines left out to stay under 20 KiB: the HTML report has everything\.\*\n$/);
  const small = renderReportMarkdown(large(3, 10), 1200);
  t.ok(Buffer.byteLength(small) <= 1200);
  t.match(small, /more lines left out to stay under 1 KiB/);
});
