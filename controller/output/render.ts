// Text building blocks of the human output: aligned tables, a summary line per run, the API call
// statistics line. The JSON output is the same data in the shared envelope (shared/cli/envelope.ts).

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function summaryLine(verb: string, summary: Readonly<Record<string, number>>): string {
  const parts = Object.entries(summary)
    .filter(([k, v]) => k !== 'total' && v > 0)
    .map(([k, v]) => `${v} ${k}`);
  return `${verb} ${summary['total'] ?? 0} device${summary['total'] === 1 ? '' : 's'}: ${parts.join(', ') || 'nothing to do'}\n`;
}

export function statsLine(stats: { apiCalls: number; retries: number; throttledRetries: number; backoffMs: number }): string {
  return `${stats.apiCalls} API calls, ${stats.retries} retries (${stats.throttledRetries} throttled, ${(stats.backoffMs / 1000).toFixed(1)} s back-off)\n`;
}

export const jsonDocument = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;
