// Runs a stack operation recorded on the stack (`op`): resources are provisioned along the
// dependency graph (independent ones in parallel, each taking its simulated delay on the injected
// timer), with CloudFormation's stack and resource events and statuses; a failing resource rolls
// the stack back. Each step updates the persisted state first, so a restarted sandbox resumes.
// Every await is followed by a check of the signal: once a run is aborted (the sandbox closing, or
// CancelUpdateStack turning the update into a rollback) it changes nothing more, not even when its
// timer had already fired.
import type { StackEvent, StackOperation, StackRecord, StackResource } from './cfn-state.js';
import { physicalIdFor, needsReplacement, sandboxBehaviour } from './resources.js';
import { computeOutputs, evaluateResource, includedResources, stackView, type StackEnv, type StackView } from './stack-context.js';
import { dependencyGraph } from './template-parse.js';

export interface MachineDeps {
  readonly now: () => Date;
  /** Resolves after ms (rejects when the signal aborts). */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: (size: number) => Buffer;
  readonly newId: () => string;
  readonly changed: () => void;
  /** Provisioning time of a resource without SandboxDelayMs (the template's Metadata SandboxDelayMs overrides it per stack). */
  readonly defaultDelayMs: number;
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

/** Appends an event (and persists). */
export function addEvent(stack: StackRecord, deps: Pick<MachineDeps, 'now' | 'newId' | 'changed'>, e: Omit<StackEvent, 'eventId' | 'timestamp'>): void {
  const token = stack.op?.clientRequestToken;
  stack.events.push({ eventId: deps.newId(), timestamp: deps.now().toISOString(), ...e, ...(token ? { clientRequestToken: token } : {}) });
  deps.changed();
}

/** Sets the stack status with its stack event. */
export function setStackStatus(stack: StackRecord, deps: Pick<MachineDeps, 'now' | 'newId' | 'changed'>, status: string, reason?: string): void {
  stack.status = status;
  if (reason === undefined) delete stack.statusReason;
  else stack.statusReason = reason;
  addEvent(stack, deps, { logicalId: stack.stackName, physicalId: stack.stackId, resourceType: STACK_TYPE, status, ...(reason ? { reason } : {}) });
}

/** The reason of the stack event a CancelUpdateStack writes. */
export const CANCELLED = 'Stack update cancelled';

/**
 * CancelUpdateStack: the resources the update has in flight fail as cancelled and the update turns
 * into its rollback. Events from here on belong to the cancel request (its ClientRequestToken, if any).
 * The caller restarts the stack's run, which aborts the forward phase still running.
 */
export function cancelUpdate(stack: StackRecord, deps: Pick<MachineDeps, 'now' | 'newId' | 'changed'>, token?: string): void {
  const op = stack.op!;
  if (token) op.clientRequestToken = token;
  else delete op.clientRequestToken;
  for (const id of [...op.updated, ...op.created]) {
    const r = Object.hasOwn(stack.resources, id) ? stack.resources[id]! : undefined;
    if (r?.status !== 'UPDATE_IN_PROGRESS' && r?.status !== 'CREATE_IN_PROGRESS') continue;
    const creating = r.status === 'CREATE_IN_PROGRESS';
    r.status = creating ? 'CREATE_FAILED' : 'UPDATE_FAILED';
    r.statusReason = creating ? 'Resource creation cancelled' : 'Resource update cancelled';
    r.lastUpdated = deps.now().toISOString();
    const { logicalId, physicalId, type: resourceType, status, statusReason: reason } = r;
    addEvent(stack, deps, { logicalId, physicalId, resourceType, status, reason });
  }
  op.phase = 'rollback';
  setStackStatus(stack, deps, 'UPDATE_ROLLBACK_IN_PROGRESS', CANCELLED);
}

/** Runs `step` over the ids along the dependency order (`after(id)`: what must finish first); returns the ids that failed. */
async function runGraph(ids: readonly string[], after: (id: string) => readonly string[], step: (id: string) => Promise<boolean>): Promise<string[]> {
  const running = new Map<string, Promise<boolean>>();
  const failed: string[] = [];
  const run = (id: string): Promise<boolean> => {
    let p = running.get(id);
    if (p) return p;
    p = (async () => {
      const ready = (await Promise.all(after(id).filter((d) => ids.includes(d)).map(run))).every(Boolean);
      if (!ready || failed.length > 0) return false;
      const ok = await step(id);
      if (!ok) failed.push(id);
      return ok;
    })();
    running.set(id, p);
    return p;
  };
  await Promise.all(ids.map(run));
  return failed;
}

/** id → the ids that depend on it (deletion runs dependents first). */
function dependents(graph: Map<string, Set<string>>): (id: string) => string[] {
  return (id) => [...graph].filter(([, deps]) => deps.has(id)).map(([other]) => other);
}

export async function runOperation(stack: StackRecord, env: Omit<StackEnv, 'stackName' | 'stackId'>, deps: MachineDeps, signal: AbortSignal): Promise<void> {
  const senv: StackEnv = { ...env, stackName: stack.stackName, stackId: stack.stackId, notificationArns: stack.notificationArns };
  const op = stack.op!;
  const event = (r: Pick<StackResource, 'logicalId' | 'physicalId' | 'type'>, status: string, reason?: string, properties?: unknown): void =>
    addEvent(stack, deps, {
      logicalId: r.logicalId, physicalId: r.physicalId, resourceType: r.type, status,
      ...(reason ? { reason } : {}), ...(properties !== undefined ? { properties: JSON.stringify(properties) } : {}),
    });
  const view = (): StackView => stackView(op.target, senv, stack.resources);
  const stackDelay = (v: StackView): number => sandboxBehaviour(v.template.Metadata, deps.defaultDelayMs).delayMs;
  /** Awaits `p`, then stops here if the run was aborted meanwhile. */
  const settled = async <T>(p: Promise<T>): Promise<T> => {
    const v = await p;
    signal.throwIfAborted();
    return v;
  };
  const sleep = (ms: number): Promise<void> => settled(deps.sleep(ms, signal));

  /** Provision (create or update) one resource of the target template. */
  const provision = async (id: string): Promise<boolean> => {
    signal.throwIfAborted(); // reached from a dependency's completion, which may have come after the abort
    const v = view();
    const decl = v.template.Resources[id]!;
    const { properties, metadata } = evaluateResource(v, id);
    const behaviour = sandboxBehaviour(metadata, stackDelay(v));
    const existing = Object.hasOwn(stack.resources, id) ? stack.resources[id] : undefined;
    const live = existing && existing.status !== 'DELETE_COMPLETE' && !op.created.includes(id) ? existing : undefined;
    if (live && op.updated.includes(id) && live.status === 'UPDATE_COMPLETE') return true;
    if (existing && op.created.includes(id) && existing.status === 'CREATE_COMPLETE') return true;
    const now = deps.now().toISOString();
    if (live) {
      // an update a previous run started (then closed) holds the new properties already: it still takes its time
      const resumed = op.updated.includes(id) && live.status === 'UPDATE_IN_PROGRESS';
      const same = live.type === decl.Type && JSON.stringify([live.properties, live.metadata]) === JSON.stringify([properties, metadata]);
      if (same && !resumed) return true;
      const replace = live.type !== decl.Type || needsReplacement(decl.Type, live.properties, properties);
      if (replace && !op.replaced.some((r) => r.logicalId === id)) op.replaced.push({ ...live });
      const physicalId = replace ? physicalIdFor(decl.Type, id, properties, senv, deps.random) : live.physicalId;
      const r: StackResource = { ...live, type: decl.Type, physicalId, properties, metadata, status: 'UPDATE_IN_PROGRESS', lastUpdated: now };
      if (!op.updated.includes(id)) op.updated.push(id);
      stack.resources[id] = r;
      const why = replace ? 'Requested update requires the creation of a new physical resource; hence creating one.' : undefined;
      if (!resumed) event(r, 'UPDATE_IN_PROGRESS', why, properties);
      await sleep(behaviour.delayMs);
      r.status = behaviour.failReason ? 'UPDATE_FAILED' : 'UPDATE_COMPLETE';
      event(r, r.status, behaviour.failReason);
      return !behaviour.failReason;
    }
    const r: StackResource = { logicalId: id, type: decl.Type, physicalId: '', properties, metadata, status: 'CREATE_IN_PROGRESS', lastUpdated: now };
    stack.resources[id] = r;
    if (!op.created.includes(id)) op.created.push(id);
    event(r, 'CREATE_IN_PROGRESS', undefined, properties);
    r.physicalId = physicalIdFor(decl.Type, id, properties, senv, deps.random);
    event(r, 'CREATE_IN_PROGRESS', 'Resource creation Initiated', properties);
    await sleep(behaviour.delayMs);
    r.status = behaviour.failReason ? 'CREATE_FAILED' : 'CREATE_COMPLETE';
    if (behaviour.failReason) r.statusReason = behaviour.failReason;
    event(r, r.status, behaviour.failReason);
    return !behaviour.failReason;
  };

  /** Delete a resource record (DELETE_IN_PROGRESS → DELETE_COMPLETE). */
  const remove = async (r: StackResource, delayMs: number): Promise<boolean> => {
    signal.throwIfAborted();
    if (r.status === 'DELETE_COMPLETE') return true;
    r.status = 'DELETE_IN_PROGRESS';
    if (r.physicalId !== '') event(r, 'DELETE_IN_PROGRESS');
    await sleep(delayMs);
    r.status = 'DELETE_COMPLETE';
    r.lastUpdated = deps.now().toISOString();
    event(r, 'DELETE_COMPLETE');
    return true;
  };

  const deleteAll = async (definitionView: StackView | undefined, pick: (r: StackResource) => boolean): Promise<void> => {
    const graph = definitionView ? dependencyGraph(definitionView.template) : new Map<string, Set<string>>();
    const ids = Object.keys(stack.resources).filter((id) => pick(stack.resources[id]!));
    const delay = definitionView ? stackDelay(definitionView) : deps.defaultDelayMs;
    await settled(runGraph(ids, dependents(graph), (id) => remove(stack.resources[id]!, delay)));
  };

  const failedReason = (verb: string, ids: readonly string[]): string => `The following resource(s) failed to ${verb}: [${ids.join(', ')}]. `;
  const finish = (status: string, reason?: string): void => {
    // the final event still belongs to the operation: it carries the operation's ClientRequestToken
    setStackStatus(stack, deps, status, reason);
    delete stack.op;
    deps.changed();
  };

  for (;;) {
    signal.throwIfAborted();
    if (op.kind === 'create' && op.phase === 'forward') {
      const v = view();
      const failed = await settled(runGraph(includedResources(v), (id) => [...(dependencyGraph(v.template).get(id) ?? [])], provision));
      if (failed.length === 0) {
        stack.outputs = computeOutputs(view());
        stack.definition = op.target;
        return finish('CREATE_COMPLETE');
      }
      op.failed = failed;
      if (op.onFailure === 'DO_NOTHING') return finish('CREATE_FAILED', failedReason('create', failed));
      op.phase = 'rollback';
      if (op.onFailure === 'DELETE') setStackStatus(stack, deps, 'DELETE_IN_PROGRESS', `${failedReason('create', failed)}Delete requested by user.`);
      else setStackStatus(stack, deps, 'ROLLBACK_IN_PROGRESS', `${failedReason('create', failed)}Rollback requested by user.`);
    } else if (op.kind === 'create' && op.phase === 'rollback') {
      await settled(deleteAll(view(), () => true));
      stack.outputs = [];
      if (op.onFailure === 'DELETE') {
        stack.deletionTime = deps.now().toISOString();
        return finish('DELETE_COMPLETE');
      }
      return finish('ROLLBACK_COMPLETE');
    } else if (op.kind === 'update' && op.phase === 'forward') {
      const v = view();
      const failed = await settled(runGraph(includedResources(v), (id) => [...(dependencyGraph(v.template).get(id) ?? [])], provision));
      if (failed.length === 0) {
        stack.outputs = computeOutputs(view());
        op.phase = 'cleanup';
        setStackStatus(stack, deps, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        continue;
      }
      op.failed = failed;
      op.phase = 'rollback';
      const verb = failed.every((id) => op.created.includes(id)) ? 'create' : 'update';
      setStackStatus(stack, deps, 'UPDATE_ROLLBACK_IN_PROGRESS', failedReason(verb, failed));
    } else if (op.kind === 'update' && op.phase === 'cleanup') {
      const keep = new Set(includedResources(view()));
      const prevView = op.previous ? stackView(op.previous.definition, senv, op.previous.resources) : undefined;
      for (const old of op.replaced) await settled(remove({ ...old }, stackDelay(view())));
      op.replaced = [];
      await settled(deleteAll(prevView, (r) => !keep.has(r.logicalId)));
      for (const id of Object.keys(stack.resources)) if (!keep.has(id)) delete stack.resources[id];
      stack.definition = op.target;
      return finish('UPDATE_COMPLETE');
    } else if (op.kind === 'update' && op.phase === 'rollback') {
      await settled(rollBackUpdates(stack, op, deps, signal, event));
      op.phase = 'rollback-cleanup';
      setStackStatus(stack, deps, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    } else if (op.kind === 'update' && op.phase === 'rollback-cleanup') {
      const delay = stackDelay(view());
      for (const id of op.created) if (Object.hasOwn(stack.resources, id)) await settled(remove(stack.resources[id]!, delay));
      for (const id of op.created) delete stack.resources[id];
      // rollBackUpdates left the new physical resources of rolled-back replacements here
      for (const r of op.replaced) await settled(remove({ ...r }, delay));
      op.replaced = [];
      if (op.previous) {
        stack.definition = op.previous.definition;
        stack.outputs = op.previous.outputs;
      }
      return finish('UPDATE_ROLLBACK_COMPLETE');
    } else {
      const v = stackView(stack.definition, senv, stack.resources);
      await settled(deleteAll(v, () => true));
      stack.deletionTime = deps.now().toISOString();
      return finish('DELETE_COMPLETE');
    }
  }
}

/** Update rollback: every resource the update changed returns to its previous properties (and physical id). */
async function rollBackUpdates(
  stack: StackRecord,
  op: StackOperation,
  deps: MachineDeps,
  signal: AbortSignal,
  event: (r: StackResource, status: string, reason?: string) => void,
): Promise<void> {
  const previous = op.previous?.resources ?? {};
  const delay = sandboxBehaviour(undefined, deps.defaultDelayMs).delayMs;
  await Promise.all(
    op.updated.map(async (id) => {
      const before = Object.hasOwn(previous, id) ? previous[id]! : undefined;
      if (!before) return;
      const r = stack.resources[id]!;
      const wasReplaced = r.physicalId !== before.physicalId;
      r.status = 'UPDATE_IN_PROGRESS';
      event(r, 'UPDATE_IN_PROGRESS');
      await deps.sleep(delay, signal);
      signal.throwIfAborted();
      if (wasReplaced) op.replaced = op.replaced.filter((x) => x.logicalId !== id).concat([{ ...r }]);
      stack.resources[id] = { ...before, status: 'UPDATE_COMPLETE', lastUpdated: deps.now().toISOString() };
      event(stack.resources[id]!, 'UPDATE_COMPLETE');
    }),
  );
}
