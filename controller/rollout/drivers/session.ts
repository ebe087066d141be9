// What every target driver is built from, and the AWS session of a target: its account and region,
// through its cross-account role (with ExternalId) when it names one, the controller's own
// credentials otherwise. Also the short, stable names derived from an attempt's token.
import { createHash } from 'node:crypto';
import { EdgeError } from '../../../shared/errors.js';
import type { AwsPool, AwsSession } from '../../aws/pool.js';
import type { ReleaseManifest } from '../../release/manifest.js';
import type { Target, TargetKind } from '../config-types.js';

export interface DriverDeps {
  /** Sessions per (account, region, credentials): assumed roles are cached and refreshed there. */
  readonly pool: Pick<AwsPool, 'session'>;
  readonly manifest: ReleaseManifest;
  /** Names the role sessions (CloudTrail shows which rollout acted). */
  readonly rolloutId: string;
  readonly sleep: (ms: number) => Promise<void>;
  /** Wall-clock ms since the epoch. */
  readonly now: () => number;
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** `fleetctl-<rolloutId>`, cut to STS's 64 characters of [\w+=,.@-] (a hash keeps cut names apart). */
export function roleSessionName(rolloutId: string): string {
  const name = `fleetctl-${rolloutId.replace(/[^\w+=,.@-]/g, '-')}`;
  if (name.length <= 64) return name;
  return `${name.slice(0, 64 - 9)}-${sha256(rolloutId).slice(0, 8)}`;
}

/** The session a target is deployed through. */
export function sessionFor(pool: Pick<AwsPool, 'session'>, target: Target, rolloutId: string): AwsSession {
  const sessionName = roleSessionName(rolloutId);
  if (!SESSION_NAME.test(sessionName)) throw new EdgeError('INTERNAL', `role session name ${sessionName} is not valid`);
  return pool.session({
    region: target.region,
    ...(target.account ? { account: target.account } : {}),
    credentials: target.roleArn
      ? { kind: 'assume-role', roleArn: target.roleArn, sessionName, ...(target.externalId ? { externalId: target.externalId } : {}) }
      : { kind: 'default' },
  });
}

/** The release bucket's session: the controller's own credentials in the release's region. */
export const releaseSession = (deps: DriverDeps): AwsSession => deps.pool.session({ region: deps.manifest.region });

/** A short mark of an attempt's token, written where the attempt can be found again. */
export const tokenMark = (token: string): string => `fc-${sha256(token).slice(0, 16)}`;

/** A change set name for an attempt: [a-zA-Z][-a-zA-Z0-9]*, well under 128 characters. */
export const changeSetNameFor = (token: string): string => `fleetctl-${sha256(token).slice(0, 24)}`;

/** The target as the driver of `kind` expects it (the runner dispatches by kind). */
export function targetOf<K extends TargetKind>(target: Target, ...kinds: K[]): Extract<Target, { kind: K }> {
  if (!(kinds as TargetKind[]).includes(target.kind)) {
    throw new EdgeError('INTERNAL', `target ${target.name} is ${target.kind}, not ${kinds.join(' or ')}`);
  }
  return target as Extract<Target, { kind: K }>;
}

/** Polls `read` until `done` holds or `maxMs` passes (then `undefined`); `everyMs` may depend on the time waited so far. */
export async function waitFor<T>(
  deps: Pick<DriverDeps, 'sleep' | 'now'>,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  everyMs: number | ((elapsedMs: number) => number),
  maxMs: number,
): Promise<T | undefined> {
  const start = deps.now();
  const until = start + maxMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    const now = deps.now();
    if (now >= until) return undefined;
    await deps.sleep(typeof everyMs === 'number' ? everyMs : everyMs(now - start));
  }
}
