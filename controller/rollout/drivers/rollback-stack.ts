// The rollback of a stack target: an UPDATE change set named after the rollback's token, with the
// template recordBefore saved next to the journal and the parameters the stack had then, created,
// executed and found again by the very steps deploy uses (so a crash between the calls is handled
// the same way). NoEcho parameters came back from DescribeStacks as `****`: those keep the value
// the stack has now (UsePreviousValue), the one thing that cannot be put back. The capabilities
// are the target's, plus what CloudFormation says the old template needs: it ran on this stack before.
import { EdgeError, isEdgeError } from '../../../shared/errors.js';
import type { CloudFormationPort, CreateChangeSetInput, StackInfo, StackParameterInput } from '../../aws/ports.js';
import type { StackTarget } from '../config-types.js';
import type { Previous } from '../journal-model.js';
import type { TargetDriver } from '../runner.js';
import { changeSetNameFor, sessionFor, targetOf } from './session.js';
import type { ChangeSetSteps, StackDriverDeps } from './stack.js';
import { UPDATABLE, inProgress } from './stack-events.js';

/** How DescribeStacks shows the value of a NoEcho parameter. */
export const MASKED = '****';
/** InsufficientCapabilitiesException's message: `Requires capabilities : [CAPABILITY_IAM]`. */
const REQUIRES = /Requires capabilities\s*:\s*\[([^\]]*)\]/;

/** The stack's parameters as they were; a masked (NoEcho) one keeps its current value. */
export const rollbackParameters = (parameters: Readonly<Record<string, string>>): StackParameterInput[] =>
  Object.entries(parameters).map(([key, value]) => (value === MASKED ? { key, usePreviousValue: true } : { key, value }));

/** The capabilities an InsufficientCapabilitiesException asks for; `undefined` for any other error. */
export function requiredCapabilities(e: unknown): string[] | undefined {
  if (!isEdgeError(e) || e.details['awsName'] !== 'InsufficientCapabilitiesException') return undefined;
  const listed = REQUIRES.exec(e.message)?.[1];
  const named = listed?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return named && named.length > 0 ? named : undefined;
}

function saved(t: StackTarget, p: Previous): { readonly templateKey: string; readonly parameters: Readonly<Record<string, string>> } {
  if (p.kind !== 'stack' || !p.exists || !p.templateKey) {
    const why = `the rollback of ${t.name} needs the stack's earlier template, and the journal has none`;
    throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', why);
  }
  return { templateKey: p.templateKey, parameters: p.parameters ?? {} };
}

/** The stack as a change set can update it: it exists, nothing runs on it, and it is not stuck. */
async function updatable(cfn: CloudFormationPort, t: StackTarget): Promise<StackInfo> {
  const s = await cfn.describeStack(t.stack);
  if (!s || s.status === 'REVIEW_IN_PROGRESS' || s.status === 'DELETE_COMPLETE') {
    const why = `stack ${t.stack} no longer exists: there is nothing to put its earlier template back onto`;
    throw new EdgeError('TARGET_STACK_BLOCKED', why);
  }
  if (inProgress(s.status)) throw new EdgeError('TARGET_BUSY', `stack ${t.stack} is ${s.status}`);
  if (!UPDATABLE.has(s.status)) {
    throw new EdgeError('TARGET_STACK_BLOCKED', `stack ${t.stack} is ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`);
  }
  return s;
}

export function stackRollback(deps: StackDriverDeps, steps: ChangeSetSteps): Pick<TargetDriver, 'rollback' | 'findRollback'> {
  const cfnOf = (t: StackTarget): CloudFormationPort => sessionFor(deps.pool, t, deps.rolloutId).cloudformation;

  return {
    async rollback(target, previous, ctx) {
      const t = targetOf(target, 'stack');
      const before = saved(t, previous);
      const cfn = cfnOf(t);
      await updatable(cfn, t);
      const stored = await deps.store.get(before.templateKey);
      if (!stored) {
        const where = `${deps.store.where}${before.templateKey}`;
        const why = `the template stack ${t.stack} ran before this rollout (${where}) is gone: it cannot be put back`;
        throw new EdgeError('TARGET_PREVIOUS_MISSING', why);
      }
      const template = await steps.templateOf(stored.body.toString('utf8'), `${deps.prefix}rollback/${t.name}.template`);
      const input = (capabilities: readonly string[]): CreateChangeSetInput => ({
        stackName: t.stack,
        changeSetName: changeSetNameFor(ctx.token),
        changeSetType: 'UPDATE',
        ...template,
        parameters: rollbackParameters(before.parameters),
        capabilities,
        ...(t.cfnRoleArn ? { roleArn: t.cfnRoleArn } : {}),
        tags: Object.entries(t.tags).map(([Key, Value]) => ({ Key, Value })),
        description: `fleetctl ${ctx.rolloutId} ${t.name} rollback`,
      });
      try {
        return await steps.createAndExecute(cfn, t, input(t.capabilities));
      } catch (e) {
        // CreateChangeSet refused before it created anything: once more, acknowledging what it named
        const needed = requiredCapabilities(e);
        if (!needed) throw e;
        return steps.createAndExecute(cfn, t, input([...new Set([...t.capabilities, ...needed])]));
      }
    },

    async findRollback(target, _previous, ctx) {
      const t = targetOf(target, 'stack');
      return steps.findByName(cfnOf(t), t, changeSetNameFor(ctx.token));
    },
  };
}
