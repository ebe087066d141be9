// `rings:` of a devices target, and the ring targets it expands into. Pure.
//
//   targets:
//     eu-pis:
//       kind: devices
//       deployment_group: pi-eu
//       select: { fleet: air-quality }
//       rings: [1, 10, 50, 100]          # or { percents: [1, 10, 50, 100], seed: q3, tag: fleetctl-ring }
//
// becomes the targets eu-pis@ring1 … eu-pis@ring4, deployed through the groups pi-eu-ring1 … pi-eu-ring4.
import { ringTargetName, type DevicesTarget, type RingsConfig, type Target } from './config-types.js';
import { tagRule } from './config-rules.js';
import type { Cursor } from './yaml-cursor.js';

export const DEFAULT_RING_TAG = 'fleetctl-ring';
export const MAX_RINGS = 10;
/** CodeDeploy's limit on a deployment group name. */
const MAX_GROUP_NAME = 100;
/** CodeDeploy takes at most 3 tag groups per deployment group; the ring tag is one of them. */
const MAX_SELECT_WITH_RINGS = 2;

/** `1`, `0.5`, `10%` → the number; a reason when it is not a percentage of the fleet. */
function percentOf(v: string): number | string {
  const m = /^(\d{1,3}(?:\.\d{1,4})?)\s*%?$/.exec(v.trim());
  const p = m ? Number(m[1]) : NaN;
  return p > 0 && p <= 100 ? p : `expected a percentage of the fleet above 0 and at most 100, got ${JSON.stringify(v)}`;
}

function parsePercents(at: Cursor): number[] {
  if (!at.isList()) return at.problem('expected a list of cumulative percentages, e.g. [1, 10, 50, 100]') ?? [];
  const percents: number[] = [];
  for (const item of at.items()) {
    const text = item.scalarText();
    if (text === undefined) continue;
    const p = percentOf(text);
    if (typeof p === 'string') item.problem(p);
    else if (percents.length > 0 && p <= (percents.at(-1) ?? 0)) item.problem('the percentages are cumulative: each above the one before');
    else percents.push(p);
  }
  if (percents.length > MAX_RINGS) at.problem(`at most ${MAX_RINGS} rings`);
  else if (percents.length > 0 && percents.at(-1) !== 100) at.problem('the last ring is the whole fleet: end the list with 100');
  return percents;
}

/** The target's rings, or undefined when it has none (or they are wrong: the problems are recorded). */
export function parseRings(at: Cursor, select: Readonly<Record<string, string>>): RingsConfig | undefined {
  if (!at.present) return undefined;
  let percents: number[];
  let seed: string | undefined;
  let tag = DEFAULT_RING_TAG;
  if (at.isMap()) {
    at.onlyKeys(['percents', 'seed', 'tag']);
    if (!at.get('percents').present) return at.get('percents').problem('required: cumulative percentages, e.g. [1, 10, 50, 100]');
    percents = parsePercents(at.get('percents'));
    seed = at.get('seed').string({ test: (v) => (v.length >= 1 && v.length <= 256 ? undefined : 'a seed is 1 to 256 characters') });
    tag = at.get('tag').string({ test: (v) => tagRule(v, '') }) ?? DEFAULT_RING_TAG;
  } else percents = parsePercents(at);
  if (Object.keys(select).length > MAX_SELECT_WITH_RINGS) {
    const why = 'a deployment group matches at most 3 tag groups, and the ring tag is one';
    at.problem(`with rings, select takes at most ${MAX_SELECT_WITH_RINGS} tags: ${why}`);
  }
  if (tag in select) at.problem(`the ring tag ${tag} is also a select tag: set rings.tag to another key`);
  if (percents.length === 0) return undefined;
  return { percents, tag, ...(seed !== undefined ? { seed } : {}) };
}

/** A devices target with rings becomes one target per ring (in ring order); any other target stays as it is. */
export function expandRings(target: Target, at: Cursor): Target[] {
  if (target.kind !== 'devices' || !target.rings) return [target];
  const { rings, ...base } = target;
  const suffix = `-ring${rings.percents.length}`;
  if (base.deploymentGroup.length + suffix.length > MAX_GROUP_NAME) {
    const most = MAX_GROUP_NAME - suffix.length;
    const reason = `the ring groups are named <deployment_group>${suffix}, at most ${MAX_GROUP_NAME} characters: keep it to ${most}`;
    at.get('deployment_group').problem(reason);
  }
  return rings.percents.map(
    (_, i): DevicesTarget => ({
      ...base,
      name: ringTargetName(base.name, i + 1),
      deploymentGroup: `${base.deploymentGroup}-ring${i + 1}`,
      ring: { base: base.name, baseGroup: base.deploymentGroup, index: i + 1, rings },
    }),
  );
}
