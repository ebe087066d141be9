// The progress sink of fleetctl commands: a redrawn bar on a terminal, plain lines otherwise (logs,
// CI), always on stderr so stdout carries only the result. Silent with --json (the JSON document is
// the only output a program should have to parse) unless asked for.
import { createProgress, type Progress, type ProgressSink } from './progress-bar.js';

export type { Progress, ProgressSink };

export interface Reporter {
  /** A device-count progress display for one phase. */
  progress(label: string, total: number): Progress;
  /** One line for people (a warning, how long something took). */
  note(line: string): void;
}

export function createReporter(sink: ProgressSink, opts: { quiet: boolean }): Reporter {
  return {
    progress: (label, total) => createProgress(label, opts.quiet ? 0 : total, sink),
    note: (line) => sink.write(`${line}\n`),
  };
}

/** A stream as a sink (main.ts passes process.stderr). */
export const streamSink = (stream: { isTTY?: boolean; write(text: string): unknown }): ProgressSink => ({
  isTTY: stream.isTTY === true,
  write: (text) => void stream.write(text),
});
