// The target drivers of one rollout, by kind: CodeDeploy deployment groups (devices and a tenant's
// servers), CloudFormation stacks and web files.
import type { TargetKind } from '../config-types.js';
import type { TargetDriver } from '../runner.js';
import { deploymentGroupDriver } from './deployment-group.js';
import { stackDriver, type StackDriverDeps } from './stack.js';
import { webDriver, type WebDriverDeps } from './web.js';

export type DriversDeps = StackDriverDeps & WebDriverDeps;

export function createDrivers(deps: DriversDeps): Readonly<Record<TargetKind, TargetDriver>> {
  const group = deploymentGroupDriver(deps);
  return { devices: group, codedeploy: group, stack: stackDriver(deps), web: webDriver(deps) };
}
