// Reads a child's stdout or stderr as lines: split on "\n", a trailing "\r" dropped, a final partial
// line delivered at EOF. A "line" longer than MAX_LINE_CHARS is delivered in pieces so a script that
// prints megabytes without a newline cannot grow the agent's memory without bound.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export const MAX_LINE_CHARS = 64 * 1024;

export interface LineCapture {
  /** Resolves when the stream has ended (EOF, error or close). */
  readonly closed: Promise<void>;
  /** True once the stream has ended. */
  readonly ended: boolean;
  /** Deliver any partial line and stop reading (destroys the stream). */
  stop(): void;
}

const strip = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

export function captureLines(stream: Readable, onLines: (lines: string[]) => void): LineCapture {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let ended = false;
  let finish!: () => void;
  const closed = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const take = (text: string): void => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() as string;
    const lines = parts.map(strip);
    while (partial.length > MAX_LINE_CHARS) {
      lines.push(partial.slice(0, MAX_LINE_CHARS));
      partial = partial.slice(MAX_LINE_CHARS);
    }
    if (lines.length > 0) onLines(lines);
  };
  const flush = (): void => {
    const rest = partial + decoder.end();
    partial = '';
    if (rest !== '') onLines([strip(rest)]);
  };
  const done = (): void => {
    if (ended) return;
    ended = true;
    flush();
    finish();
  };

  stream.on('data', (chunk: Buffer) => take(decoder.write(chunk)));
  stream.once('end', done);
  stream.once('close', done);
  stream.on('error', done);

  return {
    closed,
    get ended() {
      return ended;
    },
    stop() {
      done();
      stream.destroy();
    },
  };
}
