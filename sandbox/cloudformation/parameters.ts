// Stack parameters: the values given (or previous / default ones) checked against the template's
// Parameters declarations as CloudFormation checks them, with its error messages.
import { AwsError } from '../types.js';
import type { ParameterDecl } from './template-parse.js';

export interface ParameterInput {
  readonly key: string;
  readonly value?: string;
  readonly usePreviousValue: boolean;
}

const invalid = (message: string): AwsError => new AwsError('ValidationError', message);

const isListType = (type: string): boolean => type.startsWith('List<') || type === 'CommaDelimitedList';
const isNumberType = (type: string): boolean => type === 'Number' || type === 'List<Number>';

function checkOne(name: string, decl: ParameterDecl, value: string): void {
  const fail = (what: string): never => {
    throw invalid(decl.ConstraintDescription !== undefined ? `Parameter '${name}' failed to satisfy constraint: ${decl.ConstraintDescription}` : `Parameter '${name}' ${what}`);
  };
  if (isNumberType(decl.Type)) {
    if (value.trim() === '' || !Number.isFinite(Number(value))) throw invalid(`Parameter '${name}' must be a number`);
    const n = Number(value);
    if (decl.MinValue !== undefined && n < decl.MinValue) fail(`must be a number not less than ${decl.MinValue}`);
    if (decl.MaxValue !== undefined && n > decl.MaxValue) fail(`must be a number not greater than ${decl.MaxValue}`);
  }
  if (decl.AllowedValues !== undefined && !decl.AllowedValues.includes(value)) fail('must be one of AllowedValues');
  if (decl.AllowedPattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${decl.AllowedPattern})$`, 'u');
    } catch {
      throw invalid(`Template format error: AllowedPattern of parameter ${name} is not a valid regular expression`);
    }
    if (!re.test(value)) fail(`must match pattern ${decl.AllowedPattern}`);
  }
  if (decl.MinLength !== undefined && value.length < decl.MinLength) fail(`must contain at least ${decl.MinLength} characters`);
  if (decl.MaxLength !== undefined && value.length > decl.MaxLength) fail(`must contain at most ${decl.MaxLength} characters`);
}

/** Checks a raw value (lists: each comma-separated item) against its declaration. */
export function checkParameterValue(name: string, decl: ParameterDecl, value: string): void {
  if (isListType(decl.Type)) {
    if (decl.Type === 'CommaDelimitedList' && decl.AllowedValues === undefined && decl.AllowedPattern === undefined) return;
    for (const item of value === '' ? [] : value.split(',')) checkOne(name, decl, item.trim());
  } else checkOne(name, decl, value);
}

/**
 * The stack's raw parameter values: given values, else (UsePreviousValue) the previous value, else the
 * default. Throws the ValidationError CloudFormation answers for unknown, missing or invalid ones.
 */
export function resolveParameters(
  decls: Readonly<Record<string, ParameterDecl>>,
  inputs: readonly ParameterInput[],
  previous?: Readonly<Record<string, string>>,
): Record<string, string> {
  const given = new Map<string, ParameterInput>();
  for (const p of inputs) {
    if (p.usePreviousValue && p.value !== undefined) {
      throw invalid(`Invalid input for parameter key ${p.key}. Cannot specify usePreviousValue as true and non empty value for a parameter`);
    }
    if (given.has(p.key)) throw invalid(`Invalid input for parameter key ${p.key}. Duplicate parameter key`);
    given.set(p.key, p);
  }
  const unknown = [...given.keys()].filter((k) => !Object.hasOwn(decls, k));
  if (unknown.length > 0) throw invalid(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, decl] of Object.entries(decls)) {
    const input = given.get(name);
    let value: string | undefined;
    if (input?.usePreviousValue) {
      if (previous === undefined || !Object.hasOwn(previous, name)) {
        throw invalid(`Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
      }
      value = previous[name];
    } else value = input?.value ?? decl.Default;
    if (value === undefined) missing.push(name);
    else values[name] = value;
  }
  if (missing.length > 0) throw invalid(`Parameters: [${missing.join(', ')}] must have values`);
  for (const [name, value] of Object.entries(values)) checkParameterValue(name, decls[name]!, value);
  return values;
}

/** The value intrinsics see: list types as arrays of trimmed items. */
export function typedParameters(
  decls: Readonly<Record<string, ParameterDecl>>,
  values: Readonly<Record<string, string>>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(values)) {
    const type = decls[name]?.Type ?? 'String';
    out[name] = isListType(type) ? (value === '' ? [] : value.split(',').map((s) => s.trim())) : value;
  }
  return out;
}
