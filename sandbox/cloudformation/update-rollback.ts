// CancelUpdateStack: an update in UPDATE_IN_PROGRESS stops and rolls back (UPDATE_ROLLBACK_IN_PROGRESS
// "Stack update cancelled", the resources in flight failed as cancelled, then the usual update
// rollback to UPDATE_ROLLBACK_COMPLETE with the previous template, parameters and outputs). The
// update's run is aborted and the rollback starts from the persisted state once it let go, so no
// step of the update lands after the cancel, and a restarted sandbox resumes the rollback.
import type { CfnAction } from './cfn-context.js';
import { findStack } from './cfn-state.js';
import { required, validation } from './cfn-wire.js';
import { CANCELLED, cancelUpdate } from './stack-machine.js';

const NOT_CANCELLABLE = 'CancelUpdateStack cannot be called from current stack status';

const cancelUpdateStack: CfnAction = async (ctx, params) => {
  const nameOrId = required(params, 'StackName');
  const token = params.get('ClientRequestToken') ?? undefined;
  const stack = findStack(ctx.doc, nameOrId);
  if (!stack || stack.status === 'DELETE_COMPLETE') throw validation(`Stack [${nameOrId}] does not exist`);
  const op = stack.op;
  if (stack.status !== 'UPDATE_IN_PROGRESS' || op?.kind !== 'update' || op.phase !== 'forward') {
    // a retried request (same token) whose cancel already took effect succeeds again
    const retried = token !== undefined && stack.events.some((e) => e.clientRequestToken === token && e.reason === CANCELLED);
    if (retried) return '';
    throw validation(NOT_CANCELLABLE);
  }
  // from the check to the restart nothing awaits: the update's run cannot step in between
  cancelUpdate(stack, ctx.machine, token);
  ctx.start(stack);
  return '';
};

export const updateRollbackActions: Readonly<Record<string, CfnAction>> = {
  CancelUpdateStack: cancelUpdateStack,
};
