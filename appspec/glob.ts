// The official agent's "simple glob" (LinuxPermissionInfo#matches_simple_glob): only `*` is special; it matches any
// run of characters (also none) but never crosses a `/`. A name that contains `/` never matches. Everything else in
// the pattern is literal (no ?, [..], or escapes). The caller handles `**` (every descendant) before calling this.

export function simpleGlobMatch(pattern: string, name: string): boolean {
  if (name.includes('/')) return false;
  const p = Array.from(pattern);
  const n = Array.from(name);
  let pi = 0;
  let ni = 0;
  let starP = -1;
  let starN = 0;
  while (ni < n.length) {
    if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starN = ni;
    } else if (pi < p.length && p[pi] === n[ni]) {
      pi++;
      ni++;
    } else if (starP !== -1) {
      pi = starP + 1;
      ni = ++starN;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
