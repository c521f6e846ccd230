// The `redis-mode` scenario of `npm run bench`: two trakx instances (the built bundle)
// sharing one private redis-server, end to end over UDP, beside one trakx in memory mode
// under the same load in the same run. The generator's two sockets each talk to one
// instance. Figures: announces/s (total and per instance), announces per Redis CPU-second
// ("through one Redis core"), Node CPU per announce in both modes at a fixed rate, and
// latency at that rate.

import type { PoolSpec } from './pool.ts';
import {
  byName,
  type Ctx,
  fmtCount,
  job,
  latencyPhase,
  M,
  type MetricDef,
  NUMWANT,
  outcome,
  preload,
  q,
  type RunFigures,
  runGenerator,
  type Scenario,
} from './scenarios.ts';
import type { PhaseResult, PhaseSpec } from './udp-load.ts';

export const REDIS_MODE = 'redis-mode';

const metric = (key: string, label: string, unit: MetricDef['unit'], higherBetter: boolean): MetricDef => ({
  key,
  label,
  unit,
  higherBetter,
});

/** Sum of the instances' CPU milliseconds (the first cpuPids) over a measured phase. */
function nodeCpuMs(r: PhaseResult, instances: number): number {
  const ms = r.cpuMsByPid;
  return ms ? ms.slice(0, instances).reduce((a, b) => a + b, 0) : Number.NaN;
}

export function redisMode(ctx: Ctx): Scenario {
  const pool: PoolSpec = ctx.quick
    ? { torrents: 1000, peers: 10_000, layout: 'spread', seederShare: 0.75 }
    : { torrents: 100_000, peers: 1_000_000, layout: 'spread', seederShare: 0.75 };
  const rate = q(ctx, 10_000, 2000);
  return {
    id: REDIS_MODE,
    title: `Redis mode, two instances on one Redis, ${fmtCount(pool.peers)} peers over ${fmtCount(pool.torrents)} torrents`,
    conditions:
      'trakx redis mode: two instances of the bundle (`TRAKX_DB_TYPE=redis`, one shared connection-id secret) on ' +
      'the tracker CPU, one private redis-server (no persistence) on the generator CPU; the generator sends half ' +
      'the requests to each instance (one socket each). trakx: one instance in memory mode, same load. ' +
      `Pre-loaded with ${fmtCount(pool.peers)} peers, then a scrape sample, then re-announces at full speed ` +
      `(numwant ${NUMWANT}, ${ctx.window} in flight), then a fixed ${fmtCount(rate)} announces/s (open loop) for ` +
      'the latency percentiles and the Node CPU per announce (all instances together). "Announces per Redis ' +
      'CPU-second" is what one Redis core carries: replies at full speed ÷ redis-server CPU time (/proc). ' +
      'Script time per announce (EVALSHA usec ÷ calls: wall time inside Redis, so it grows when other ' +
      'processes take its CPU) and announces per Redis read (calls ÷ `total_reads_processed`, the pipelining ' +
      'depth) come from INFO over the whole run, preload included.',
    targets: ['trakx', 'trakx-redis'],
    pool,
    runs: q(ctx, 3, 1),
    metrics: [
      M.announceRps,
      metric('per_instance_rps', 'announces/s per instance', 'rps', true),
      metric('tracker_cpu_pct', 'Node CPU at max (all instances)', 'pct', false),
      metric('redis_cpu_pct', 'redis-server CPU at max', 'pct', false),
      metric('per_redis_core', 'announces per Redis CPU-second', 'rps', true),
      metric('redis_us', 'redis-server CPU / announce', 'us', false),
      metric('script_us', 'script time / announce', 'us', false),
      metric('per_read', 'announces per Redis read', 'ratio', true),
      metric('node_us', `Node CPU / announce @ ${fmtCount(rate)}/s`, 'us', false),
      M.p50,
      M.p99,
      M.p999,
      M.lost,
      M.held,
    ],
    ratioKeys: [],
    references: [],
    async run(c, target) {
      const instances = target.instances.length;
      const phases: PhaseSpec[] = [
        ...preload(target, c),
        { kind: 'verify', name: 'verify', sample: q(c, 2000, 300) },
        {
          kind: 'saturate',
          name: 'announce',
          warmupSeconds: q(c, 2, 0.1),
          seconds: q(c, 8, 0.5),
          scrapeShare: 0,
          scrapeHashes: 10,
        },
        latencyPhase(c, rate),
      ];
      const pids = target.instances.map((i) => i.pid);
      const j = {
        ...job(c, target, pool, phases),
        ports: target.instances.map((i) => i.udpPort),
        sockets: Math.max(2, instances),
        cpuPids: target.redisPid ? [...pids, target.redisPid] : pids,
      };
      const s0 = target.redisStats?.();
      const res = await runGenerator(c, j, q(c, 900, 90));
      const s1 = target.redisStats?.();
      const a = byName(res, 'announce');
      const l = byName(res, 'latency');
      const v = byName(res, 'verify');
      const redisMs = target.redisPid ? (a.cpuMsByPid ?? [])[instances] : Number.NaN;
      const figures: RunFigures = {
        announce_rps: a.rate,
        per_instance_rps: a.rate / instances,
        tracker_cpu_pct: nodeCpuMs(a, instances) / 10 / a.seconds,
        generator_cpu_pct: a.generatorCpuPct,
        redis_cpu_pct: redisMs / 10 / a.seconds,
        per_redis_core: (a.replies * 1000) / redisMs,
        redis_us: (redisMs * 1000) / a.replies,
        script_us: s0 && s1 ? (s1.usec - s0.usec) / (s1.calls - s0.calls) : Number.NaN,
        per_read: s0 && s1 ? (s1.calls - s0.calls) / (s1.reads - s0.reads) : Number.NaN,
        node_us: (nodeCpuMs(l, instances) * 1000) / l.replies,
        p50_ms: l.latencyMs?.p50 ?? Number.NaN,
        p99_ms: l.latencyMs?.p99 ?? Number.NaN,
        p999_ms: l.latencyMs?.p999 ?? Number.NaN,
        lost: l.lost + l.skipped,
        held_pct: v.verify ? (100 * v.verify.held) / Math.max(1, v.verify.sampled) : 0,
      };
      const o = outcome(res, figures, true);
      // Each instance must have answered its half: a silent one would halve the figures.
      const bySocket = a.repliesBySocket ?? [];
      if (bySocket.some((n) => n < a.replies / (4 * bySocket.length)))
        o.problems.push(`announce: replies per instance ${bySocket.join(', ')}`);
      return o;
    },
  };
}
