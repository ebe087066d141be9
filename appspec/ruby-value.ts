// The values Ruby's YAML.load (Psych) produces, and the few Ruby conversions the official agent applies to them
// (to_s, inspect, to_i, strip, truthiness). Kept exact because their output reaches error messages.
//
// Mapping: nil -> null, true/false -> boolean, Integer -> bigint, Float -> number, String -> string,
// Array -> RubyValue[], Hash -> RubyHash (a Map: insertion-ordered, last write wins, non-string keys allowed).

export type RubyValue = null | boolean | bigint | number | string | RubyArray | RubyHash;
export type RubyArray = RubyValue[];
export type RubyHash = Map<RubyValue, RubyValue>;

export function isRubyHash(v: RubyValue | undefined): v is RubyHash {
  return v instanceof Map;
}

/** Ruby truthiness: everything except nil and false. */
export function rubyTruthy(v: RubyValue | undefined): boolean {
  return v !== null && v !== undefined && v !== false;
}

/** Float#to_s: "1.0", "0.0001", "1.0e-05", "1.0e+16", "Infinity", "NaN". */
export function rubyFloatToS(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mantissa = '0', expText = '0'] = Math.abs(n).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp >= 16 || exp < -4) {
    const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${sign}${digits[0] ?? '0'}.${digits.slice(1) || '0'}e${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${intPart}.${digits.slice(exp + 1) || '0'}`;
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\f': '\\f', '\v': '\\v', '\b': '\\b', '\x07': '\\a', '\x1b': '\\e',
};

/** String#inspect (UTF-8 strings). */
export function rubyStringInspect(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const named = NAMED_ESCAPES[ch];
    const code = ch.charCodeAt(0);
    if (named !== undefined) out += named;
    else if (ch === '#' && (s[i + 1] === '{' || s[i + 1] === '$' || s[i + 1] === '@')) out += '\\#';
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (code === 0x7f) out += '\\x7F';
    else out += ch;
  }
  return `${out}"`;
}

/** Output past this many characters is cut short, so alias-built structures cannot blow up a message. */
const INSPECT_BUDGET = 4096;

/** Object#inspect in the Ruby 2.x/3.0-3.3 style the agent tests expect: {"name"=>"x"}, ["a", 1], nil. */
export function rubyInspect(v: RubyValue): string {
  const state = { out: '', stack: new Set<object>() };
  inspectInto(v, state);
  return state.out.length > INSPECT_BUDGET ? `${state.out.slice(0, INSPECT_BUDGET)}...` : state.out;
}

function inspectInto(v: RubyValue, st: { out: string; stack: Set<object> }): void {
  if (st.out.length > INSPECT_BUDGET) return;
  if (Array.isArray(v) || v instanceof Map) {
    const isArr = Array.isArray(v);
    if (st.stack.has(v)) {
      st.out += isArr ? '[...]' : '{...}';
      return;
    }
    st.stack.add(v);
    st.out += isArr ? '[' : '{';
    let first = true;
    for (const item of isArr ? v : v.entries()) {
      if (st.out.length > INSPECT_BUDGET) break;
      if (!first) st.out += ', ';
      first = false;
      if (isArr) inspectInto(item as RubyValue, st);
      else {
        const [k, val] = item as [RubyValue, RubyValue];
        inspectInto(k, st);
        st.out += '=>';
        inspectInto(val, st);
      }
    }
    st.out += isArr ? ']' : '}';
    st.stack.delete(v);
    return;
  }
  st.out += typeof v === 'string' ? rubyStringInspect(v) : scalarToS(v);
}

function scalarToS(v: null | boolean | bigint | number): string {
  if (v === null) return 'nil';
  if (typeof v === 'number') return rubyFloatToS(v);
  return String(v);
}

/** "#{v}": nil -> "", strings as they are, Arrays and Hashes as inspect. */
export function rubyToS(v: RubyValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return rubyInspect(v);
  return scalarToS(v);
}

/** String#strip: leading and trailing whitespace and NUL. */
export function rubyStrip(s: string): string {
  return s.replace(/^[\0\t\n\v\f\r ]+/, '').replace(/[\0\t\n\v\f\r ]+$/, '');
}

/** String#to_i: skips leading whitespace, optional sign, digits with single underscores; 0 when none. */
export function rubyStringToI(s: string): bigint {
  const m = /^[\t\n\v\f\r ]*([-+]?)(\d+(?:_\d+)*)/.exec(s);
  if (!m) return 0n;
  const n = BigInt((m[2] as string).replace(/_/g, ''));
  return m[1] === '-' ? -n : n;
}

/** String#to_f, for the forms Psych hands it (digits, underscores, one optional fraction). */
export function rubyStringToF(s: string): number {
  const m = /^[\t\n\v\f\r ]*([-+]?\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?)/.exec(s);
  return m ? Number((m[1] as string).replace(/_/g, '')) : 0;
}

/** #to_i; undefined where Ruby raises (true, NaN/Infinity, Array, Hash). */
export function rubyToI(v: RubyValue): bigint | undefined {
  if (v === null) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : undefined;
  if (typeof v === 'string') return rubyStringToI(v);
  return undefined;
}

/** A short description of a value's type for our own (non-official) messages. */
export function describeRubyType(v: RubyValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a map';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'bigint') return 'an integer';
  if (typeof v === 'number') return 'a number';
  return 'a string';
}
