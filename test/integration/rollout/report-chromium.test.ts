// The HTML report in a real browser: headless Chromium (the OS package, /usr/bin/chromium, which
// scripts/test-prereqs.mjs installs) takes a screenshot of a halted rollout's report, with hostile
// names in a second one, and dumps its DOM. The screenshot is not blank (its pixels, decoded with
// node:zlib), the DOM's text has the facts a reader looks for, the hostile names stayed text, and
// the page asked nothing of the network: every request goes to a loopback proxy that records it and
// forwards nothing (names resolve to nothing but the proxy's address), and a control page with one
// remote image shows the proxy sees such a request.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { renderReportHtml } from '../../../controller/rollout/report-html.js';
import { buildReport } from '../../../controller/rollout/report-model.js';
import { listenOnLoopback } from '../../helpers/loopback-server.js';
import { colourStats, decodePng } from '../../helpers/png.js';
import { killGroupOf, trackGroup } from '../../helpers/process-groups.js';
import { tempDir, type Teardowns } from '../../helpers/temp-dir.js';
import { APPROVER, HOSTILE, input } from '../../unit/controller/rollout/report-fixtures.js';

t.setTimeout(180_000);

const CHROMIUM = '/usr/bin/chromium';

/** What Chromium was asked to fetch through the proxy. */
const requests: string[] = [];
/** Chromium's own background calls (time, updates, sign-in), which its flags do not all turn off: not the page's. */
const CHROMIUM_OWN = /^(GET|POST|CONNECT) (https?:\/\/)?(clients\d*\.google\.com|update\.googleapis\.com|accounts\.google\.com|redirector\.gvt1\.com)[:/]/;
const pageRequests = (): string[] => requests.filter((r) => !CHROMIUM_OWN.test(r));
let proxy = '';
t.before(async () => {
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.destroy();
  });
  const s = await listenOnLoopback(server);
  t.teardown(() => s.close());
  proxy = s.url;
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One headless Chromium run in its own process group (killed in teardown) with a fresh profile. */
function chromium(t: Teardowns, dir: string, args: readonly string[]): Promise<Run> {
  const flags = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-extensions', `--user-data-dir=${join(dir, 'profile')}`,
    `--proxy-server=${proxy}`, '--proxy-bypass-list=<-loopback>', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  ];
  const child = spawn(CHROMIUM, [...flags, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  trackGroup(child);
  t.teardown(() => killGroupOf(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The text a reader sees: the dumped DOM less its tags and style, entities decoded, spaces folded. */
const textOf = (dom: string): string =>
  dom
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

t.test('the report renders: a screenshot that is not blank, the facts in the DOM, no request made', async (t) => {
  const dir = tempDir(t, 'report-chromium');
  const page = join(dir, 'report.html');
  writeFileSync(page, renderReportHtml(buildReport(input())));
  const shot = join(dir, 'shot.png');
  const r = await chromium(t, dir, [`--screenshot=${shot}`, '--window-size=1280,2000', `file://${page}`]);
  t.equal(r.code, 0, 'chromium took the screenshot', { stderr: r.stderr.slice(-2000) });
  const png = decodePng(readFileSync(shot));
  t.match(png, { width: 1280, height: 2000 });
  const { colours, inked } = colourStats(png);
  t.ok(colours > 50, `many colours (text, badges, tables): ${colours}`);
  t.ok(inked > 0.2 && inked < 0.95, `a page with content on a background: ${(inked * 100).toFixed(1)}% not background`);

  const dump = await chromium(t, dir, ['--dump-dom', `file://${page}`]);
  t.equal(dump.code, 0, 'chromium dumped the DOM', { stderr: dump.stderr.slice(-2000) });
  const text = textOf(dump.stdout);
  for (const fact of [
    'Rollout air-quality@v1.4.0@production halted',
    'release: v1.4.0',
    'pis@ring1', 'pis@ring2', 'unicorn-web',
    '0 of 2 devices unhealthy (0%), 0 unknown',
    'errors in ALARM no alarm in ALARM FAIL',
    `tenants 2026-03-01 10:00:08 UTC ${APPROVER} 2026-03-01 10:00:11 UTC canaries look fine`,
    'CodeDeploy d-BACK01',
    'Halted in wave tenants',
  ]) {
    t.ok(text.includes(fact), fact);
  }
  t.same(pageRequests(), [], 'the page fetched nothing');
});

t.test('hostile names render as text: no element made of them, nothing fetched', async (t) => {
  const dir = tempDir(t, 'report-chromium-hostile');
  const page = join(dir, 'report.html');
  writeFileSync(page, renderReportHtml(buildReport(input(HOSTILE))));
  const dump = await chromium(t, dir, ['--dump-dom', `file://${page}`]);
  t.equal(dump.code, 0, { stderr: dump.stderr.slice(-2000) });
  t.notMatch(dump.stdout, /<(script|img|iframe)\b/i, 'the DOM has no script, image or frame element');
  t.notMatch(dump.stdout, /<a href="https:\/\/evil/, 'no link to the comment\'s URL');
  const text = textOf(dump.stdout);
  t.ok(text.includes('<script>alert(1)</script>'), 'the wave name shows as written');
  t.ok(text.includes('<img src=x onerror=alert(2)>'), 'the stack name shows as written');
  t.ok(text.includes('<a href="https://evil.example/">click</a>?[2J'), 'the comment shows as written');
  const shot = join(dir, 'shot.png');
  const r = await chromium(t, dir, [`--screenshot=${shot}`, '--window-size=1280,1400', `file://${page}`]);
  t.equal(r.code, 0, { stderr: r.stderr.slice(-2000) });
  t.ok(colourStats(decodePng(readFileSync(shot))).colours > 50, 'rendered');
  t.same(pageRequests(), [], 'the page fetched nothing');
});

t.test('control: a page with a remote image is seen fetching it', async (t) => {
  const dir = tempDir(t, 'report-chromium-control');
  const page = join(dir, 'control.html');
  writeFileSync(page, '<!DOCTYPE html><html><body><img src="http://example.com/pixel.png">control</body></html>');
  const dump = await chromium(t, dir, ['--dump-dom', `file://${page}`]);
  t.equal(dump.code, 0, { stderr: dump.stderr.slice(-2000) });
  t.ok(pageRequests().includes('GET http://example.com/pixel.png'), 'the proxy recorded the image request', { requests });
});
