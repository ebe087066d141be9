// Rollout reports end to end: the real fleetctl (spawned) against the sandbox's virtual hosts. A
// release whose canaries turn unhealthy halts and is rolled back: `start --report-dir` writes the
// three reports (exit 1 as before), `rollout report` writes them again from the journal (exit 0),
// with --config or with --bucket alone, or prints the Markdown. A manual approval: start exits 3
// and reports the wait, resume reports who approved. Errors: no such rollout (1), a bad id (2), a
// file that cannot be written (1); a report folder that cannot be made only warns.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { tempDir } from '../../helpers/temp-dir.js';
import { BUCKET, callerArn, rolloutId, startGatesEstate, type GatesEstate } from './rollout-gates-fixture.js';

t.setTimeout(280_000);

let e: GatesEstate;
let caller: string;
t.before(async () => {
  e = await startGatesEstate(t);
  caller = await callerArn(e);
});

const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');

interface Junit {
  testsuites: { failures: string; skipped: string; testsuite: { name: string; testcase: { name: string; failure?: { type: string; message: string }; skipped?: unknown }[] }[] };
}
function junit(xml: string): Junit {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`junit.xml is not valid XML: ${JSON.stringify(valid)}`);
  const isArray = (name: string): boolean => name === 'testsuite' || name === 'testcase';
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true, isArray }).parse(xml) as Junit;
}

t.test('a halted rollout with a rollback: start --report-dir, then rollout report', async (t) => {
  await e.push('v1.0.0');
  const v1 = await e.fleetctl(['rollout', 'start', '--release', 'v1.0.0']);
  t.equal(v1.code, 0, 'v1 rolls out', { stderr: v1.stderr });
  await e.push('v2.0.0');
  const dir = join(tempDir(t, 'reports'), 'ci', 'v2');
  const v2 = await e.fleetctl(['rollout', 'start', '--release', 'v2.0.0', '--report-dir', dir]);
  t.equal(v2.code, 1, 'the rollout halts: exit 1, the reports change nothing', { stderr: v2.stderr });
  t.match(v2.stderr, `reports written to ${dir}: report.html, report.md, junit.xml`);
  t.equal(statSync(dir).mode & 0o777, 0o755, 'the folder is made 0755');
  const status = await e.status('v2.0.0', 'production');
  const back = status.rollback?.targets[0]?.ref?.deploymentId ?? '';
  t.match(back, /^d-/);

  const html = read(dir, 'report.html');
  t.match(html, /<h1>Rollout air-quality@v2\.0\.0@production <span class="badge st-halted">halted<\/span><\/h1>/);
  t.match(html, /<h2>Halted in wave canary<\/h2>/);
  t.match(html, /device-health.*\d+ of \d+ devices unhealthy \(100%\)/);
  t.ok(html.includes(`https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${back}?region=us-east-1`), 'the rollback links to its deployment');
  const md = read(dir, 'report.md');
  t.match(md, /^## Rollout air-quality@v2\.0\.0@production: 🛑 halted/);
  t.match(md, /### Rollback \(policy all\)\n\n.*\n.*\n\| pis@ring1 \| rollback \| ✅ succeeded \|/);
  t.match(md, /### Device health\n\n.*\n.*\n\| canary \| deployed \| (\d+) \| 0 \| \1 \| 0 \| ❌ \|/);
  const suites = junit(read(dir, 'junit.xml')).testsuites;
  t.match(suites.testsuite.map((s) => s.name), ['canary', 'rest', 'rollback (policy all)']);
  t.match(suites.testsuite[0]?.testcase, [{ name: 'pis@ring1', failure: { type: 'halted', message: /^halted: device-health: / } }]);
  t.match(suites.testsuite[1]?.testcase, [{ name: 'pis@ring2', skipped: {} }]);

  const out = tempDir(t, 'report-files');
  const files = { html: join(out, 'r.html'), markdown: join(out, 'r.md'), junit: join(out, 'j.xml') };
  const id = rolloutId('v2.0.0', 'production');
  const r = await e.fleetctl(['rollout', 'report', id, '--html', files.html, '--markdown', files.markdown, '--junit', files.junit, '--json']);
  t.equal(r.code, 0, 'report exits 0 for a halted rollout', { stderr: r.stderr });
  const doc = JSON.parse(r.stdout) as { schema: string; state: string; files: { format: string; path: string }[]; report: { outcome: string } };
  t.match(doc, { schema: 'fleetctl.rollout.report/v1', state: 'halted', report: { outcome: 'halted' } });
  t.same(doc.files.map((f) => [f.format, f.path]), [['html', files.html], ['markdown', files.markdown], ['junit', files.junit]]);
  t.equal(read(out, 'r.md').replace(/generated [^·<]+/, ''), md.replace(/generated [^·<]+/, ''), 'the same Markdown as the run wrote');
  t.equal(statSync(files.html).mode & 0o777, 0o644);

  const stdout = await e.fleetctl(['rollout', 'report', id]);
  t.equal(stdout.code, 0, stdout.stderr);
  t.match(stdout.stdout, /^## Rollout air-quality@v2\.0\.0@production: 🛑 halted/, 'no file flag: the Markdown on stdout');
  const bare = await e.fleetctl(['rollout', 'report', id, '--bucket', BUCKET, '--prefix', 'releases/', '--region', 'us-east-1', '--config', 'none.yml']);
  t.equal(bare.code, 0, 'with --bucket alone', { stderr: bare.stderr });
  t.match(bare.stdout, /\| pis@ring1 \| ❌ failed|\| pis@ring1 \| ✅ succeeded/);
  t.notMatch(bare.stdout, /\| canary \| .* \| devices ·/, 'no kinds without the config');
});

t.test('a manual approval: start --report-dir reports the wait (exit 3), resume who approved', async (t) => {
  const id = rolloutId('approve-1', 'approval');
  await e.push('approve-1');
  const dir = tempDir(t, 'reports-approval');
  const start = await e.fleetctl(['rollout', 'start', '--release', 'approve-1', '--report-dir', dir, '--json']);
  t.equal(start.code, 3, 'waiting for a person', { stderr: start.stderr });
  t.match(start.stderr, /\{"type":"report","dir":"[^"]+","files":\[/);
  t.match(read(dir, 'report.md'), /✋ \*\*Waiting:\*\* waiting for approval of wave second/);
  t.match(junit(read(dir, 'junit.xml')).testsuites.testsuite[1]?.testcase, [{ name: 'lab-b', skipped: {} }]);
  const approve = await e.fleetctl(['rollout', 'approve', id, '--wave', 'second', '--comment', 'looks <fine>']);
  t.equal(approve.code, 0, approve.stderr);
  const resume = await e.fleetctl(['rollout', 'resume', id, '--report-dir', dir]);
  t.equal(resume.code, 0, { stderr: resume.stderr });
  const html = read(dir, 'report.html');
  t.match(html, /st-succeeded">succeeded<\/span><\/h1>/);
  t.ok(html.includes(`<td>second</td>`) && html.includes(`<td>${caller}</td>`), 'the approver');
  t.ok(html.includes('looks &#60;fine&#62;'), 'the comment, escaped');
  t.equal(junit(read(dir, 'junit.xml')).testsuites.failures, '0');
});

t.test('errors: no such rollout 1, a bad id 2, an unwritable file 1; an unwritable folder only warns', async (t) => {
  const none = await e.fleetctl(['rollout', 'report', rolloutId('v9.9.9', 'production'), '--json']);
  t.equal(none.code, 1);
  t.match(JSON.parse(none.stdout), { schema: 'fleetctl.rollout.report/v1', error: { code: 'ROLLOUT_NOT_FOUND' } });
  const bad = await e.fleetctl(['rollout', 'report', 'not an id']);
  t.equal(bad.code, 2);
  const noConfig = await e.fleetctl(['rollout', 'report', rolloutId('v2.0.0', 'production'), '--config', 'missing.yml']);
  t.equal(noConfig.code, 2, noConfig.stderr);
  const same = await e.fleetctl(['rollout', 'report', rolloutId('v2.0.0', 'production'), '--html', 'a', '--junit', 'a']);
  t.equal(same.code, 2, 'two reports to one file');
  const dir = tempDir(t, 'report-errors');
  mkdirSync(join(dir, 'taken.html'));
  const unwritable = await e.fleetctl(['rollout', 'report', rolloutId('v2.0.0', 'production'), '--html', join(dir, 'taken.html')]);
  t.equal(unwritable.code, 1);
  t.match(unwritable.stderr, /\[ROLLOUT_REPORT_UNWRITABLE\]/);
  writeFileSync(join(dir, 'file'), '');
  const again = await e.fleetctl(['rollout', 'start', '--release', 'v2.0.0', '--report-dir', join(dir, 'file', 'sub')]);
  t.equal(again.code, 1, 'the halted rollout still exits 1');
  t.match(again.stderr, /WARNING: could not write the rollout reports to .*file\/sub/);
});
