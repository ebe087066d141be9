// fakePool(): the real client pool (limits, retries, role sessions, stats) over the fake world, with
// a virtual clock: sleeping advances both the monotonic timers and the world's wall clock.
import { silentLogger } from '../../../shared/log.js';
import { createAwsPool, type AwsPool, type PoolOptions } from '../../../controller/aws/pool.js';
import type { Timers } from '../../../controller/aws/limits.js';
import { FakeAwsWorld, fakeFactory } from './world.js';

export interface VirtualTimers extends Timers {
  readonly slept: number[];
}

export function virtualTimers(world?: FakeAwsWorld): VirtualTimers {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
      world?.advance(ms);
    },
  };
}

export interface FakePool {
  readonly pool: AwsPool;
  readonly world: FakeAwsWorld;
  readonly factory: ReturnType<typeof fakeFactory>;
  readonly timers: VirtualTimers;
}

export function fakePool(opts: PoolOptions & { world?: FakeAwsWorld; random?: () => number } = {}): FakePool {
  const world = opts.world ?? new FakeAwsWorld();
  const factory = fakeFactory(world);
  const timers = virtualTimers(world);
  const pool = createAwsPool({ region: 'eu-west-1', ...opts }, { factory, timers, clock: () => world.now, random: opts.random ?? (() => 0.5), log: silentLogger() });
  return { pool, world, factory, timers };
}
