// A small progress display on stderr: a redrawn bar on a terminal, a plain line every 10%
// otherwise (logs and CI). Silent for a handful of devices.

export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

export interface Progress {
  tick(failed: boolean): void;
  done(): void;
}

export const MIN_DEVICES_FOR_PROGRESS = 5;

export function renderBar(done: number, total: number, failed: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} devices${failed ? `, ${failed} failed` : ''}`;
}

export function createProgress(label: string, total: number, sink: ProgressSink): Progress {
  let done = 0;
  let failed = 0;
  let lastDecile = 0;
  const active = total > MIN_DEVICES_FOR_PROGRESS;
  return {
    tick(f) {
      done++;
      if (f) failed++;
      if (!active) return;
      if (sink.isTTY) sink.write(`\r${label} ${renderBar(done, total, failed)}`);
      else {
        const decile = Math.floor((done * 10) / total);
        if (decile > lastDecile) {
          lastDecile = decile;
          sink.write(`${label}: ${done}/${total} devices${failed ? `, ${failed} failed` : ''}\n`);
        }
      }
    },
    done() {
      if (active && sink.isTTY) sink.write('\n');
    },
  };
}
