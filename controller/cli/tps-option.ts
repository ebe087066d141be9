// --tps: client-side calls per second per service, and optionally per operation within it.

/** Parses `service=tps[,service.Operation=tps]` (e.g. codedeploy=20,codedeploy.RegisterOnPremisesInstance=10);
 * unknown services are errors. An operation key adds a bucket for that operation within its service's. */
export function parseTpsOption(text: string, services: readonly string[]): Record<string, number> | { error: string } {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z0-9-]+(?:\.[A-Z][A-Za-z0-9]*)?)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) return { error: `'${part}' is not service=calls-per-second (or service.Operation=calls-per-second)` };
    if (!services.includes((m[1] as string).split('.')[0] as string)) return { error: `unknown service '${m[1]}' (known: ${services.join(', ')})` };
    const v = Number(m[2]);
    if (!(v > 0)) return { error: `${m[1]}: calls per second must be above 0` };
    out[m[1] as string] = v;
  }
  return out;
}
