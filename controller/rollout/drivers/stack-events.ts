// Reading a stack operation back from CloudFormation's events: every event of an operation carries
// the ClientRequestToken it was started with (we execute change sets with the change set's name as
// token), so the events say whether our change set ran, how it ended and which resource failed.
import type { CloudFormationPort, StackEvent } from '../../aws/ports.js';

/** Pages of events (newest first) read at most. */
const EVENT_PAGES = 10;

export const SUCCEEDED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);
export const FAILED = new Set([
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_COMPLETE',
  'UPDATE_ROLLBACK_FAILED',
  'CREATE_FAILED',
  'UPDATE_FAILED',
  'DELETE_COMPLETE',
  'DELETE_FAILED',
  'IMPORT_ROLLBACK_COMPLETE',
  'IMPORT_ROLLBACK_FAILED',
]);
export const TERMINAL = new Set([...SUCCEEDED, ...FAILED]);

/** Statuses from which a change set can update the stack (besides a missing stack or REVIEW_IN_PROGRESS). */
export const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

export const inProgress = (status: string): boolean => status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';

export interface Operation {
  /** Our events, newest first. */
  readonly events: readonly StackEvent[];
  /** Every event back to our operation's start was read (or the stack's first event). */
  readonly complete: boolean;
}

const stackLevel = (e: StackEvent): boolean => e.resourceType === 'AWS::CloudFormation::Stack' && e.physicalResourceId === e.stackId;

/** The events of the operation started with `token`, read newest first until its first event. */
export async function operationEvents(cfn: CloudFormationPort, stackId: string, token: string): Promise<Operation> {
  const ours: StackEvent[] = [];
  let next: string | undefined;
  for (let page = 0; page < EVENT_PAGES; page++) {
    const r = await cfn.describeStackEvents(stackId, next);
    for (const e of r.items) {
      if (e.clientRequestToken !== token) continue;
      ours.push(e);
      // the operation's first event: its stack going *_IN_PROGRESS
      const s = e.resourceStatus;
      if (stackLevel(e) && inProgress(s) && !s.includes('ROLLBACK') && !s.includes('CLEANUP')) return { events: ours, complete: true };
    }
    next = r.nextToken;
    if (!next) return { events: ours, complete: true };
  }
  return { events: ours, complete: false };
}

/** How the operation ended (its last stack-level terminal event), if it did. */
export const finalStatus = (op: Operation): string | undefined =>
  op.events.find((e) => stackLevel(e) && TERMINAL.has(e.resourceStatus))?.resourceStatus;

/**
 * Why the stack last began rolling back (its newest stack-level *ROLLBACK_IN_PROGRESS event), such as
 * "Stack update cancelled": for an operation another one took over (CancelUpdateStack), whose events
 * carry that request's token instead of ours.
 */
export async function rollbackReason(cfn: CloudFormationPort, stackId: string): Promise<string | undefined> {
  const r = await cfn.describeStackEvents(stackId);
  return r.items.find((e) => stackLevel(e) && e.resourceStatus.endsWith('ROLLBACK_IN_PROGRESS'))?.resourceStatusReason;
}

/** The first resource that failed in the operation, as `LogicalId: reason`. */
export function firstFailure(op: Operation): string | undefined {
  const failed = [...op.events].reverse().find((e) => !stackLevel(e) && e.resourceStatus.endsWith('_FAILED') && e.resourceStatusReason);
  return failed ? `${failed.logicalResourceId} (${failed.resourceType}) ${failed.resourceStatus}: ${failed.resourceStatusReason}` : undefined;
}

/** How long the operation ran, from its first event to its terminal one (AWS's clock), when both were read. */
export function operationTookMs(op: Operation): number | undefined {
  const end = op.events.find((e) => stackLevel(e) && TERMINAL.has(e.resourceStatus));
  const start = op.complete ? op.events.at(-1) : undefined;
  if (!end || !start || !stackLevel(start) || !inProgress(start.resourceStatus)) return undefined;
  return end.timestamp.getTime() - start.timestamp.getTime();
}
