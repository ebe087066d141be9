// Parsed templates by the stack definition they belong to. A stack's template is read on every
// DescribeStacks (its parameters' NoEcho) and at each provisioning step; parsing the YAML each
// time was most of the sandbox's work when a rollout follows hundreds of stacks. Keyed weakly by
// the definition (replaced, never changed in place, on an update), and checked against its text
// all the same. A template that does not parse is not cached: its error is thrown each time.
import type { StackDefinition } from './cfn-state.js';
import { parseTemplate, type Template } from './template-parse.js';

const parsed = new WeakMap<StackDefinition, { readonly body: string; readonly template: Template }>();

/** parseTemplate of the definition's text, parsed once per definition. */
export function templateOf(definition: StackDefinition): Template {
  const hit = parsed.get(definition);
  if (hit && hit.body === definition.templateBody) return hit.template;
  const template = parseTemplate(definition.templateBody);
  parsed.set(definition, { body: definition.templateBody, template });
  return template;
}
