// The shadow's `reported` state as the agent last saw it accepted, and the shadow version then,
// kept in <dir>/shadow-reported.json so deltas are computed across restarts. Absent or unreadable
// means "not known": the next report sends the full state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import type { JsonObject } from './shadow-reporter.js';

export interface AcceptedReported {
  readonly reported: JsonObject;
  /** The shadow document version after that update; unset when not known. */
  readonly version?: number;
}

export const REPORTED_STATE_FILE = 'shadow-reported.json';

export class ReportedStateFile {
  private readonly file: string;
  private state: AcceptedReported | undefined;

  constructor(dir: string) {
    this.file = join(dir, REPORTED_STATE_FILE);
    this.state = this.read();
  }

  private read(): AcceptedReported | undefined {
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<AcceptedReported>;
      if (typeof s.reported !== 'object' || s.reported === null || Array.isArray(s.reported)) return undefined;
      return { reported: s.reported, ...(typeof s.version === 'number' ? { version: s.version } : {}) };
    } catch {
      return undefined;
    }
  }

  get current(): AcceptedReported | undefined {
    return this.state;
  }

  /** Records what the shadow now holds; undefined forgets it (the next report is a full one). */
  set(state: AcceptedReported | undefined): void {
    this.state = state;
    writeFileAtomic(this.file, JSON.stringify(state ?? null));
  }
}
