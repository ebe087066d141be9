// The kill -9 campaign of the end-to-end rollout tests: rollouts of successive versions, each
// controller SIGKILLed at a seeded random point (during start-up, or a random delay after the wave
// the campaign aims at shows progress) and resumed with `rollout resume` until the rollout ends.
// Checked per version: one CreateDeployment per device group and one ExecuteChangeSet per stack
// (the sandbox's call accounting), the rollout succeeded with each target's reference.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { killGroupOf } from '../../helpers/process-groups.js';
import { callsPerAccount, DEVICE_ACCOUNTS, rolloutId, startEstate, status, TENANTS } from './rollout-fixture.js';

export interface Campaign {
  /** Kills to land (SIGKILL of a running controller). */
  readonly kills: number;
  /** The wave whose progress arms the kill. */
  readonly aim: 'devices' | 'tenants';
  /** The versions are `<versionPrefix>.<n>.0`. */
  readonly versionPrefix: string;
}

const VERSIONS = 16; // enough for the kill count on a fast machine too, where rollouts often finish before their kill point
const KILLS_PER_VERSION = 4;
/** A kill lands up to this long after the aimed wave shows progress (calls, journal writes, polling). */
const KILL_DELAY_MS = { devices: 2500, tenants: 700 } as const;
/** Per lifecycle event of a virtual host: aimed at devices, the device wave lasts a few seconds. */
const EVENT_MS = { devices: 400, tenants: 5 } as const;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Run {
  readonly child: ChildProcess;
  readonly end: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** The progress lines so far (plain lines on stderr). */
  stderr(): string;
  /** Resolves when stderr matches `re` (or the process ended). */
  seen(re: RegExp): Promise<void>;
}

export function watch(child: ChildProcess): Run {
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters.splice(0)) if (w.re.test(stderr)) w.resolve(); else waiters.push(w);
  });
  child.stdout?.resume();
  const end = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    end,
    stderr: () => stderr,
    seen: (re) =>
      re.test(stderr)
        ? Promise.resolve()
        : Promise.race([new Promise<void>((resolve) => waiters.push({ re, resolve })), end.then(() => undefined)]),
  };
}

const DEVICE_LINE = /\bd[12]: (deploying|in-progress)/;
const TENANT_LINE = /\bt[12]-(stack|web): (deploying|in-progress)/;
const TENANTS_ARMED = new RegExp(`wave devices: passed|${TENANT_LINE.source}`);
/** Aimed at devices: the first progress line (a resumed rollout past its device wave is killed in the next). */
const DEVICES_ARMED = new RegExp(`${DEVICE_LINE.source}|${TENANT_LINE.source}`);

/** Which wave was in flight when the controller died, from its last progress line. */
function phaseOf(stderr: string): 'devices' | 'tenants' | 'start-up' {
  const lines = stderr.split('\n').filter((l) => DEVICE_LINE.test(l) || TENANT_LINE.test(l) || /wave \w+: (started|passed)/.test(l));
  const last = lines.at(-1) ?? '';
  if (TENANT_LINE.test(last) || /wave (devices: passed|tenants: started)/.test(last)) return 'tenants';
  return last ? 'devices' : 'start-up';
}

export async function killCampaign(t: Test, c: Campaign): Promise<void> {
  const seed = Number(process.env['ROLLOUT_KILL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  t.comment(`seed ${seed} (replay with ROLLOUT_KILL_SEED=${seed})`);
  const random = mulberry32(seed);
  const e = await startEstate(t, EVENT_MS[c.aim]);
  let kills = 0;
  const phases = { 'start-up': 0, devices: 0, tenants: 0 };
  for (let v = 0; v < VERSIONS && kills < c.kills; v++) {
    const version = `${c.versionPrefix}.${v}.0`;
    await e.push(version);
    const mark = e.sb.calls.mark();
    let finished = false;
    for (let k = 0; k < KILLS_PER_VERSION && !finished; k++) {
      const args = k === 0 ? ['rollout', 'start', '--release', version] : ['rollout', 'resume', rolloutId(version)];
      const run = watch(e.spawn(args));
      // the kill point: during start-up, or a random delay into the aimed wave
      const atStart = random() < 0.1;
      const trigger = atStart ? Promise.resolve() : run.seen(c.aim === 'devices' ? DEVICES_ARMED : TENANTS_ARMED);
      const delay = atStart ? 200 + random() * 1800 : random() * KILL_DELAY_MS[c.aim];
      const early = await Promise.race([run.end, trigger.then(() => sleep(delay)).then(() => undefined)]);
      if (early) {
        // it finished before its kill point: that is the rollout's end
        t.equal(early.code, 0, `${version}: the controller finished before its kill`, { stderr: run.stderr() });
        finished = true;
        break;
      }
      killGroupOf(run.child, 'SIGKILL');
      const killed = await run.end;
      if (killed.signal === 'SIGKILL') {
        kills++;
        phases[phaseOf(run.stderr())]++;
      } else {
        t.equal(killed.code, 0, `${version}: ended as it was killed`, { stderr: run.stderr() });
        finished = true;
      }
    }
    if (!finished) {
      const r = await e.fleetctl(['rollout', 'resume', rolloutId(version)]);
      t.equal(r.code, 0, `${version}: resumed to the end`, { stderr: r.stderr });
      t.match(r.stdout, new RegExp(`rollout ${rolloutId(version)}: SUCCEEDED`));
    }
    const once = (ids: readonly string[]) => Object.fromEntries(ids.map((id) => [id, 1]));
    t.same(callsPerAccount(e.sb, mark, 'CreateDeployment'), once(DEVICE_ACCOUNTS), `${version}: one deployment per device group`);
    t.same(callsPerAccount(e.sb, mark, 'ExecuteChangeSet'), once(TENANTS), `${version}: one change set execution per stack`);
    const doc = await status(e, version);
    t.match(doc, { state: 'succeeded', counts: { targets: 6, succeeded: 6 } }, `${version}: completed`);
    const refs = doc.waves.flatMap((w) => w.targets.map((x) => x['ref'] as { kind: string } | undefined));
    const kinds = ['deployment', 'deployment', 'change-set', 'change-set', 'copy', 'copy'];
    t.same(refs.map((r) => r?.kind), kinds, `${version}: each target's reference`);
  }
  t.comment(`kills by the wave in flight: ${JSON.stringify(phases)}`);
  t.ok(kills >= c.kills, `${kills} controllers killed with SIGKILL mid-rollout (at least ${c.kills})`);
  t.ok(phases[c.aim] >= 3, `kills landed during the ${c.aim} wave`, phases);
}
