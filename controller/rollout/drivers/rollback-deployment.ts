// The rollback of a devices or codedeploy target: a CodeDeploy deployment of the revision the group
// last deployed successfully before this rollout (as recordBefore journaled it, pinned by ETag and
// version) to the target's own deployment group (a ring's own group), with the target's deployment
// config. CodeDeploy's automatic rollback is off for it: undoing a failed rollback would reinstall
// the very release being taken back. Its description carries the rollback token's mark, so the
// driver's own find-by-mark finds it again after a crash, and no second deployment is made.
import { EdgeError, isEdgeError } from '../../../shared/errors.js';
import type { CodeDeployPort, S3Revision } from '../../aws/ports.js';
import type { CodeDeployTarget, DeploymentConfig, DevicesTarget } from '../config-types.js';
import type { Previous } from '../journal-model.js';
import type { DeployContext, TargetDriver } from '../runner.js';
import { sessionFor, targetOf, type DriverDeps } from './session.js';

/**
 * A ring group is new to devices its base group installed: CodeDeploy knows the files installed
 * per group, so with DISALLOW the ring's first deployment fails on each file the base group put
 * there. Ring deployments (and their rollbacks) overwrite them.
 */
export const fileExistsBehaviorOf = (t: DevicesTarget | CodeDeployTarget): { fileExistsBehavior?: 'OVERWRITE' } =>
  t.kind === 'devices' && t.ring ? { fileExistsBehavior: 'OVERWRITE' } : {};


/** What the rollback takes from the deployment-group driver (which wires it in). */
export interface GroupDeploying {
  /** The driver's find: the group's deployment whose description ends with the token's mark. */
  readonly find: TargetDriver['find'];
  /** The deployment config's name (a custom one is created when missing). */
  readonly configName: (cd: CodeDeployPort, config: DeploymentConfig | undefined) => Promise<string | undefined>;
  /** A deployment's (or with `rollback`, a rollback's) description, ending with the token's mark. */
  readonly description: (target: string, ctx: DeployContext, rollback?: boolean) => string;
}

function revisionOf(t: DevicesTarget | CodeDeployTarget, p: Previous): S3Revision {
  if (p.kind !== 'revision' || !p.revision) {
    const why = `the rollback of ${t.name} needs the revision its group ran before, and the journal has none`;
    throw new EdgeError('ROLLOUT_JOURNAL_CORRUPT', why);
  }
  const { bucket, key, bundleType, eTag, version } = p.revision;
  // the type CodeDeploy itself reported for the revision (GetDeployment)
  return { bucket, key, bundleType: bundleType as S3Revision['bundleType'], ...(eTag ? { eTag } : {}), ...(version ? { version } : {}) };
}

export function deploymentRollback(deps: DriverDeps, group: GroupDeploying): Pick<TargetDriver, 'rollback' | 'findRollback'> {
  return {
    async rollback(target, previous, ctx) {
      const t = targetOf(target, 'devices', 'codedeploy');
      const revision = revisionOf(t, previous);
      const cd = sessionFor(deps.pool, t, deps.rolloutId).codedeploy;
      const deploymentConfigName = await group.configName(cd, t.deploymentConfig);
      try {
        const { deploymentId } = await cd.createDeployment({
          applicationName: t.application,
          deploymentGroupName: t.deploymentGroup,
          revision,
          description: group.description(t.name, ctx, true),
          ...(deploymentConfigName ? { deploymentConfigName } : {}),
          ...fileExistsBehaviorOf(t),
          autoRollback: { enabled: false, events: [] },
        });
        return { kind: 'deployment', deploymentId };
      } catch (e) {
        // one deployment per group at a time (a deployment, or CodeDeploy's own rollback, still runs): wait for it
        if (isEdgeError(e, 'AWS_QUOTA_EXCEEDED') || isEdgeError(e, 'AWS_CONFLICT')) {
          throw new EdgeError('TARGET_BUSY', `deployment group ${t.deploymentGroup} is busy: ${e.message}`, { cause: e });
        }
        throw e;
      }
    },

    findRollback: (target, _previous, ctx) => group.find(target, ctx),
  };
}
