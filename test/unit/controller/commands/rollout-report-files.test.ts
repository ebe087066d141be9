// Writing the reports: each asked-for file through a temp file and a rename (0644), an unwritable
// path as ROLLOUT_REPORT_UNWRITABLE; --report-dir's folder made 0755 with all three files, and a
// folder that cannot be made only a warning on stderr (a line, or an NDJSON event with --json).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { writeReportDir, writeReports } from '../../../../controller/commands/rollout-report-files.js';
import { isEdgeError } from '../../../../shared/errors.js';
import { buildReport } from '../../../../controller/rollout/report-model.js';
import { input } from '../rollout/report-fixtures.js';

const sink = () => {
  const lines: string[] = [];
  return { lines, progress: { isTTY: false, write: (s: string) => void lines.push(s) } };
};

t.test('writeReports: the asked-for formats only, whole files, 0644', async (t) => {
  const dir = t.testdir();
  const files = writeReports(buildReport(input()), { junit: join(dir, 'j.xml'), html: join(dir, 'r.html') });
  t.same(files.map((f) => f.format), ['html', 'junit']);
  t.same(readdirSync(dir).sort(), ['j.xml', 'r.html'], 'no temp file left');
  t.equal(files[0]?.bytes, Buffer.byteLength(readFileSync(join(dir, 'r.html'))));
  t.equal(statSync(join(dir, 'j.xml')).mode & 0o777, 0o644);
  mkdirSync(join(dir, 'folder'));
  let error: unknown;
  try {
    writeReports(buildReport(input()), { markdown: join(dir, 'folder') });
  } catch (e) {
    error = e;
  }
  t.ok(isEdgeError(error, 'ROLLOUT_REPORT_UNWRITABLE'), 'a folder in the way');
  t.match(String((error as Error | undefined)?.message), /cannot write the markdown report to .*folder/);
});

t.test('writeReportDir: the folder and three files, or a warning', async (t) => {
  const root = t.testdir();
  const out = sink();
  const files = writeReportDir(join(root, 'a', 'b'), input(), out.progress, false);
  t.same(readdirSync(join(root, 'a', 'b')).sort(), ['junit.xml', 'report.html', 'report.md']);
  t.equal(files.length, 3);
  t.equal(statSync(join(root, 'a', 'b')).mode & 0o777, 0o755);
  t.match(out.lines, [/^reports written to .*\/a\/b: report\.html, report\.md, junit\.xml\n$/]);
  writeFileSync(join(root, 'file'), '');
  const bad = sink();
  t.same(writeReportDir(join(root, 'file'), input(), bad.progress, false), [], 'a file in the way: nothing written, no throw');
  t.match(bad.lines, [/^WARNING: could not write the rollout reports to .*file: /]);
  const json = sink();
  writeReportDir(join(root, 'file', 'x'), input(), json.progress, true);
  t.match(JSON.parse(json.lines[0] ?? ''), { type: 'warning', message: /could not write the rollout reports/ });
});
