// The kill -9 campaign of halting rollouts with rollback (issue 16), run by two test files of
// at least 10 kills each (so each fits the per-file timeout on a busy 2-core CI machine; together
// at least 20 kills). Each round rolls out a good release (v<N>.1.0, to its end), then one that halts
// in its tenant wave with `rollback: all`: its smoke-test command gate fails (`-halt`: all six
// targets are rolled back) or, every third round, its first stack fails to update (`-broken`:
// CloudFormation undid it; the device groups and web prefixes are rolled back). Its controller is
// SIGKILLed (the whole process group) at seeded random points: started, mostly a random delay after
// the halt or a rollback shows; resumed (`rollout resume`), a random delay after its first AWS call,
// or just after it starts a rollback (between the rollback's intent and its fact); until it ends
// halted (exit 1). Checked per halting rollout (rollout-kill-rollback.ts): exactly one rollback per
// target, each target back on the previous release, none failed. The seed is printed;
// ROLLOUT_KILL_SEED=N replays it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { waitFor } from '../../helpers/agent-fleet.js';
import { killGroupOf } from '../../helpers/process-groups.js';
import { rolloutId } from './rollout-fixture.js';
import { mulberry32, watch, type Run } from './rollout-kill.js';
import { checkRolledBack, journalEnded, startRollbackEstate, type HaltKind, type RollbackEstate } from './rollout-kill-rollback.js';

/** Controllers of one rollout killed at most (then one resumes it to its end). */
const KILLS_PER_ROLLOUT = 9;
/**
 * A started controller dies up to KILL_DELAY_MS after its trigger (mostly its rollback showing: six
 * operations of a second or so, one at a time); a resumed one after its first AWS call, or up to
 * INTENT_DELAY_MS after it starts a rollback: between the rollback's intent and its fact, where a
 * restarted controller must find what the call did (by its token) instead of calling again.
 */
const KILL_DELAY_MS = { started: 2500, resumed: 1500 } as const;
const INTENT_DELAY_MS = 150;
/** Per lifecycle event of a virtual host, and per stack operation: a device or stack rollback takes about a second. */
const EVENT_MS = 150;
const STACK_DELAY_MS = 1000;

const DEVICE_LINE = /\bd[12]: (deploying|in-progress)/;
const TENANT_LINE = /\bt[12]-(stack|web): (deploying|in-progress)/;
/** The halt and the rollback as the live view prints them (plain lines on stderr). */
const HALT_LINE = /wave tenants: (halted|gates FAILED)|: rolling-back/;
const ROLLING_BACK = /: rolling-back/;
/** The live view's last line: the rollout's end. */
const ENDED_LINE = /^rollout (halted|succeeded|aborted)/m;

/** `devices`: the device wave, or the first controller's start-up. */
type Phase = 'devices' | 'tenants' | 'rollback';

/** Where the rollout was when its controller died, from everything its controllers printed so far. */
function phaseOf(stderr: string): Phase {
  if (HALT_LINE.test(stderr)) return 'rollback';
  return TENANT_LINE.test(stderr) ? 'tenants' : 'devices';
}

/** Where a controller's kill is aimed: the trigger, and the longest delay after it. */
function aim(e: RollbackEstate, run: Run, resumed: boolean, draw: number): { trigger: Promise<void>; delayMs: number } {
  if (resumed && draw < 0.4) return { trigger: run.seen(ROLLING_BACK), delayMs: INTENT_DELAY_MS };
  if (resumed) return { trigger: firstCall(e, run), delayMs: KILL_DELAY_MS.resumed };
  return { trigger: run.seen(draw < 0.1 ? DEVICE_LINE : draw < 0.25 ? TENANT_LINE : HALT_LINE), delayMs: KILL_DELAY_MS.started };
}

/** Resolves once the controller made its first AWS call (its caller identity), or ended. */
async function firstCall(e: RollbackEstate, run: Run): Promise<void> {
  const mark = e.sb.calls.mark();
  let ended = false;
  void run.end.then(() => (ended = true));
  const called = (): boolean => e.sb.calls.since(mark).calls.some((c) => c.operation === 'GetCallerIdentity');
  await waitFor(() => ended || called(), 120_000, 'the controller to call AWS');
}

interface Ran {
  readonly code: number | null;
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the controller; with `draw`, kills its process group at the point aim() draws (unless it ends first). */
async function runController(e: RollbackEstate, args: string[], draw?: () => number): Promise<Ran> {
  const child = e.spawn(args);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const run = watch(child);
  if (draw) {
    const { trigger, delayMs } = aim(e, run, args[1] === 'resume', draw());
    const delay = draw() * delayMs;
    const early = await Promise.race([run.end, trigger.then(() => sleep(delay)).then(() => undefined)]);
    if (!early) killGroupOf(child, 'SIGKILL');
  }
  const end = await run.end;
  return { code: end.code, killed: end.signal === 'SIGKILL', stdout, stderr: run.stderr() };
}

export interface Campaign {
  /** Kills to land on a live controller. */
  readonly kills: number;
  /** Rounds at most: enough for the kill count when rollouts often end before their kill point. */
  readonly rounds: number;
  /** Added to the seed drawn (or given), so that two files of one run kill at different points. */
  readonly seedOffset: number;
}

/** Runs rounds until `c.kills` controllers died mid-rollout, checking each halting rollout. */
export async function killCampaign(t: Test, c: Campaign): Promise<void> {
  const KILLS = c.kills;
  const ROUNDS = c.rounds;
  const seed = Number(process.env['ROLLOUT_KILL_SEED'] ?? Math.floor(Math.random() * 2 ** 31)) + c.seedOffset;
  t.comment(`seed ${seed} (replay with ROLLOUT_KILL_SEED=${seed - c.seedOffset})`);
  const random = mulberry32(seed);
  const started = Date.now();
  const e = await startRollbackEstate(t, EVENT_MS, STACK_DELAY_MS);
  let kills = 0;
  let late = 0;
  let adopted = 0;
  let intents = 0;
  const phases: Record<Phase, number> = { devices: 0, tenants: 0, rollback: 0 };
  for (let round = 1; round <= ROUNDS && kills < KILLS; round++) {
    const good = `v${round}.1.0`;
    await e.release(good);
    const ok = await e.fleetctl(['rollout', 'start', '--release', good]);
    t.equal(ok.code, 0, `${good}: rolled out`, { stderr: ok.stderr });

    // a broken stack halts with less to roll back (fewer kill points): one round in three
    const kind: HaltKind = round % 3 === 2 ? 'broken' : 'halt';
    const version = `v${round}.2.0-${kind}`;
    const id = rolloutId(version);
    await e.release(version);
    const mark = e.sb.calls.mark();
    let seen = '';
    /** The phase of the last kill counted, while the rollout may still have ended before it. */
    let lastKill: Phase | undefined;
    // killed up to KILLS_PER_ROLLOUT times, then resumed to its end
    for (let k = 0; k <= KILLS_PER_ROLLOUT; k++) {
      const args = k === 0 ? ['rollout', 'start', '--release', version] : ['rollout', 'resume', id];
      const r = await runController(e, args, k < KILLS_PER_ROLLOUT ? random : undefined);
      seen += r.stderr;
      if (!r.killed && r.stderr === '' && lastKill) {
        // it found the rollout ended without driving it: the last kill's controller wrote the end as it died
        kills--;
        phases[lastKill]--;
        late++;
      }
      lastKill = undefined;
      if (r.killed && (await journalEnded(e, version))) late++; // killed on its way out: the rollout had ended
      else if (r.killed) {
        kills++;
        lastKill = phaseOf(seen);
        phases[lastKill]++;
      } else {
        const halted = r.code === 1 && (ENDED_LINE.test(r.stderr) || r.stdout.includes(`rollout ${id}: HALTED`));
        t.ok(halted, `${version}: controller ${k + 1} ended the rollout halted`, r);
        break;
      }
    }
    // a target whose rollback a restarted controller took up again from its intent shows it twice
    const rollingBack = [...seen.matchAll(/^ {2}(\S+): rolling-back$/gm)].map((m) => m[1]);
    intents += rollingBack.length - new Set(rollingBack).size;
    t.comment(`${version}: ${kills} kills so far, at ${((Date.now() - started) / 1000).toFixed(0)} s`);
    adopted += await checkRolledBack(t, e, version, good, kind, mark);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  t.comment(`${kills} kills (${late} more after a rollout ended) by phase ${JSON.stringify(phases)}; ${seconds} s`);
  t.comment(`${intents} rollbacks taken up again from their intent, ${adopted} of them found by their token (adopted)`);
  t.ok(kills >= KILLS, `${kills} controllers killed with SIGKILL mid-rollout (at least ${KILLS})`);
  t.ok(phases.rollback >= KILLS / 2, 'most kills landed once the rollout halted (its rollback)', phases);
}
