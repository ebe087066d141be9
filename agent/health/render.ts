// A health sample as text lines, for `edge-agent health` and the gate's lines in scripts.log. Pure.
import type { HealthSample } from './types.js';

const STATUS_LABEL = { ok: 'ok', warn: 'WARN', fail: 'FAIL', error: 'ERROR' } as const;

export function renderHealth(report: HealthSample): string[] {
  const width = Math.max(8, ...report.checks.map((c) => c.name.length), ...(report.skipped ?? []).map((c) => c.name.length));
  const lines = [`health: ${report.verdict} (${report.checks.length} check${report.checks.length === 1 ? '' : 's'}${report.skipped?.length ? `, ${report.skipped.length} skipped` : ''}, sampled ${report.sampledAt})`];
  for (const c of report.checks) {
    const value = c.value === undefined ? '-' : `${c.value}${c.unit ? (c.unit === '%' ? '%' : ` ${c.unit}`) : ''}`;
    lines.push(`  ${STATUS_LABEL[c.status].padEnd(5)} ${c.name.padEnd(width)} ${value.padEnd(12)}${c.reason ? ` ${c.reason}` : ''}`.trimEnd());
  }
  for (const s of report.skipped ?? []) lines.push(`  skip  ${s.name.padEnd(width)} ${'-'.padEnd(12)} ${s.reason}`);
  return lines;
}
