// Psych's ScalarScanner#tokenize: how Ruby's YAML.load (YAML 1.1 typing) turns a plain, untagged scalar into a value.
// Ported branch by branch from psych/lib/psych/scalar_scanner.rb (Psych 4/5), including its quirks:
// - yes/no/on/off/true/false in any case are booleans, but y/n are strings;
// - "0644" is the octal Integer 420, "0x1A" hex, "0b11" binary, "1_000" and "1,000" are 1000, "08" is a string;
// - "1e3" is a String (a Float needs a '.'); "1." is 1.0;
// - sexagesimal "1:30" is 1*3600 + 30*60 = 5400 (Psych's own arithmetic, kept as is).
// Dates, times and :symbols become Date/Time/Symbol objects in Ruby; here they stay strings (the AppSpec never
// needs them, and their to_s differs from the text only for times).

import { rubyStringToF, rubyStringToI, type RubyValue } from './ruby-value.js';

const STRINGISH = /^[^\d.:-]?[\p{Alphabetic}_ \t\r\n\f\v!@#$%^&*(){}<>|/\\~;=]+/u;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INTEGER = /^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9][0-9_,]*)|[-+]?0x[0-9a-fA-F_,]+)$/;
const SEXAGESIMAL_INT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$/;
const SEXAGESIMAL_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*$/;
/** What Ruby's Float() accepts once Psych has removed ',' '_' and a '.' before an exponent or at the end. */
const RUBY_FLOAT_LITERAL = /^[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?$/;

export function resolvePlainScalar(s: string): RubyValue {
  if (s === '') return null;
  if (STRINGISH.test(s) || s.includes('\n')) {
    if (s.length > 5) return s;
    // Ruby's ^ and $ are line anchors, hence the m flag.
    if (/^[^ytonf~]/im.test(s)) return s;
    if (s === '~' || /^null$/im.test(s)) return null;
    if (/^(?:yes|true|on)$/im.test(s)) return true;
    if (/^(?:no|false|off)$/im.test(s)) return false;
    return s;
  }
  if (/^\.inf$/i.test(s)) return Infinity;
  if (/^-\.inf$/i.test(s)) return -Infinity;
  if (/^\.nan$/i.test(s)) return NaN;
  if (SEXAGESIMAL_INT.test(s)) {
    const parts = s.split(':');
    return parts.reduce((acc, n, e) => acc + rubyStringToI(n) * 60n ** BigInt(Math.abs(e - 2)), 0n);
  }
  if (SEXAGESIMAL_FLOAT.test(s)) {
    const parts = s.split(':');
    return parts.reduce((acc, n, e) => acc + rubyStringToF(n) * 60 ** Math.abs(e - 2), 0);
  }
  if (FLOAT.test(s)) {
    if (/^[-+]?\.$/.test(s)) return s;
    const cleaned = s.replace(/[,_]|\.([Ee]|$)/g, '$1');
    // Where Ruby's Float() would raise (e.g. "+.inf"), Psych fails the whole load; we keep the text instead.
    return RUBY_FLOAT_LITERAL.test(cleaned) ? Number(cleaned) : s;
  }
  if (INTEGER.test(s)) return parseRubyInteger(s.replace(/[,_]/g, '')) ?? s;
  return s;
}

/** Integer(): 0b binary, 0x hex, a leading 0 means octal; undefined where Ruby raises. */
function parseRubyInteger(s: string): bigint | undefined {
  const m = /^([-+]?)(0b[01]+|0x[0-9a-fA-F]+|0[0-7]+|0|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2] as string;
  const literal = /^0[0-7]+$/.test(body) ? `0o${body.slice(1)}` : body;
  const n = BigInt(literal);
  return m[1] === '-' ? -n : n;
}

/** YAML 1.1 octal integer literal as Psych reads it (digits only), e.g. "0644". */
export const OCTAL_LITERAL = /^0[0-7]+$/;
