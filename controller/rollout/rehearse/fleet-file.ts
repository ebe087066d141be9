// The rehearsal's own fleet.yml and placeholder release (pure): the real config's targets, waves,
// gates and rollback policy unchanged, except what a rehearsal must not or cannot do for real —
// the release parts are placeholders (same targets, trivial content), no KMS key (the sandbox has
// none of the real ones), bakes and health waits scaled down, command gates replaced by `true`
// (a smoke test would reach real endpoints), a failing parameter on stack targets that --fail
// names — plus one environment first that puts a baseline release on the targets that run one now.
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import type { RolloutConfig, StackTarget } from '../config-types.js';

/** The environment that deploys the baseline release (ahead of the config's own, so it wins). */
export const BASELINE_ENVIRONMENT = 'rehearsal-previous';
/** The template parameter a --fail stack target gets: the placeholder template's resource fails with it. */
export const FAIL_PARAMETER = 'RehearsalFail';
export const FAIL_REASON = 'injected by fleetctl rollout rehearse --fail';
/** A device health gate waits at least this long in a rehearsal (the virtual devices report at once). */
export const MIN_HEALTH_WAIT_MS = 3000;

export const PART_PATHS = { device: 'parts/device', template: 'parts/template.json', package: 'parts/package', web: 'parts/web' } as const;

/** The baseline release's version: sorts before the rehearsed one and matches none of its patterns. */
export const baselineVersion = (version: string): string => `${version.slice(0, 100)}-rehearsal-previous`;

export interface FleetFileOptions {
  readonly version: string;
  readonly timeScale: number;
  /** Target names (a ringed target by its base name) the baseline release goes to; none: no baseline environment. */
  readonly seeded: readonly string[];
  readonly failingStacks: readonly string[];
}

export interface NotRehearsed {
  readonly wave: string;
  readonly what: string;
}

const scaled = (ms: number, scale: number, floor = 1): string => `${Math.max(floor, Math.round(ms * scale))}ms`;

/** Rewrites the waves of every environment: bakes and health waits scaled, command gates replaced. */
function rewriteWaves(doc: Document, config: RolloutConfig, o: FleetFileOptions, notes: NotRehearsed[]): void {
  const envs = doc.get('environments');
  if (!isSeq(envs)) return;
  envs.items.forEach((env, e) => {
    const waves = isMap(env) ? env.get('waves') : undefined;
    if (!isSeq(waves)) return;
    waves.items.forEach((w, i) => {
      if (!isMap(w)) return;
      const parsed = config.environments[e]?.waves[i];
      if (parsed?.bakeMs !== undefined) w.set('bake', scaled(parsed.bakeMs, o.timeScale));
      const gates = w.get('gates');
      if (!isMap(gates)) return;
      const health = parsed?.gates.deviceHealth;
      if (health) {
        const node = gates.get('device_health');
        const wait = scaled(health.waitMs, o.timeScale, MIN_HEALTH_WAIT_MS);
        if (isMap(node)) node.set('wait', wait);
        else gates.set('device_health', doc.createNode({ wait }));
      }
      if (parsed?.gates.command) {
        gates.set('command', 'true');
        notes.push({ wave: parsed.name, what: `command gate not run (passes): ${parsed.gates.command.run}` });
      }
    });
  });
}

export interface FleetFile {
  readonly text: string;
  /** What the rehearsal does not do as the rollout would. */
  readonly notRehearsed: readonly NotRehearsed[];
}

export function rehearsalFleetYml(text: string, config: RolloutConfig, o: FleetFileOptions): FleetFile {
  const doc = parseDocument(text);
  const notes: NotRehearsed[] = [];
  const release = doc.get('release') as YAMLMap;
  release.delete('kms_key_id');
  const parts: Record<string, unknown> = {};
  if (config.release.parts.device) parts['device'] = PART_PATHS.device;
  if (config.release.parts.stack) parts['stack'] = { template: PART_PATHS.template, package: PART_PATHS.package };
  if (config.release.parts.web) parts['web'] = PART_PATHS.web;
  release.set('parts', doc.createNode(parts));
  for (const name of o.failingStacks) {
    const t = config.targets.find((x) => x.name === name);
    doc.setIn(
      ['targets', name, 'parameters'],
      doc.createNode({ ...(t?.kind === 'stack' ? t.parameters : {}), [FAIL_PARAMETER]: FAIL_REASON }),
    );
  }
  rewriteWaves(doc, config, o, notes);
  if (o.seeded.length > 0) {
    const baseline = {
      name: BASELINE_ENVIRONMENT,
      match: [baselineVersion(o.version)],
      rollback: 'none',
      waves: [{ name: 'previous', targets: [...o.seeded], max_failed: '100%' }],
    };
    const envs = doc.get('environments');
    if (isSeq(envs)) envs.items.unshift(doc.createNode(baseline));
  }
  return { text: doc.toString({ lineWidth: 0 }), notRehearsed: notes };
}

/** The template parameters every stack target passes (its own and the release's), plus FAIL_PARAMETER. */
export function templateParameters(config: RolloutConfig): string[] {
  const names = new Set<string>();
  for (const t of config.targets.filter((x): x is StackTarget => x.kind === 'stack')) {
    for (const k of Object.keys(t.parameters)) names.add(k);
    for (const v of Object.values(t.releaseParameters)) if (v) names.add(v);
  }
  names.delete(FAIL_PARAMETER);
  return [...names, FAIL_PARAMETER];
}

/**
 * The placeholder stack template: every parameter declared (empty defaults), one simulated resource
 * whose value changes with them (so each release is a real update); with `failing`, the resource
 * fails when FAIL_PARAMETER is set (the sandbox's SandboxFail), i.e. on the --fail targets only.
 */
export function placeholderTemplate(parameters: readonly string[], failing: boolean): string {
  const declared = Object.fromEntries(parameters.map((p) => [p, { Type: 'String', Default: '' }]));
  const value = parameters.filter((p) => p !== FAIL_PARAMETER).map((p) => ({ Ref: p }));
  const resource = {
    Type: 'AWS::SSM::Parameter',
    Properties: { Type: 'String', Value: { 'Fn::Join': ['|', ['rehearsal', ...value]] } },
    ...(failing ? { Metadata: { SandboxFail: { Ref: FAIL_PARAMETER } } } : {}),
  };
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'fleetctl rollout rehearse placeholder',
    Parameters: declared,
    Resources: { Release: resource },
  };
  return `${JSON.stringify(template, null, 2)}\n`;
}

export const PLACEHOLDER_APPSPEC = 'version: 0.0\nos: linux\nfiles:\n  - source: release.txt\n    destination: /opt/fleetctl-rehearsal\n';
