// The JUnit report parsed back with fast-xml-parser: a suite per wave and one for the rollback, a
// case per target (classname the wave), failures for the failed target and for the target whose
// gate halted the wave, skipped for targets never started, times in seconds; hostile names
// (`]]>`, quotes, newlines, NUL) come back as written, less the characters XML 1.0 forbids.
import t from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXml, renderReportJunit } from '../../../../controller/rollout/report-junit.js';
import { buildReport } from '../../../../controller/rollout/report-model.js';
import { HOSTILE, input } from './report-fixtures.js';

interface Case {
  classname: string;
  name: string;
  time: string;
  failure?: { type: string; message: string; '#text'?: string };
  skipped?: { message: string };
  'system-out'?: string;
}
interface Suite {
  name: string;
  tests: string;
  failures: string;
  skipped: string;
  time: string;
  timestamp?: string;
  testcase: Case[];
}

function parse(xml: string): { testsuites: { name: string; tests: string; failures: string; skipped: string; testsuite: Suite[] } } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    // numeric character references (an attribute's newlines) decoded as any XML parser does
    htmlEntities: true,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  });
  return parser.parse(xml) as ReturnType<typeof parse>;
}

t.test('a halted rollout: suites per wave and the rollback, failures, skips and times', async (t) => {
  const doc = parse(renderReportJunit(buildReport(input())));
  const root = doc.testsuites;
  t.match(root, { name: 'rollout air-quality@v1.4.0@production', tests: '7', failures: '2', skipped: '1' });
  const [canary, tenants, rollback] = root.testsuite;
  t.match(canary, { name: 'canary', tests: '1', failures: '0', skipped: '0', time: '6.000', timestamp: '2026-03-01T10:00:01' });
  t.match(canary?.testcase, [{ classname: 'canary', name: 'pis@ring1', time: '2.000', 'system-out': /deployment d-CANARY01[\s\S]*console: https:\/\// }]);
  t.notOk(canary?.testcase[0]?.failure);
  t.match(tenants, { name: 'tenants', tests: '3', failures: '2', time: '11.000' });
  const [ring2, stack, web] = tenants?.testcase ?? [];
  t.match(ring2, { classname: 'tenants', name: 'pis@ring2', time: '7.000' });
  t.notOk(ring2?.failure, 'a target the halting gate is not about passes');
  t.match(stack?.failure, { type: 'failed', message: 'Resource Disk failed: disk full' });
  t.match(web?.failure, { type: 'halted', message: 'halted: alarms on unicorn-web: errors in ALARM (no alarm in ALARM)' });
  t.match(rollback, { name: 'rollback (policy all)', tests: '3', failures: '0', skipped: '1' });
  t.match(rollback?.testcase[2], { name: 'unicorn-web', skipped: { message: 'the prefix held no release' } });
});

t.test('targets never started are skipped, saying why', async (t) => {
  const waiting = parse(renderReportJunit(buildReport(input(undefined, 9)))).testsuites;
  t.equal(waiting.testsuite.length, 2, 'no rollback suite');
  t.match(waiting.testsuite[1]?.testcase, [
    { name: 'pis@ring2', time: '0.000', skipped: { message: /^not started yet: waiting for approval of wave tenants/ } },
    { name: 'unicorn', skipped: {} },
    { name: 'unicorn-web', skipped: {} },
  ]);
  t.equal(waiting.skipped, '3');
});

t.test('hostile names: valid XML whose names and reasons parse back, less what XML 1.0 forbids', async (t) => {
  const xml = renderReportJunit(buildReport(input(HOSTILE)));
  t.notOk(/[^\P{Cc}\n\t\r]/u.test(xml), 'no character XML 1.0 forbids');
  t.notOk(xml.includes('<script>') || xml.includes('<img') || xml.includes('<b>'), 'markup stays text');
  const [canary, tenants] = parse(xml).testsuites.testsuite;
  t.equal(canary?.name, HOSTILE.canary);
  t.equal(canary?.testcase[0]?.name, HOSTILE.ring1, '`"]]>` in an attribute');
  t.equal(tenants?.name, HOSTILE.tenants, 'the newline kept as a character reference');
  t.equal(tenants?.testcase[0]?.name, "pis'@ring2", 'NUL and BEL dropped');
  const stack = tenants?.testcase[1];
  t.equal(stack?.name, HOSTILE.stack);
  t.equal(stack?.failure?.message, 'boom ]]> & <b>bold</b>\n| fake | row |');
  t.equal(tenants?.testcase[2]?.name, HOSTILE.web);
});

t.test('escapeXml: markup, quotes, forbidden characters and lone surrogates', async (t) => {
  t.equal(escapeXml('a<b>&"\'c'), 'a&lt;b&gt;&amp;&quot;&apos;c');
  t.equal(escapeXml('x\u0000\u0001\u000b\ufffe\ud800y\u{1f600}'), 'xy\u{1f600}');
  t.equal(escapeXml('a\tb\nc\rd', true), 'a&#9;b&#10;c&#13;d');
  t.equal(escapeXml('a\tb\nc', false), 'a\tb\nc');
});
