// The 4-core projection of the workers scenario, from figures measured on 2 cores: one
// worker's announces per CPU-second (r1), the 2-worker efficiency e (2 workers' per
// CPU-second over r1, both on one CPU) and the lock's share of a worker's CPU time s
// (time held over CPU time, at 2 workers). By Amdahl's law with the lock as the serial
// part, N workers on their own cores reach N·r1·e / (1 + s·(N − 1)); for s ≤ 1 that stays
// below r1·e / s, the rate at which the lock would be held all the time.

import type { ScenarioOutcome } from './report.ts';
import type { TargetId } from './targets.ts';

export const PROJECTED_CORES = 4;

export interface Projection {
  r1: number;
  efficiency: number;
  heldShare: number;
  /** Announces/s on PROJECTED_CORES cores. */
  rate: number;
  /** rate ÷ r1. */
  times: number;
}

function median(sc: ScenarioOutcome, id: TargetId, key: string): number {
  return sc.targets.find((t) => t.id === id && !t.skipped)?.summary[key]?.median ?? Number.NaN;
}

/** null when a figure it needs was not measured. */
export function project(sc: ScenarioOutcome, cores = PROJECTED_CORES): Projection | null {
  const r1 = median(sc, 'trakx-w1', 'per_cpu_s');
  const r2 = median(sc, 'trakx-w2', 'per_cpu_s');
  const s = median(sc, 'trakx-w2', 'lock_held_pct') / 100;
  if (![r1, r2, s].every(Number.isFinite) || !(r1 > 0)) return null;
  // r1·e is r2: one worker's rate with the sharing overhead, before any waiting.
  const rate = (cores * r2) / (1 + s * (cores - 1));
  return { r1, efficiency: r2 / r1, heldShare: s, rate, times: rate / r1 };
}
