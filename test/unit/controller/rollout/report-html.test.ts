// The HTML report as text: one self-contained page (inline style, a CSP that forbids fetching,
// no script, no <link>, no src), the facts a reader looks for, and hostile journal strings
// (`<script>`, `<img onerror>`, quotes, control characters) only ever as escaped text.
import t from 'tap';
import { escapeHtml, renderReportHtml } from '../../../../controller/rollout/report-html.js';
import { buildReport } from '../../../../controller/rollout/report-model.js';
import { APPROVER, HOSTILE, input } from './report-fixtures.js';

/** Every URL the page refers to, in any attribute. */
const urls = (html: string): string[] => [...html.matchAll(/\s(?:href|src|action|srcset|poster|data)\s*=\s*"([^"]*)"/gi)].map((m) => m[1] ?? '');

t.test('one page with the facts: header, timeline, gates, approvals, halt, rollback, device health, links', async (t) => {
  const html = renderReportHtml(buildReport(input()));
  t.match(html, /^<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">/);
  t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';/);
  t.match(html, /<title>Rollout air-quality@v1\.4\.0@production: halted<\/title>/);
  t.match(html, /<h1>Rollout air-quality@v1\.4\.0@production <span class="badge st-halted">halted<\/span><\/h1>/);
  t.match(html, /release: <b>v1\.4\.0<\/b>/);
  t.match(html, /<h2>Timeline<\/h2>.*<a href="#wave-0">canary<\/a>.*6\.0s/s);
  t.match(html, /<tr class="row-failed"><td><b>unicorn<\/b>.*Resource Disk failed: disk full/);
  t.match(html, /device-health.*0 of 2 devices unhealthy \(0%\), 0 unknown.*at most 0 unhealthy.*class="ok">pass/);
  t.match(html, /alarms<br><small>on unicorn-web<\/small><\/td><td>errors in ALARM<\/td><td>no alarm in ALARM<\/td><td><span class="bad">FAIL/);
  t.match(html, /<pre>Threshold crossed\nResource Disk failed: disk full<\/pre>/, 'evidence keeps its lines');
  t.ok(html.includes(`<td>${APPROVER}</td>`), 'the approver');
  t.match(html, /<h2>Halted in wave tenants<\/h2>/);
  t.match(html, /<h2>Rollback <small>\(policy all\)<\/small><\/h2>.*d-BACK01/s);
  t.match(html, /<h2>Device health<\/h2>.*<td>2<\/td><td><span class="ok">2<\/span><\/td><td>0<\/td>/s);
  t.match(html, /<a href="https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudformation\/home\?region=eu-west-1#\/stacks\/stackinfo\?stackId=arn%3Aaws/);
  t.match(html, /href="https:\/\/s3\.console\.aws\.amazon\.com\/s3\/buckets\/unicorn-site\?region=us-east-1&#38;prefix=site%2F&#38;showversions=false"/);
});

t.test('self-contained: nothing to fetch, no script; only console links leave the page', async (t) => {
  for (const html of [renderReportHtml(buildReport(input())), renderReportHtml(buildReport(input(HOSTILE)))]) {
    t.notMatch(html, /<(script|link|img|iframe|object|embed|base|form)\b/i);
    t.notMatch(html, /<[^>]*\s(src|srcset|style)\s*=|@import|url\(/i, 'no tag with a src or style of its own, no CSS fetch');
    for (const u of urls(html)) t.match(u, /^(#wave-\d+|https:\/\/([a-z0-9-]+\.)?(s3\.)?console\.aws\.amazon\.com\/)/, u);
  }
});

t.test('hostile names: escaped text only, no control characters', async (t) => {
  const html = renderReportHtml(buildReport(input(HOSTILE)));
  t.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;'), 'the wave name as text');
  t.ok(html.includes('&#60;img src=x onerror=alert(2)&#62;'), 'the stack name as text');
  t.ok(html.includes('pis@ring1&#34;]]&#62;'), 'a quote in a name cannot end an attribute');
  t.ok(html.includes('&#60;a href=&#34;https://evil.example/&#34;&#62;click&#60;/a&#62;?[2J'), 'a link in a comment is text');
  t.notOk(html.includes('evil.example/">'), 'no live link to it');
  t.notMatch(html, /[^\P{Cc}\n\t]/u, 'no control character but newlines and tabs');
  t.match(html, /ten\|ants wave/, 'a newline in a name is a space');
});

t.test('escapeHtml: markup, quotes, control characters, newlines where kept', async (t) => {
  t.equal(escapeHtml('<a href="x">\'&'), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
  t.equal(escapeHtml('a\r\nb\u0000c\u001bd'), 'a b?c?d');
  t.equal(escapeHtml('a\r\nb\u0000\tc', true), 'a\nb?\tc');
  t.equal(escapeHtml('\ud800x'), '\ufffdx');
  t.equal(escapeHtml(undefined), '');
  t.equal(escapeHtml(12), '12');
});
