// What a wave's gates are asked and what they answer. A gate reads (shadows, deployments, alarms)
// or runs a smoke command; it never changes a target. The runner asks when the wave's deployments
// have ended (`deployed`), during the bake (`bake`: quick reads only, no waiting, no command) and
// when the bake is over (`baked`), and journals the answers. Pure types.
import type { GateKind } from '../config-types.js';
import type { RolloutState } from '../journal-model.js';
import type { PlannedWave } from '../plan.js';

export type GatePhase = 'deployed' | 'bake' | 'baked';

export interface GateResult {
  readonly gate: GateKind;
  readonly passed: boolean;
  /** What was measured, for people: `1 of 3 devices unhealthy (33%)`, `HighErrors in ALARM`. */
  readonly value: string;
  /** What passes, for people: `at most 0 unhealthy`, `no alarm in ALARM`, `exit 0`. */
  readonly threshold: string;
  /** The target the result is about, when it is about one (alarms, command). */
  readonly target?: string;
  /** Evidence: unhealthy device names, an alarm's reason, the command's output tail. Bounded (GATE_DETAIL_BYTES). */
  readonly detail?: string;
}

/** Bytes of `detail` a journaled result keeps (the tail of a command's output). */
export const GATE_DETAIL_BYTES = 4096;

export interface GateInput {
  readonly rolloutId: string;
  readonly version: string;
  readonly environment: string;
  readonly wave: PlannedWave;
  readonly phase: GatePhase;
  /** The journal's state: each target's deployment (ref), outcome and stack outputs. */
  readonly state: RolloutState;
}

export interface GateChecker {
  /** Every gate the wave configures that applies to the phase; [] when it has none. */
  check(input: GateInput): Promise<GateResult[]>;
}
