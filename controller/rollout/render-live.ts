// The live view of a running rollout, fed with the runner's events: on a terminal a per-wave and
// per-target block redrawn in place (pending / deploying / in progress / succeeded / failed, with
// the driver's progress such as devices done out of total or the stack status); plain lines when
// not a terminal (logs, CI); NDJSON events with --json (the JSON document stays the only stdout).
import type { RolloutEvent } from './runner.js';
import { clean } from './render.js';

export interface LiveSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

export type LiveMode = 'tty' | 'lines' | 'ndjson';

interface TargetView {
  status: string;
  detail?: string;
}

export class LiveView {
  private readonly targets = new Map<string, TargetView>();
  private readonly waveStatus = new Map<string, string>();
  private drawn = 0;
  private last = new Map<string, string>();

  constructor(
    private readonly sink: LiveSink,
    private readonly mode: LiveMode,
    private readonly waves: readonly { readonly name: string; readonly targets: readonly string[] }[],
    private readonly now: () => Date,
  ) {
    for (const w of waves) {
      this.waveStatus.set(w.name, 'pending');
      for (const t of w.targets) this.targets.set(t, { status: 'pending' });
    }
  }

  /** Sets what a journal read back says (a resumed rollout starts where it was). */
  seed(targets: Iterable<{ name: string; status: string }>, waves: Iterable<{ name: string; status: string }>): void {
    for (const t of targets) this.targets.set(t.name, { status: t.status });
    for (const w of waves) this.waveStatus.set(w.name, w.status);
  }

  onEvent(e: RolloutEvent): void {
    if (e.type === 'wave') this.waveStatus.set(e.wave, e.status === 'started' ? 'in-progress' : e.status);
    if (e.type === 'target') this.targets.set(e.target, { status: e.status, ...(e.detail ? { detail: e.detail } : {}) });
    if (e.type === 'rollback') this.targets.set(e.target, { status: e.status, ...(e.detail ? { detail: e.detail } : {}) });
    if (e.type === 'gates') this.waveStatus.set(e.wave, e.passed ? `gates passed (${e.phase})` : `gate failed (${e.phase})`);
    if (e.type === 'waiting') this.waveStatus.set(e.wave, e.for === 'approval' ? 'waiting for approval' : 'paused');
    if (this.mode === 'ndjson') this.sink.write(`${JSON.stringify({ at: this.now().toISOString(), ...e })}\n`);
    else if (this.mode === 'lines') this.line(e);
    else this.redraw();
  }

  /** Leaves the terminal with the final block on screen. */
  close(): void {
    if (this.mode === 'tty' && this.drawn > 0) this.redraw();
    this.drawn = 0;
  }

  private line(e: RolloutEvent): void {
    let text: string;
    let key: string;
    if (e.type === 'wave') {
      key = `wave ${e.wave}`;
      text = `wave ${clean(e.wave)}: ${e.status}${e.reason ? ` (${clean(e.reason)})` : ''}`;
    } else if (e.type === 'target') {
      key = `target ${e.target}`;
      text = `  ${clean(e.target)}: ${e.status}${e.adopted ? ' (adopted)' : ''}${e.detail ? ` ${clean(e.detail)}` : ''}`;
    } else if (e.type === 'rollback') {
      key = `rollback ${e.target}`;
      text = `  ${clean(e.target)}: ${e.status}${e.detail ? ` ${clean(e.detail)}` : ''}`;
    } else if (e.type === 'gates') {
      key = `gates ${e.wave} ${e.phase}`;
      const failing = e.results.filter((r) => !r.passed).map((r) => `${r.gate}${r.target ? ` ${r.target}` : ''}: ${r.value} (${r.threshold})`);
      text = `wave ${clean(e.wave)}: gates ${e.passed ? 'passed' : 'FAILED'} (${e.phase})${failing.length ? `: ${clean(failing.join('; '))}` : ''}`;
    } else if (e.type === 'waiting') {
      key = 'waiting';
      text = e.for === 'approval' ? `wave ${clean(e.wave)}: waiting for approval` : `paused before wave ${clean(e.wave)}`;
    } else {
      key = 'finished';
      text = `rollout ${e.outcome}${e.reason ? `: ${clean(e.reason)}` : ''}`;
    }
    if (this.last.get(key) === text) return; // a follow that changed nothing
    this.last.set(key, text);
    this.sink.write(`${text}\n`);
  }

  private block(): string[] {
    const lines: string[] = [];
    for (const w of this.waves) {
      lines.push(`wave ${clean(w.name)} ${this.waveStatus.get(w.name) ?? 'pending'}`);
      for (const name of w.targets) {
        const t = this.targets.get(name) ?? { status: 'pending' };
        lines.push(`  ${mark(t.status)} ${clean(name).padEnd(24)} ${t.status.padEnd(11)} ${clean(t.detail).slice(0, 80)}`);
      }
    }
    return lines;
  }

  private redraw(): void {
    const lines = this.block();
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A\x1b[J` : '';
    this.sink.write(`${up}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

function mark(status: string): string {
  if (status === 'succeeded') return '✓';
  if (status === 'failed') return '✗';
  if (status === 'pending') return '·';
  return '…';
}

export const liveMode = (json: boolean, sink: LiveSink): LiveMode => (json ? 'ndjson' : sink.isTTY ? 'tty' : 'lines');
