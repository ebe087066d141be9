// A read-only walk over a YAML document that remembers where each value was written, so a
// validator can report every problem as `line: path: reason` and keep going. Pure: no I/O.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface ConfigProblem {
  readonly line: number;
  readonly path: string;
  readonly reason: string;
}

export class Problems {
  readonly list: ConfigProblem[] = [];
  add(line: number, path: string, reason: string): void {
    this.list.push({ line, path, reason });
  }
}

/** One node of the document: its path (e.g. `targets.eu-pis.region`), its line and its value. */
export class Cursor {
  constructor(
    readonly node: Node | null | undefined,
    readonly path: string,
    private readonly lines: LineCounter,
    readonly problems: Problems,
    private readonly parentLine = 1,
  ) {}

  get line(): number {
    const start = this.node?.range?.[0];
    return start === undefined ? this.parentLine : this.lines.linePos(start).line;
  }

  get present(): boolean {
    return this.node !== null && this.node !== undefined && !(isScalar(this.node) && this.node.value === null);
  }

  problem(reason: string): undefined {
    this.problems.add(this.line, this.path || '(top)', reason);
    return undefined;
  }

  isMap(): boolean {
    return isMap(this.node);
  }

  isList(): boolean {
    return isSeq(this.node);
  }

  /** The keys of a map, in document order (non-string keys are reported). */
  keys(): string[] {
    if (!isMap(this.node)) return [];
    const keys: string[] = [];
    for (const pair of this.node.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key === 'string' || typeof key === 'number') keys.push(String(key));
      else this.problem('map keys must be plain strings');
    }
    return keys;
  }

  get(key: string): Cursor {
    const child = isMap(this.node) ? (this.node.get(key, true) as Node | undefined) : undefined;
    return new Cursor(child, this.path ? `${this.path}.${key}` : key, this.lines, this.problems, this.line);
  }

  items(): Cursor[] {
    if (!isSeq(this.node)) return [];
    return this.node.items.map((n, i) => new Cursor(n as Node, `${this.path}[${i}]`, this.lines, this.problems, this.line));
  }

  /** Reports keys other than `known` (a typo is a problem, not something silently ignored). */
  onlyKeys(known: readonly string[]): void {
    if (!isMap(this.node)) return;
    for (const key of this.keys()) {
      if (known.includes(key)) continue;
      const near = closest(key, known);
      this.get(key).problem(`unknown key${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`);
    }
  }

  /** A scalar as written (numbers and booleans as their text); undefined when absent. */
  scalarText(): string | undefined {
    if (!this.present) return undefined;
    if (!isScalar(this.node)) return this.problem('expected a single value');
    const v = this.node.value;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.problem('expected a single value');
  }

  /** A required or optional string matching `test` (which returns a reason when bad). */
  string(opts: { required?: boolean; test?: (v: string) => string | undefined } = {}): string | undefined {
    const v = this.scalarText();
    if (v === undefined) return opts.required ? this.problem('required') : undefined;
    const bad = opts.test?.(v);
    return bad ? this.problem(bad) : v;
  }

  /** A map of string to string (e.g. labels, tags, parameters). */
  stringMap(test?: (key: string, value: string) => string | undefined): Record<string, string> {
    if (!this.present) return {};
    if (!this.isMap()) return this.problem('expected a map of name: value') ?? {};
    const out: Record<string, string> = {};
    for (const key of this.keys()) {
      const value = this.get(key).scalarText();
      if (value === undefined) {
        this.get(key).problem('expected a value');
        continue;
      }
      const bad = test?.(key, value);
      if (bad) this.get(key).problem(bad);
      else out[key] = value;
    }
    return out;
  }

  /** A list of strings, or one string taken as a list of one. */
  stringList(): string[] {
    if (!this.present) return [];
    if (isScalar(this.node)) {
      const one = this.scalarText();
      return one === undefined ? [] : [one];
    }
    if (!this.isList()) return this.problem('expected a list') ?? [];
    return this.items().flatMap((c) => {
      const v = c.scalarText();
      return v === undefined ? [] : [v];
    });
  }
}

/** Parses YAML text into a root cursor; syntax errors become problems. */
export function readYaml(text: string): { root: Cursor; problems: Problems } {
  const lines = new LineCounter();
  const problems = new Problems();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) problems.add(e.linePos?.[0]?.line ?? 1, '(yaml)', `not valid YAML: ${e.message.split('\n')[0]}`);
  return { root: new Cursor(doc.contents as Node | null, '', lines, problems), problems };
}

/** The known word closest to `word` by edit distance, when close enough to be a likely typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
