// The rollout config (`fleet.yml`) after validation: what a release is made of, where it goes
// (targets), and which release versions go where, in which waves (environments). Pure types.

export type TargetKind = 'devices' | 'stack' | 'web' | 'codedeploy';
export const TARGET_KINDS: readonly TargetKind[] = ['devices', 'stack', 'web', 'codedeploy'];

/** Where a target lives and how the controller reaches it. */
export interface TargetBase {
  readonly name: string;
  readonly kind: TargetKind;
  /** 12-digit AWS account; the pipeline's own account when the config does not say. */
  readonly account?: string;
  readonly region: string;
  /** Role assumed in the target's account (cross-account); none means the controller's own credentials. */
  readonly roleArn?: string;
  readonly externalId?: string;
  /** Labels used by wave selectors (tier, region, customer, ...). */
  readonly labels: Readonly<Record<string, string>>;
  /** The line of the target in the config file, for messages. */
  readonly line: number;
}

/** How CodeDeploy paces a deployment: a built-in or custom config name, or a minimum of healthy hosts. */
export type DeploymentConfig =
  | { readonly name: string }
  | { readonly minimumHealthyHosts: { readonly type: 'HOST_COUNT' | 'FLEET_PERCENT'; readonly value: number } };

/** A fleet of on-premises devices in one CodeDeploy deployment group. */
export interface DevicesTarget extends TargetBase {
  readonly kind: 'devices';
  readonly application: string;
  readonly deploymentGroup: string;
  /** On-premises instance tags a device must carry (all of them). */
  readonly select: Readonly<Record<string, string>>;
  readonly deploymentConfig?: DeploymentConfig;
  /** CodeDeploy's own rollback of a failed deployment (default on). */
  readonly autoRollback: boolean;
  /** Split into percentage rings (the config's target); expanded into one target per ring. */
  readonly rings?: RingsConfig;
  /** Set on the targets `rings` expands into: `eu-pis@ring2` is ring 2 of target `eu-pis`. */
  readonly ring?: RingOf;
}

/** `rings: [1, 10, 50, 100]`: cumulative percentages of the fleet's devices, the last 100. */
export interface RingsConfig {
  readonly percents: readonly number[];
  /** Changes which devices are the canaries (default: none, the same devices every release). */
  readonly seed?: string;
  /** The on-premises tag that records a device's ring (default `fleetctl-ring`). */
  readonly tag: string;
}

/** A ring target's place: its base target's name and deployment group, and its ring number (1-based). */
export interface RingOf {
  readonly base: string;
  readonly baseGroup: string;
  readonly index: number;
  readonly rings: RingsConfig;
}

/** `<target>@ring<N>`: the name of ring N of a target, as waves name it. */
export const ringTargetName = (base: string, index: number): string => `${base}@ring${index}`;

/** The release's CloudFormation stack in a tenant account. */
export interface StackTarget extends TargetBase {
  readonly kind: 'stack';
  readonly stack: string;
  /** The role CloudFormation itself uses in the tenant account. */
  readonly cfnRoleArn?: string;
  /** Literal parameters for this tenant. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Which template parameters receive the release's own values. */
  readonly releaseParameters: ReleaseParameterNames;
  readonly capabilities: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface ReleaseParameterNames {
  readonly version?: string;
  readonly bucket?: string;
  readonly key?: string;
}

/** The release's static web files, copied under a prefix of a tenant bucket. */
export interface WebTarget extends TargetBase {
  readonly kind: 'web';
  readonly bucket: string;
  readonly prefix: string;
  /** Remove files under the prefix that the release no longer has. */
  readonly deleteRemoved: boolean;
}

/** A CodeDeploy deployment group of a tenant's own servers (EC2 or on-premises). */
export interface CodeDeployTarget extends TargetBase {
  readonly kind: 'codedeploy';
  readonly application: string;
  readonly deploymentGroup: string;
  readonly deploymentConfig?: DeploymentConfig;
  /** CodeDeploy's own rollback of a failed deployment (default on). */
  readonly autoRollback: boolean;
}

export type Target = DevicesTarget | StackTarget | WebTarget | CodeDeployTarget;

/** Targets of a wave: by name, or every target whose labels include all of these. */
export type TargetSelector = { readonly names: readonly string[] } | { readonly labels: Readonly<Record<string, string>> };

/** How many failed targets a wave tolerates before the rollout halts. */
export type FailureBudget = { readonly count: number } | { readonly percent: number };

export interface WaveConfig {
  readonly name: string;
  readonly select: TargetSelector;
  /** Targets deployed at once within the wave; all of them when unset. */
  readonly concurrency?: number;
  readonly maxFailed: FailureBudget;
  /** `approval: manual`: the wave starts only once someone approved it (`rollout approve`). */
  readonly approval?: 'manual';
  /** Checked when the wave's deployments end (and during and after the bake). */
  readonly gates: WaveGates;
  /** How long the wave bakes after its deployments passed their gates (ms). */
  readonly bakeMs?: number;
  readonly line: number;
}

/** A percentage threshold: `{ percent: 10 }` from `10%`, or a count from `2`. */
export type Threshold = FailureBudget;

export interface DeviceHealthGate {
  /** Unhealthy devices tolerated (of the wave's devices). */
  readonly maxUnhealthy: Threshold;
  /** Whether a degraded device counts as unhealthy (default false). */
  readonly degradedIsUnhealthy: boolean;
  /** A device without a shadow update since its deployment finished is unknown: `fail` counts it as unhealthy. */
  readonly unknown: 'fail' | 'ignore';
  /** How long to wait for the devices' shadows to report after their deployment (ms). */
  readonly waitMs: number;
}

export interface DeploymentOutcomeGate {
  /** Failed devices tolerated (CodeDeploy instance status), of the wave's finished devices. */
  readonly maxFailed: Threshold;
  /** The percentage is judged only once this many devices finished. */
  readonly minFinished: number;
}

export interface CommandGate {
  /** Run with /bin/sh -c, once per target of the wave. */
  readonly run: string;
  readonly timeoutMs: number;
}

export interface WaveGates {
  readonly deviceHealth?: DeviceHealthGate;
  readonly deploymentOutcome?: DeploymentOutcomeGate;
  /** CloudWatch alarm names, looked up in each target's account and region: any in ALARM fails. */
  readonly alarms?: readonly string[];
  readonly command?: CommandGate;
}

export const GATE_KINDS = ['device-health', 'deployment-outcome', 'alarms', 'command'] as const;
export type GateKind = (typeof GATE_KINDS)[number];

/** Which targets a halted rollout puts back: none, those that failed, the halted wave's, all it changed. */
export type RollbackPolicy = 'none' | 'failed' | 'wave' | 'all';
export const ROLLBACK_POLICIES: readonly RollbackPolicy[] = ['none', 'failed', 'wave', 'all'];

export interface Environment {
  readonly name: string;
  /** Release versions (or tags) this environment takes: glob patterns, `*` any run, `?` one character. */
  readonly match: readonly string[];
  /** Versions excluded even when they match (excludes win, as in CodePipeline's tag filters). */
  readonly exclude: readonly string[];
  readonly waves: readonly WaveConfig[];
  /** What a halted rollout of this environment puts back (default all). */
  readonly rollback: RollbackPolicy;
  readonly line: number;
}

export interface ReleaseParts {
  /** Folder (or archive) holding the device revision: an AppSpec bundle. */
  readonly device?: string;
  readonly stack?: { readonly template: string; readonly package?: string };
  /** Folder of static web files. */
  readonly web?: string;
}

export interface ReleaseConfig {
  readonly bucket: string;
  /** Key prefix under which releases are stored (default: the application name). */
  readonly prefix: string;
  readonly kmsKeyId?: string;
  readonly region?: string;
  readonly parts: ReleaseParts;
}

export interface RolloutConfig {
  readonly application: string;
  /** Region of targets that do not name one (and of the release bucket unless it says otherwise). */
  readonly region: string;
  readonly release: ReleaseConfig;
  /** In the order they were written. */
  readonly targets: readonly Target[];
  /** In the order they were written: the first that matches a release wins. */
  readonly environments: readonly Environment[];
}
