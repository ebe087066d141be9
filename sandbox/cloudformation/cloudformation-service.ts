// CloudFormation over the query protocol (Action=…&Version=2010-05-15; XML answers), per account
// and region in the sandbox store. Stack operations run in the background on the injected timer
// (`sleep`), so many stacks provision concurrently; operations still recorded as in progress when
// the service starts (a restarted sandbox with --dir) are resumed. Each run has its own abort
// signal: CancelUpdateStack stops a running update and starts its rollback once the update's run let go.
import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger, type Logger } from '../../shared/log.js';
import { REQUEST_ID_HEADER } from '../constants.js';
import { queryParams } from '../sts/sts-service.js';
import { AwsError, type Clock, type Principal, type SandboxStore, type ServiceHandler } from '../types.js';
import { changeSetActions } from './change-sets.js';
import type { CfnAction, CfnContext } from './cfn-context.js';
import { cfnDoc, type CfnDoc, type StackRecord } from './cfn-state.js';
import { CFN_VERSION, cfnResponse } from './cfn-wire.js';
import { runOperation, setStackStatus, type MachineDeps } from './stack-machine.js';
import { stackActions } from './stacks.js';
import { updateRollbackActions } from './update-rollback.js';

export interface CloudFormationDeps {
  readonly store: SandboxStore;
  readonly clock?: Clock;
  /** The provisioning timer (default: real timers). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: (size: number) => Buffer;
  readonly newId?: () => string;
  /** Simulated provisioning time per resource (default 0; a template's or resource's Metadata SandboxDelayMs overrides it). */
  readonly delayMs?: number;
  /** May cloudformation.amazonaws.com assume this role of the account? Default: any role of the account. */
  readonly mayAssumeRole?: (accountId: string, roleArn: string) => boolean;
  /** A template's text from an S3 URL, read with the caller's permissions (throws a ValidationError). */
  readonly readTemplateUrl?: (url: string, caller: Principal) => Promise<string>;
  readonly log?: Logger;
}

export interface CloudFormationService {
  readonly handler: ServiceHandler;
  /** Resolves when no stack operation is running (tests, benchmarks). */
  idle(): Promise<void>;
  /** Stops running operations (they stay recorded, and resume at the next start). */
  close(): Promise<void>;
}

const ACTIONS: Readonly<Record<string, CfnAction>> = { ...stackActions, ...changeSetActions, ...updateRollbackActions };

/** The value some stack of the account and region exports under this name. */
function exportedValue(doc: CfnDoc, name: string): string | undefined {
  for (const s of Object.values(doc.stacks)) {
    if (s.status === 'DELETE_COMPLETE') continue;
    const o = s.outputs.find((x) => x.exportName === name);
    if (o) return o.value;
  }
  return undefined;
}

export function createCloudFormationService(deps: CloudFormationDeps): CloudFormationService {
  const log = (deps.log ?? silentLogger()).child({ component: 'sandbox-cloudformation' });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // every run listens to it
  const running = new Map<string, Promise<void>>();
  const stops = new Map<string, AbortController>();
  const machine: MachineDeps = {
    now: () => deps.clock?.now() ?? new Date(),
    sleep: deps.sleep ?? ((ms, signal) => (ms > 0 ? delay(ms, undefined, { signal }) : Promise.resolve())),
    random: deps.random ?? randomBytes,
    newId: deps.newId ?? randomUUID,
    changed: () => deps.store.changed(),
    defaultDelayMs: deps.delayMs ?? 0,
  };
  const noTemplateUrls = async (): Promise<string> => {
    throw new AwsError('ValidationError', 'TemplateURL must be a supported URL.');
  };

  /** Runs the operation recorded on the stack; a run of the stack still going is aborted first, and the new one starts once it let go. */
  function start(stack: StackRecord, accountId: string, region: string): void {
    const doc = cfnDoc(deps.store, accountId, region);
    const env = { accountId, region, importValue: (name: string) => exportedValue(doc, name) };
    const previous = running.get(stack.stackId);
    stops.get(stack.stackId)?.abort(new Error('operation superseded'));
    const stop = new AbortController();
    const signal = stop.signal;
    setMaxListeners(0, signal); // every provisioning timer of the run listens to it
    const closing = (): void => stop.abort(abort.signal.reason);
    abort.signal.addEventListener('abort', closing, { once: true });
    const run = async (): Promise<void> => {
      try {
        await runOperation(stack, env, machine, signal);
      } catch (err) {
        // closing: the operation stays recorded and resumes; superseded: the next run carries on from the recorded state
        if (signal.aborted) return;
        // A template error surfacing mid-operation (an output, an import): fail like CloudFormation, without resources left behind.
        const reason = err instanceof AwsError ? err.message : 'Internal Failure';
        if (!(err instanceof AwsError)) log.error({ err, stackId: stack.stackId }, 'stack operation failed');
        const op = stack.op;
        if (op && op.phase === 'forward' && op.kind !== 'delete') {
          op.phase = 'rollback';
          setStackStatus(stack, machine, op.kind === 'create' ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS', reason);
          return run();
        }
        delete stack.op;
        const failed = stack.status.startsWith('UPDATE_ROLLBACK') ? 'UPDATE_ROLLBACK_FAILED' : stack.status.startsWith('ROLLBACK') ? 'ROLLBACK_FAILED' : stack.status.startsWith('DELETE') ? 'DELETE_FAILED' : 'UPDATE_FAILED';
        setStackStatus(stack, machine, failed, reason);
      }
    };
    const p = (previous ?? Promise.resolve())
      .catch(() => undefined) // the previous run's failure was its own
      .then(() => (abort.signal.aborted ? undefined : run()))
      .finally(() => {
        abort.signal.removeEventListener('abort', closing);
        if (running.get(stack.stackId) !== p) return;
        running.delete(stack.stackId);
        stops.delete(stack.stackId);
      });
    running.set(stack.stackId, p);
    stops.set(stack.stackId, stop);
  }

  // Resume what a previous run left in progress.
  for (const { accountId, region, doc } of deps.store.docs<CfnDoc>('cloudformation')) {
    for (const stack of Object.values(doc.stacks)) if (stack.op) start(stack, accountId, region);
  }

  const handler: ServiceHandler = async (req) => {
    const params = queryParams(req);
    const action = params.get('Action');
    const version = params.get('Version');
    if (action === null) throw new AwsError('MissingAction', 'Missing Action');
    const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!run || (version !== null && version !== CFN_VERSION)) {
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version ?? CFN_VERSION}`);
    }
    const accountId = req.principal.accountId;
    const doc = cfnDoc(deps.store, accountId, req.region);
    const ctx: CfnContext = {
      doc,
      accountId,
      region: req.region,
      caller: req.principal,
      requestId: req.headers[REQUEST_ID_HEADER] ?? '',
      machine,
      start: (stack) => start(stack, accountId, req.region),
      importValue: (name) => exportedValue(doc, name),
      mayAssumeRole: deps.mayAssumeRole ?? (() => true),
      readTemplateUrl: deps.readTemplateUrl ?? noTemplateUrls,
    };
    return cfnResponse(action, await run(ctx, params), ctx.requestId);
  };

  return {
    handler,
    async idle() {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
    async close() {
      abort.abort(new Error('sandbox closing'));
      await Promise.all([...running.values()]);
    },
  };
}
