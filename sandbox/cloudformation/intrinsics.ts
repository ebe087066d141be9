// Evaluating a template value: the intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
// Fn::Select, Fn::Split, Fn::If, Fn::Equals/Not/And/Or, Condition, Fn::FindInMap, Fn::Base64,
// Fn::ImportValue, Fn::GetAZs, Fn::Length, Fn::ToJsonString) over parameters, pseudo parameters,
// conditions and the stack's simulated resources. AWS::NoValue removes the property or list item.
import { AwsError } from '../types.js';
import type { Template } from './template-parse.js';

/** A resource as intrinsics see it. */
export interface ResolvedResource {
  readonly ref: string;
  /** Undefined: the resource type has no such attribute. */
  attribute(name: string): string | undefined;
}

export interface EvalContext {
  readonly template: Template;
  /** Parameter values: list types as string[]. */
  readonly params: Readonly<Record<string, string | readonly string[]>>;
  /** AWS::AccountId, AWS::Region, … */
  readonly pseudo: Readonly<Record<string, string>>;
  /** Conditions evaluated so far (filled in by evaluateConditions). */
  readonly conditions: Record<string, boolean>;
  /** A resource of this stack, undefined when it is not (yet) provisioned. */
  readonly resource: (logicalId: string) => ResolvedResource | undefined;
  readonly importValue: (exportName: string) => string | undefined;
}

/** Marks a property to drop (AWS::NoValue). */
export const NO_VALUE = Symbol('AWS::NoValue');
const templateError = (what: string): AwsError => new AwsError('ValidationError', `Template error: ${what}`);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, fn: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw templateError(`every ${fn} object requires a string value, got ${JSON.stringify(v)}`);
}

function list(v: unknown, fn: string): unknown[] {
  if (!Array.isArray(v)) throw templateError(`${fn} requires a list, got ${JSON.stringify(v)}`);
  return v;
}

function ref(name: string, ctx: EvalContext): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (Object.hasOwn(ctx.pseudo, name)) return ctx.pseudo[name];
  if (Object.hasOwn(ctx.params, name)) return ctx.params[name];
  if (Object.hasOwn(ctx.template.Resources, name)) {
    const r = ctx.resource(name);
    if (!r) throw templateError(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
    return r.ref;
  }
  throw new AwsError('ValidationError', `Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`);
}

function getAtt(target: unknown, ctx: EvalContext): string {
  const parts = typeof target === 'string' ? [target.slice(0, target.indexOf('.')), target.slice(target.indexOf('.') + 1)] : list(target, 'Fn::GetAtt');
  const [name, attr] = [str(parts[0], 'Fn::GetAtt'), str(evaluate(parts[1], ctx), 'Fn::GetAtt')];
  if (!Object.hasOwn(ctx.template.Resources, name)) throw templateError(`instance of Fn::GetAtt references undefined resource ${name}`);
  const r = ctx.resource(name);
  if (!r) throw templateError(`resource ${name} is not available for Fn::GetAtt`);
  const value = r.attribute(attr);
  if (value === undefined) throw templateError(`resource ${name} does not support attribute type ${attr} in Fn::GetAtt`);
  return value;
}

function sub(arg: unknown, ctx: EvalContext): string {
  const [text, varsRaw] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
  if (typeof text !== 'string' || !isRecord(varsRaw)) throw templateError('Fn::Sub takes a string or [string, {variables}]');
  const vars = Object.fromEntries(Object.entries(varsRaw).map(([k, v]) => [k, evaluate(v, ctx)]));
  return text.replace(/\$\{([^}]*)\}/g, (_m, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (Object.hasOwn(vars, name)) return str(vars[name], 'Fn::Sub');
    if (name.includes('.') && !name.startsWith('AWS::')) return getAtt(name, ctx);
    const value = ref(name, ctx);
    return Array.isArray(value) ? value.join(',') : str(value, 'Fn::Sub');
  });
}

function condition(name: unknown, ctx: EvalContext): boolean {
  const n = str(name, 'Condition');
  if (Object.hasOwn(ctx.conditions, n)) return ctx.conditions[n]!;
  if (!Object.hasOwn(ctx.template.Conditions, n)) throw templateError(`unresolved condition dependency ${n}`);
  ctx.conditions[n] = false; // a cycle reads false rather than recursing forever
  const v = evaluate(ctx.template.Conditions[n], ctx);
  if (typeof v !== 'boolean') throw templateError(`condition ${n} must evaluate to true or false`);
  return (ctx.conditions[n] = v);
}

const bool = (v: unknown, fn: string): boolean => {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw templateError(`${fn} requires boolean conditions`);
};

type Fn = (arg: unknown, ctx: EvalContext) => unknown;

const FUNCTIONS: Readonly<Record<string, Fn>> = {
  Ref: (a, ctx) => ref(str(a, 'Ref'), ctx),
  Condition: (a, ctx) => condition(a, ctx),
  'Fn::GetAtt': (a, ctx) => getAtt(a, ctx),
  'Fn::Sub': (a, ctx) => sub(a, ctx),
  'Fn::Base64': (a, ctx) => Buffer.from(str(evaluate(a, ctx), 'Fn::Base64')).toString('base64'),
  'Fn::Join': (a, ctx) => {
    const [sep, items] = list(a, 'Fn::Join');
    const values = evaluate(items, ctx);
    return list(values, 'Fn::Join').map((v) => str(v, 'Fn::Join')).join(str(sep, 'Fn::Join'));
  },
  'Fn::Select': (a, ctx) => {
    const [index, items] = list(a, 'Fn::Select');
    const i = Number(evaluate(index, ctx));
    const values = list(evaluate(items, ctx), 'Fn::Select');
    if (!Number.isInteger(i) || i < 0 || i >= values.length) throw templateError(`Fn::Select cannot select nonexistent value at index ${String(index)}`);
    return values[i];
  },
  'Fn::Split': (a, ctx) => {
    const [sep, text] = list(a, 'Fn::Split');
    return str(evaluate(text, ctx), 'Fn::Split').split(str(sep, 'Fn::Split'));
  },
  'Fn::If': (a, ctx) => {
    const [cond, yes, no] = list(a, 'Fn::If');
    return evaluate(condition(cond, ctx) ? yes : no, ctx);
  },
  'Fn::Equals': (a, ctx) => {
    const [x, y] = list(a, 'Fn::Equals').map((v) => evaluate(v, ctx));
    return JSON.stringify(typeof x === 'number' ? String(x) : x) === JSON.stringify(typeof y === 'number' ? String(y) : y);
  },
  'Fn::Not': (a, ctx) => !bool(evaluate(list(a, 'Fn::Not')[0], ctx), 'Fn::Not'),
  'Fn::And': (a, ctx) => list(a, 'Fn::And').every((v) => bool(evaluate(v, ctx), 'Fn::And')),
  'Fn::Or': (a, ctx) => list(a, 'Fn::Or').some((v) => bool(evaluate(v, ctx), 'Fn::Or')),
  'Fn::FindInMap': (a, ctx) => {
    const [map, top, second] = list(a, 'Fn::FindInMap').map((v) => str(evaluate(v, ctx), 'Fn::FindInMap'));
    const m = ctx.template.Mappings[map!];
    const level = isRecord(m) && Object.hasOwn(m, top!) ? m[top!] : undefined;
    if (!isRecord(level) || !Object.hasOwn(level, second!)) throw templateError(`Unable to get mapping for ${map}::${top}::${second}`);
    return level[second!];
  },
  'Fn::ImportValue': (a, ctx) => {
    const name = str(evaluate(a, ctx), 'Fn::ImportValue');
    const value = ctx.importValue(name);
    if (value === undefined) throw new AwsError('ValidationError', `No export named ${name} found.`);
    return value;
  },
  'Fn::GetAZs': (a, ctx) => {
    const region = str(evaluate(a, ctx), 'Fn::GetAZs') || (ctx.pseudo['AWS::Region'] ?? '');
    return ['a', 'b', 'c'].map((z) => `${region}${z}`);
  },
  'Fn::Length': (a, ctx) => list(evaluate(a, ctx), 'Fn::Length').length,
  'Fn::ToJsonString': (a, ctx) => JSON.stringify(evaluate(a, ctx)),
};

/** The value with every intrinsic function applied (NO_VALUE where AWS::NoValue removes it). */
export function evaluate(value: unknown, ctx: EvalContext): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx)).filter((v) => v !== NO_VALUE);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && Object.hasOwn(FUNCTIONS, keys[0]!) && !(keys[0] === 'Condition' && typeof value['Condition'] !== 'string')) {
    return FUNCTIONS[keys[0]!]!(value[keys[0]!], ctx);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = evaluate(value[k], ctx);
    if (v !== NO_VALUE) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Evaluates every condition of the template into ctx.conditions. */
export function evaluateConditions(ctx: EvalContext): Record<string, boolean> {
  for (const name of Object.keys(ctx.template.Conditions)) condition(name, ctx);
  return ctx.conditions;
}

/** Is the resource or output included (no Condition, or its condition is true)? */
export const included = (decl: { readonly Condition?: string }, ctx: EvalContext): boolean =>
  decl.Condition === undefined || condition(decl.Condition, ctx);
