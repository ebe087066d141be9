// The evaluation context of one stack: its template (transforms applied), typed parameter values,
// pseudo parameters, conditions, and its provisioned resources for Ref / Fn::GetAtt.
import { evaluate, evaluateConditions, included, type EvalContext } from './intrinsics.js';
import { typedParameters } from './parameters.js';
import { attributeOf, expandTransforms, refOf, type ResourceEnv } from './resources.js';
import type { StackDefinition, StackOutput, StackResource } from './cfn-state.js';
import { templateOf } from './template-cache.js';
import type { Template } from './template-parse.js';

export interface StackEnv extends ResourceEnv {
  readonly stackId: string;
  readonly notificationArns?: readonly string[];
  /** The value another stack of this account and region exports under the name. */
  readonly importValue: (name: string) => string | undefined;
}

export interface StackView {
  readonly template: Template;
  readonly ctx: EvalContext;
}

/** The stack's template (as provisioned) and an evaluation context over `resources`. */
export function stackView(definition: StackDefinition, env: StackEnv, resources: Readonly<Record<string, StackResource>>): StackView {
  const template = expandTransforms(templateOf(definition));
  const ctx: EvalContext = {
    template,
    params: typedParameters(template.Parameters, definition.parameters),
    pseudo: {
      'AWS::AccountId': env.accountId,
      'AWS::Region': env.region,
      'AWS::StackName': env.stackName,
      'AWS::StackId': env.stackId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    },
    conditions: {},
    resource: (id) => {
      const r = Object.hasOwn(resources, id) ? resources[id] : undefined;
      if (!r || r.status === 'DELETE_COMPLETE' || r.physicalId === '') return undefined;
      return { ref: refOf(r.type, r.physicalId, env), attribute: (name) => attributeOf(r.type, r.physicalId, name, env) };
    },
    importValue: env.importValue,
  };
  evaluateConditions(ctx);
  return { template, ctx };
}

/** The logical ids of the resources the template provisions (conditions applied). */
export const includedResources = (view: StackView): string[] =>
  Object.entries(view.template.Resources).filter(([, r]) => included(r, view.ctx)).map(([id]) => id);

const asText = (v: unknown): string => (Array.isArray(v) ? v.join(',') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** The stack's outputs over its current resources. */
export function computeOutputs(view: StackView): StackOutput[] {
  const out: StackOutput[] = [];
  for (const [key, o] of Object.entries(view.template.Outputs)) {
    if (!included(o, view.ctx)) continue;
    const exportName = o.Export ? asText(evaluate(o.Export.Name, view.ctx)) : undefined;
    out.push({
      key,
      value: asText(evaluate(o.Value, view.ctx)),
      ...(o.Description !== undefined ? { description: o.Description } : {}),
      ...(exportName !== undefined ? { exportName } : {}),
    });
  }
  return out;
}

/** A resource's evaluated properties and metadata. */
export function evaluateResource(view: StackView, logicalId: string): { properties: Record<string, unknown>; metadata: Record<string, unknown> } {
  const decl = view.template.Resources[logicalId]!;
  return {
    properties: evaluate(decl.Properties, view.ctx) as Record<string, unknown>,
    metadata: evaluate(decl.Metadata, view.ctx) as Record<string, unknown>,
  };
}
