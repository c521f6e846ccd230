// The 4-core projection of the workers scenario, from figures measured on 2 cores: one
// worker's announces per CPU-second (r1), two workers' (r2, both on one CPU: the sharing
// overhead without any waiting) and the lock's share s of a worker's CPU time at 2 workers.
// Each request is a cycle of T = 1/r2 of which h = s·T holds the one lock, so N workers on
// their own cores are N clients of one server: the finite-source queue (M/M/1//N, the
// "machine repairman") gives the lock's busy share U = 1 − P0 and the rate U / h. Amdahl's
// law with s as a serial part is printed beside it; it treats the lock as blocking every
// worker, which the measured 2-worker wait share contradicts (see predictedWait).

import type { ScenarioOutcome } from './report.ts';
import type { TargetId } from './targets.ts';

export const PROJECTED_CORES = 4;

export interface Projection {
  r1: number;
  efficiency: number;
  heldShare: number;
  /** Announces/s on PROJECTED_CORES cores (the queue model). */
  rate: number;
  /** rate ÷ r1. */
  times: number;
  /** Amdahl's N·r2 ÷ (1 + s·(N − 1)), for comparison. */
  amdahl: number;
  /** The model's lock wait share at 2 workers, to hold against the measured one. */
  predictedWait2: number;
  /** The measured lock wait share at 2 workers (pinned), NaN if not measured. */
  measuredWait2: number;
}

function median(sc: ScenarioOutcome, id: TargetId, key: string): number {
  return sc.targets.find((t) => t.id === id && !t.skipped)?.summary[key]?.median ?? Number.NaN;
}

/** Throughput of n workers cycling through `think` outside the lock and `hold` inside it. */
export function queueRate(n: number, hold: number, think: number): number {
  const rho = hold / think;
  // P0 = 1 / Σ_{k=0..n} n!/(n−k)! ρ^k
  let sum = 0;
  let term = 1;
  for (let k = 0; k <= n; k++) {
    sum += term;
    term *= (n - k) * rho;
  }
  return (1 - 1 / sum) / hold;
}

/** null when a figure it needs was not measured. */
export function project(sc: ScenarioOutcome, cores = PROJECTED_CORES): Projection | null {
  const r1 = median(sc, 'trakx-w1', 'per_cpu_s');
  const r2 = median(sc, 'trakx-w2', 'per_cpu_s');
  const s = median(sc, 'trakx-w2', 'lock_held_pct') / 100;
  if (![r1, r2, s].every(Number.isFinite) || !(r1 > 0) || !(s > 0 && s < 1)) return null;
  const cycle = 1 / r2;
  const hold = s * cycle;
  const think = cycle - hold;
  const rate = queueRate(cores, hold, think);
  // Waiting per request at 2 workers: each cycle stretches from T to 2 / X(2).
  const predictedWait2 = (2 / queueRate(2, hold, think) - cycle) / cycle;
  return {
    r1,
    efficiency: r2 / r1,
    heldShare: s,
    rate,
    times: rate / r1,
    amdahl: (cores * r2) / (1 + s * (cores - 1)),
    predictedWait2,
    measuredWait2: median(sc, 'trakx-w2', 'lock_wait_pct') / 100,
  };
}
