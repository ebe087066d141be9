// Who drives a rollout, as the lease and the journal record it: the caller's AWS identity, the
// host and the process id (`arn:aws:sts::1:assumed-role/pipeline/ci on build-7 pid 4242`). A lease
// whose holder ran on this host in a process that is gone may be taken at once, without waiting
// for it to expire (a controller killed with kill -9 and started again). Pure.

export interface HolderParts {
  readonly identity: string;
  readonly host: string;
  readonly pid: number;
}

const HOLDER = /^(.*) on (\S+) pid (\d+)$/;

/** Keeps names readable and on one line: control characters and spaces in a host name are replaced. */
const clean = (s: string): string => s.replace(/[\s\p{Cc}]+/gu, '-').slice(0, 200);

export const holderOf = (p: HolderParts): string => `${clean(p.identity)} on ${clean(p.host)} pid ${p.pid}`;

export function parseHolder(holder: string): HolderParts | undefined {
  const m = HOLDER.exec(holder);
  if (!m) return undefined;
  return { identity: m[1] ?? '', host: m[2] ?? '', pid: Number(m[3]) };
}

/** True when the holder ran on `host` and its process is no longer alive. */
export function holderGoneOn(host: string, isAlive: (pid: number) => boolean): (holder: string) => boolean {
  return (holder) => {
    const p = parseHolder(holder);
    return p !== undefined && p.host === clean(host) && !isAlive(p.pid);
  };
}
