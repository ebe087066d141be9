// What every CloudFormation action receives, and the checks CreateStack, UpdateStack and
// CreateChangeSet share: the template source (body, S3 URL or the previous one), parameters,
// capabilities, the service role, and a dry evaluation of conditions and Fn::GetAtt attributes.
import type { Principal } from '../types.js';
import { AwsError } from '../types.js';
import { bool, capabilityInputs, parameterInputs, validation } from './cfn-wire.js';
import { findStack, type CfnDoc, type StackDefinition, type StackRecord, type StackOperation } from './cfn-state.js';
import { resolveParameters } from './parameters.js';
import { attributeOf, checkCapabilities, expandTransforms } from './resources.js';
import { stackView, type StackEnv } from './stack-context.js';
import { MAX_TEMPLATE_BODY, parseTemplate, type Template } from './template-parse.js';
import type { MachineDeps } from './stack-machine.js';

export interface CfnContext {
  readonly doc: CfnDoc;
  readonly accountId: string;
  readonly region: string;
  readonly caller: Principal;
  readonly requestId: string;
  readonly machine: MachineDeps;
  /** Runs the operation recorded on the stack (already persisted by the caller), stopping a run of the stack still going first. */
  readonly start: (stack: StackRecord) => void;
  readonly importValue: (name: string) => string | undefined;
  readonly mayAssumeRole: (accountId: string, roleArn: string) => boolean;
  readonly readTemplateUrl: (url: string, caller: Principal) => Promise<string>;
}

export type CfnAction = (ctx: CfnContext, params: URLSearchParams) => Promise<string>;

export interface PreparedStack {
  readonly definition: StackDefinition;
  readonly template: Template;
  readonly capabilities: string[];
  readonly roleArn?: string;
}

export const stackArn = (ctx: CfnContext, name: string, id: string): string => `arn:aws:cloudformation:${ctx.region}:${ctx.accountId}:stack/${name}/${id}`;

export function stackEnv(ctx: CfnContext, stackName: string, stackId: string): StackEnv {
  return { accountId: ctx.accountId, region: ctx.region, stackName, stackId, importValue: ctx.importValue };
}

export function requireStack(ctx: CfnContext, nameOrId: string): StackRecord {
  const stack = findStack(ctx.doc, nameOrId);
  if (!stack) throw validation(`Stack with id ${nameOrId} does not exist`);
  return stack;
}

/** The template text the call names: TemplateBody, TemplateURL or (UsePreviousTemplate) the stack's. */
export async function templateSource(ctx: CfnContext, params: URLSearchParams, previous?: StackRecord): Promise<string> {
  const body = params.get('TemplateBody');
  const url = params.get('TemplateURL');
  const usePrevious = bool(params, 'UsePreviousTemplate') === true;
  if ([body !== null, url !== null, usePrevious].filter(Boolean).length !== 1) {
    throw validation(usePrevious && !previous ? 'UsePreviousTemplate can only be used with an existing stack' : 'Exactly one of TemplateBody or TemplateUrl must be specified.');
  }
  if (usePrevious) {
    if (!previous) throw validation('UsePreviousTemplate can only be used with an existing stack');
    return previous.definition.templateBody;
  }
  if (body !== null) {
    if (Buffer.byteLength(body) > MAX_TEMPLATE_BODY) {
      throw validation(`1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`);
    }
    return body;
  }
  return ctx.readTemplateUrl(url!, ctx.caller);
}

/** Every Fn::GetAtt names an attribute the resource type has. */
function checkAttributes(template: Template, value: unknown): void {
  if (Array.isArray(value)) value.forEach((v) => checkAttributes(template, v));
  else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const att = entries.length === 1 && entries[0]![0] === 'Fn::GetAtt' ? entries[0]![1] : undefined;
    if (Array.isArray(att) && typeof att[0] === 'string' && typeof att[1] === 'string' && Object.hasOwn(template.Resources, att[0])) {
      const type = template.Resources[att[0]]!.Type;
      if (attributeOf(type, 'x', att[1], { accountId: '0', region: 'r', stackName: 's' }) === undefined) {
        throw new AwsError('ValidationError', `Template error: resource ${att[0]} does not support attribute type ${att[1]} in Fn::GetAtt`);
      }
    }
    for (const [, v] of entries) checkAttributes(template, v);
  }
}

/** The role CloudFormation would act as: in this account, and assumable by cloudformation.amazonaws.com. */
export function checkRole(ctx: CfnContext, roleArn: string | null): string | undefined {
  if (roleArn === null || roleArn === '') return undefined;
  const m = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)?[\w+=,.@-]{1,64}$/.exec(roleArn);
  if (!m || m[1] !== ctx.accountId || !ctx.mayAssumeRole(ctx.accountId, roleArn)) throw validation(`Role ${roleArn} is invalid or cannot be assumed`);
  return roleArn;
}

/** Template, parameters, capabilities and role checked as CloudFormation checks them before it accepts the call. */
export async function prepare(ctx: CfnContext, params: URLSearchParams, stackName: string, previous?: StackRecord): Promise<PreparedStack> {
  const templateBody = await templateSource(ctx, params, previous);
  const template = parseTemplate(templateBody);
  const parameters = resolveParameters(template.Parameters, parameterInputs(params), previous?.definition.parameters);
  const capabilities = capabilityInputs(params);
  checkCapabilities(template, capabilities);
  const expanded = expandTransforms(template);
  checkAttributes(expanded, [Object.values(expanded.Resources).map((r) => r.Properties), Object.values(expanded.Outputs)]);
  const definition = { templateBody, parameters };
  stackView(definition, stackEnv(ctx, stackName, previous?.stackId ?? stackArn(ctx, stackName, 'dry-run')), {}); // conditions evaluate
  const roleArn = checkRole(ctx, params.get('RoleARN')) ?? previous?.roleArn;
  return { definition, template, capabilities, ...(roleArn ? { roleArn } : {}) };
}

/** A new operation record. */
export function newOperation(kind: StackOperation['kind'], target: StackDefinition, extra: Partial<StackOperation> = {}): StackOperation {
  return { kind, phase: 'forward', target, created: [], updated: [], replaced: [], onFailure: 'ROLLBACK', ...extra };
}

export const sameDefinition = (a: StackDefinition, b: StackDefinition): boolean =>
  a.templateBody === b.templateBody && JSON.stringify(Object.entries(a.parameters).sort()) === JSON.stringify(Object.entries(b.parameters).sort());
