// The `workers` scenario: trakx with `workers: 1` and `workers: 2` under the UDP announce
// load of udp-10k, beside the previous release (single thread) and an unpinned
// `workers: 2`. The pinned targets run every thread on the tracker CPU, so announces per
// tracker CPU-second show what sharing the store costs; /metrics, read once the load has
// stopped (workers copy their lock totals once a second), gives requests per worker and
// the lock's wait and hold time over the announce phase.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UDP_BATCH_FILE } from '../app/runtime/udp-batch.ts';
import type { PoolSpec } from './pool.ts';
import { cpuMs } from './proc.ts';
import {
  byName,
  type Ctx,
  fmtCount,
  job,
  M,
  type MetricDef,
  outcome,
  perCpuSecond,
  preload,
  q,
  type RunFigures,
  runGenerator,
  type Scenario,
} from './scenarios.ts';
import { sleep } from './targets.ts';
import { scrapeTrakx, spreadPct, type TrakxFigures } from './trakx-metrics.ts';

export const WORKERS_SCENARIO = 'workers';

/** Source sockets of the generator: the kernel's reusePort hash picks a worker per source port. */
const SOCKETS = 32;

/** Longer than the workers' once-a-second copy of their lock totals. */
const SETTLE_MS = 1300;

export const WORKER_METRICS = {
  lockWait: { key: 'lock_wait_pct', label: 'lock wait ÷ tracker CPU', unit: 'pct', higherBetter: false },
  lockHeld: { key: 'lock_held_pct', label: 'lock held ÷ tracker CPU', unit: 'pct', higherBetter: false },
  holdPerRequest: { key: 'lock_hold_us', label: 'lock held per request', unit: 'us', higherBetter: false },
  contended: { key: 'contended_pct', label: 'contended acquires', unit: 'pct', higherBetter: false },
  spread: {
    key: 'worker_spread_pct',
    label: 'requests per worker, max off mean',
    unit: 'pct',
    higherBetter: false,
  },
} satisfies Record<string, MetricDef>;

function lockFigures(a: TrakxFigures, b: TrakxFigures, cpuMsUsed: number): RunFigures {
  const requests = b.workerRequests.reduce((x, y) => x + y, 0) - a.workerRequests.reduce((x, y) => x + y, 0);
  const held = b.lockHeldSeconds - a.lockHeldSeconds;
  const acquires = b.lockAcquires - a.lockAcquires;
  return {
    lock_wait_pct: (100 * 1000 * (b.lockWaitSeconds - a.lockWaitSeconds)) / cpuMsUsed,
    lock_held_pct: (100 * 1000 * held) / cpuMsUsed,
    lock_hold_us: requests > 0 ? (held * 1e6) / requests : Number.NaN,
    contended_pct: acquires > 0 ? (100 * (b.lockContended - a.lockContended)) / acquires : Number.NaN,
    worker_spread_pct: spreadPct(a.workerRequests, b.workerRequests),
  };
}

/**
 * The generator on the batch module when it is built: with node:dgram one generator core
 * no longer keeps up with one trakx worker, and a starved tracker costs more per request.
 */
function batchModule(c: Ctx): string | undefined {
  const file = join(c.repo, 'dist', UDP_BATCH_FILE);
  return existsSync(file) ? file : undefined;
}

/**
 * Requests in flight: batches fill only with enough of them. With 128 and batch I/O on
 * both sides, tracker and generator each sat half idle waiting for the other's batch.
 */
const BATCH_WINDOW = 512;

function windowOf(c: Ctx): number {
  return batchModule(c) === undefined ? c.window : Math.max(c.window, BATCH_WINDOW);
}

export function workersScenario(ctx: Ctx): Scenario {
  const pool: PoolSpec = ctx.quick
    ? { torrents: 500, peers: 5000, layout: 'spread', seederShare: 0.75 }
    : { torrents: 10_000, peers: 100_000, layout: 'spread', seederShare: 0.75 };
  const W = WORKER_METRICS;
  return {
    id: WORKERS_SCENARIO,
    title: `Worker threads, UDP announces, ${fmtCount(pool.torrents)} torrents / ${fmtCount(pool.peers)} peers`,
    conditions:
      `The load of udp-10k (pre-load, then re-announces at full speed, numwant 50, ${windowOf(ctx)} in flight) from ` +
      `${SOCKETS} source ports (the generator reads and sends through the batch module when it is built, ` +
      'dist/udp-batch.node). `workers: 1`, `workers: 2` and the previous release run with all their threads ' +
      'on the tracker CPU (the generator on the other), so announces per tracker CPU-second compare their cost per ' +
      'announce; "not pinned" lets its two workers and the generator share both CPUs. Lock and per-worker figures ' +
      'are the differences of /metrics read before and after the announce phase (warm-up included), over the ' +
      "tracker process's CPU time in between; the lock's hold time is sampled (one hold in 32).",
    targets: ['trakx-prev', 'trakx-w1', 'trakx-w2', 'trakx-w2-spread'],
    pool,
    runs: q(ctx, 5, 1),
    metrics: [
      M.announceRps,
      M.trackerCpu,
      M.generatorCpu,
      M.perCpuSecond,
      W.lockWait,
      W.lockHeld,
      W.holdPerRequest,
      W.contended,
      W.spread,
      M.lost,
    ],
    ratioKeys: [],
    references: [],
    async run(c, target) {
      const base = {
        ...job(c, target, pool, []),
        sockets: SOCKETS,
        batchModule: batchModule(c),
        window: windowOf(c),
      };
      const loaded = await runGenerator(c, { ...base, phases: preload(target, c) }, q(c, 600, 60));
      await sleep(SETTLE_MS);
      const m0 = await scrapeTrakx(target.httpPort);
      const cpu0 = cpuMs(target.pid);
      const res = await runGenerator(
        c,
        {
          ...base,
          preloaded: true,
          phases: [
            {
              kind: 'saturate',
              name: 'announce',
              warmupSeconds: q(c, 2, 0.1),
              seconds: q(c, 6, 0.5),
              scrapeShare: 0,
              scrapeHashes: 10,
            },
          ],
        },
        q(c, 120, 30),
      );
      await sleep(SETTLE_MS);
      const m1 = await scrapeTrakx(target.httpPort);
      const cpu = cpuMs(target.pid) - cpu0;
      const a = byName(res, 'announce');
      return outcome(
        [...loaded, ...res],
        {
          announce_rps: a.rate,
          tracker_cpu_pct: a.trackerCpuPct,
          generator_cpu_pct: a.generatorCpuPct,
          per_cpu_s: perCpuSecond(a),
          ...lockFigures(m0, m1, cpu),
          lost: a.lost,
        },
        true,
      );
    },
  };
}
