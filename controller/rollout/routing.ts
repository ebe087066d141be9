// Which environment a release goes to: its version (or git tag) is matched against each
// environment's patterns in the order the config lists them; the first match wins, and an
// exclude pattern wins over a match (as CodePipeline's git tag filters do). Pure.
import type { Environment, RolloutConfig } from './config-types.js';
import { versionRule } from './config-rules.js';

/** Glob match over the whole text: `*` any run of characters (also none), `?` exactly one. */
export function globMatch(pattern: string, text: string): boolean {
  // iterative matcher with backtracking on the last star: linear for typical patterns
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export type RouteResult =
  | { readonly ok: true; readonly environment: Environment }
  | { readonly ok: false; readonly reason: string };

export function routeRelease(config: RolloutConfig, version: string, only?: string): RouteResult {
  const bad = versionRule(version);
  if (bad) return { ok: false, reason: bad };
  const takes = (e: Environment): boolean => e.match.some((p) => globMatch(p, version)) && !e.exclude.some((p) => globMatch(p, version));
  const listing = config.environments.map((e) => `${e.name} (${e.match.join(', ')}${e.exclude.length ? `; not ${e.exclude.join(', ')}` : ''})`).join('; ');
  if (only !== undefined) {
    const env = config.environments.find((e) => e.name === only);
    if (!env) return { ok: false, reason: `no environment named ${only}; environments: ${listing}` };
    if (!takes(env)) return { ok: false, reason: `release ${version} does not match environment ${only} (${env.match.join(', ')})` };
    return { ok: true, environment: env };
  }
  const env = config.environments.find(takes);
  if (!env) return { ok: false, reason: `release ${version} matches no environment, so it goes nowhere; environments: ${listing}` };
  return { ok: true, environment: env };
}
