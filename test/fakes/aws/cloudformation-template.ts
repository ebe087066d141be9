// The fake CloudFormation's model (stacks, change sets, operations) and the little of a template
// it understands: declared parameters (Default, NoEcho), resources (Type, Properties with { Ref }
// resolved, Metadata.SandboxFail: the resource fails with that reason, as in the sandbox) and
// outputs ({ Ref } or literal values). JSON or YAML without short tags.
import { parse } from 'yaml';
import type { ChangeSetType, Page, ResourceChange, StackEvent, StackInfo, Tag } from '../../../controller/aws/ports.js';

const PAGE = 100;

export interface FakeTemplate {
  readonly parameters: Readonly<Record<string, { readonly default?: string; readonly noEcho: boolean }>>;
  readonly resources: Readonly<Record<string, { readonly type: string; readonly properties: unknown; readonly fail?: string }>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Parses a template; `undefined` when it is not a template (the caller reports the error). */
export function parseTemplate(body: string): FakeTemplate | undefined {
  let doc: unknown;
  try {
    doc = parse(body);
  } catch {
    return undefined;
  }
  const d = obj(doc);
  const resources = obj(d['Resources']);
  if (Object.keys(resources).length === 0) return undefined;
  const parameters = Object.fromEntries(
    Object.entries(obj(d['Parameters'])).map(([k, v]) => {
      const p = obj(v);
      return [k, { ...(p['Default'] !== undefined ? { default: String(p['Default']) } : {}), noEcho: p['NoEcho'] === true || p['NoEcho'] === 'true' }];
    }),
  );
  return {
    parameters,
    resources: Object.fromEntries(
      Object.entries(resources).map(([id, v]) => {
        const r = obj(v);
        const fail = obj(r['Metadata'])['SandboxFail'];
        return [id, { type: String(r['Type'] ?? ''), properties: r['Properties'] ?? {}, ...(typeof fail === 'string' && fail !== '' ? { fail } : {}) }];
      }),
    ),
    outputs: Object.fromEntries(Object.entries(obj(d['Outputs'])).map(([k, v]) => [k, obj(v)['Value']])),
  };
}

/** Resolves { Ref: X } against parameters and logical ids (`<stack>-<id>`). */
export function resolve(v: unknown, params: Readonly<Record<string, string>>, stackName: string): unknown {
  if (Array.isArray(v)) return v.map((x) => resolve(x, params, stackName));
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const ref = o['Ref'];
  if (typeof ref === 'string' && Object.keys(o).length === 1) return params[ref] ?? `${stackName}-${ref}`;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x, params, stackName)]));
}

/** Capabilities a template needs (IAM resources). */
export const neededCapability = (t: FakeTemplate): string | undefined =>
  Object.values(t.resources).some((r) => r.type.startsWith('AWS::IAM::')) ? 'CAPABILITY_IAM' : undefined;

/** What a stack runs (or a change set would make it run). */
export interface Definition {
  readonly body: string;
  readonly template: FakeTemplate;
  readonly parameters: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly roleArn?: string;
  readonly tags: readonly Tag[];
}

export function paged<T>(all: readonly T[], nextToken: string | undefined): Page<T> {
  const start = nextToken ? Number(nextToken) : 0;
  return { items: all.slice(start, start + PAGE), ...(start + PAGE < all.length ? { nextToken: String(start + PAGE) } : {}) };
}

/** Resource changes from the stack's current definition to `next` (resolved properties and failure marks compared). */
export function changesOf(s: { readonly stackName: string; readonly definition?: Definition }, next: Definition): ResourceChange[] {
  const old = s.definition;
  const shape = (d: Definition, id: string): string => {
    const r = d.template.resources[id];
    return JSON.stringify([r?.type, resolve(r?.properties, d.parameters, s.stackName), r?.fail ?? null]);
  };
  const changes: ResourceChange[] = [];
  for (const [id, r] of Object.entries(next.template.resources)) {
    if (!old?.template.resources[id]) changes.push({ action: 'Add', logicalResourceId: id, resourceType: r.type });
    else if (shape(old, id) !== shape(next, id)) changes.push({ action: 'Modify', logicalResourceId: id, physicalResourceId: `${s.stackName}-${id}`, resourceType: r.type, replacement: 'False' });
  }
  for (const [id, r] of Object.entries(old?.template.resources ?? {})) {
    if (!next.template.resources[id]) changes.push({ action: 'Remove', logicalResourceId: id, physicalResourceId: `${s.stackName}-${id}`, resourceType: r.type });
  }
  return changes;
}

export interface ChangeSet {
  readonly id: string;
  readonly name: string;
  readonly stackId: string;
  readonly type: ChangeSetType;
  readonly createdAt: number;
  readonly definition: Definition;
  readonly description?: string;
  status: string;
  statusReason?: string;
  executionStatus: string;
  changes: ResourceChange[];
}

export interface Operation {
  readonly kind: 'create' | 'update';
  phase: 'run' | 'rollback';
  until: number;
  readonly token?: string;
  readonly next: Definition;
  readonly changed: readonly string[];
  readonly failing?: { readonly id: string; readonly reason: string };
  readonly changeSet: ChangeSet;
}

export interface Stack {
  readonly stackId: string;
  readonly stackName: string;
  readonly creationTime: Date;
  status: string;
  statusReason?: string;
  definition?: Definition;
  outputs: Record<string, string>;
  lastUpdatedTime?: Date;
  readonly events: StackEvent[];
  op?: Operation;
}

export function stackView(s: Stack): StackInfo {
  const d = s.definition;
  const shown = (k: string, v: string): string => (d?.template.parameters[k]?.noEcho ? '****' : v);
  return {
    stackId: s.stackId,
    stackName: s.stackName,
    status: s.status,
    ...(s.statusReason ? { statusReason: s.statusReason } : {}),
    parameters: Object.fromEntries(Object.entries(d?.parameters ?? {}).map(([k, v]) => [k, shown(k, v)])),
    outputs: { ...s.outputs },
    capabilities: [...(d?.capabilities ?? [])],
    ...(d?.roleArn ? { roleArn: d.roleArn } : {}),
    tags: [...(d?.tags ?? [])],
    creationTime: s.creationTime,
    ...(s.lastUpdatedTime ? { lastUpdatedTime: s.lastUpdatedTime } : {}),
  };
}

