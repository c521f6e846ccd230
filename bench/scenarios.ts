// The benchmark scenarios: which targets each one measures, with which swarm population,
// and how one run goes (fresh target process → preload → measured phases → stop). Each
// run yields a flat record of named figures plus the problems found in the replies.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child } from './bundle.ts';
import { runHttpLoad, validateHttp, writeAnnounceUrls } from './http-load.ts';
import type { PoolSpec } from './pool.ts';
import type { Running, TargetId } from './targets.ts';
import type { LoadJob, PhaseResult, PhaseSpec, RatePhase } from './udp-load.ts';

export interface Ctx {
  quick: boolean;
  repo: string;
  workDir: string;
  children: Record<Child, string>;
  /** CPU prefix for load generators (taskset -c 1 …). */
  genPin: string[];
  wrk: boolean;
  /** Requests in flight in closed-loop UDP phases. */
  window: number;
  log: (line: string) => void;
}

export interface MetricDef {
  key: string;
  label: string;
  /** How to print: rate (k/s), pct, ms, µs, mib, bytes, count, ratio. */
  unit: 'rps' | 'pct' | 'ms' | 'us' | 'mib' | 'bytes' | 'count' | 'ratio' | 'seconds';
  higherBetter: boolean;
}

export type RunFigures = Record<string, number>;

export interface RunOutcome {
  figures: RunFigures;
  problems: string[];
  /** RSS over time (the soak). */
  series?: { t: number; rssKiB: number }[];
  /** Set when the machine, not the target, stopped the run from measuring (see stallOf). */
  stalled?: string;
}

export interface Scenario {
  id: string;
  title: string;
  /** One paragraph on the conditions, printed under the scenario's table. */
  conditions: string;
  targets: TargetId[];
  pool: PoolSpec;
  runs: number;
  /** Fewer runs for a target whose preload alone takes minutes. */
  runsFor?: Partial<Record<TargetId, number>>;
  env?: Record<string, string>;
  metrics: MetricDef[];
  /** Figures whose ratios (trakx ÷ reference) are printed. */
  ratioKeys: string[];
  /** References the ratios are taken against. */
  references: TargetId[];
  run(ctx: Ctx, target: Running): Promise<RunOutcome>;
}

const UDP_TARGETS: TargetId[] = ['bare-dgram', 'trakx', 'trakx-fast', 'bittorrent-tracker', 'opentracker'];
const HTTP_TARGETS: TargetId[] = [
  'bare-http',
  'bare-fastify',
  'trakx',
  'trakx-fast',
  'bittorrent-tracker',
  'opentracker',
];

export const NUMWANT = 50;

/**
 * bittorrent-tracker needs 1–1.5 minutes just to take a million peers; one run of it in
 * the two million-peer scenarios keeps a full run near 32 minutes. Its figures there are
 * several times off trakx's, so a single run does not change any conclusion.
 */
const SLOW_PRELOAD: Partial<Record<TargetId, number>> = { 'bittorrent-tracker': 1 };

export function job(ctx: Ctx, target: Running, pool: PoolSpec, phases: PhaseSpec[]): LoadJob {
  return {
    host: '127.0.0.1',
    port: target.udpPort,
    trackerPid: target.pid,
    pool,
    window: ctx.window,
    timeoutMs: 1000,
    closedTimeoutMs: 3000,
    numwant: NUMWANT,
    sockets: 2,
    reconnectSeconds: 60,
    phases,
  };
}

let jobCounter = 0;

/** Runs the UDP generator pinned to its CPU; resolves with one result per phase. */
export function runGenerator(ctx: Ctx, j: LoadJob, maxSeconds: number): Promise<PhaseResult[]> {
  const file = join(ctx.workDir, `job-${++jobCounter}.json`);
  writeFileSync(file, JSON.stringify(j));
  const argv = [...ctx.genPin, process.execPath, ctx.children['udp-load'], file];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), maxSeconds * 1000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const results = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as PhaseResult);
      if (code === 0 && results.length === j.phases.length) resolve(results);
      else reject(new Error(`load generator ${signal ?? `exit ${code}`}: ${err.trim().slice(-400)}`));
    });
  });
}

/** Reply problems of one phase; losses are figures, not problems (they are reported). */
export function phaseProblems(r: PhaseResult, expectPeers: boolean): string[] {
  const p: string[] = [];
  if (r.replies === 0) p.push(`${r.name}: no replies`);
  if (r.invalid > 0) p.push(`${r.name}: ${r.invalid} malformed replies`);
  if (r.errors > 0) p.push(`${r.name}: ${r.errors} error replies (${r.firstError})`);
  else if (r.firstError) p.push(`${r.name}: ${r.firstError}`);
  if (r.foreignPeers > 0) p.push(`${r.name}: ${r.foreignPeers} peers that were never announced`);
  if (expectPeers && r.announceReplies > 0 && r.repliesWithPeers === 0)
    p.push(`${r.name}: no announce reply had peers`);
  if (r.verify && r.verify.held < r.verify.sampled * 0.99) {
    p.push(`${r.name}: only ${r.verify.held} of ${r.verify.sampled} scraped torrents have peers`);
  }
  return p;
}

/**
 * Replies per second of tracker CPU time at saturation: on a machine where the generator
 * cannot outrun the tracker (or other load steals the tracker's CPU), this is the
 * throughput the tracker would reach with a whole core to itself.
 */
export function perCpuSecond(r: PhaseResult): number {
  return r.trackerCpuMs > 0 ? (r.replies * 1000) / r.trackerCpuMs : Number.NaN;
}

/**
 * A run the machine stalled: at full load neither the tracker nor the generator got the
 * CPU (both well under a fifth of a core), or a fixed-rate phase got almost no replies
 * while the tracker sat idle. Such a run measures the machine's other work, not the
 * target, so the runner repeats it once.
 */
/**
 * A run's outcome: its figures, the problems of every phase (peers are expected in
 * announce replies past the preload when the target keeps state), and a stall if any.
 */
export function outcome<F>(res: PhaseResult[], figures: F, stateful: boolean) {
  return {
    figures,
    problems: res.flatMap((r) => phaseProblems(r, stateful && r.kind !== 'preload')),
    stalled: stallOf(res),
  };
}

function stallOf(res: PhaseResult[]): string | undefined {
  for (const r of res) {
    const cpu = targetCpuPct(r);
    if (r.kind === 'saturate' && cpu < 20 && r.generatorCpuPct < 20) {
      return `${r.name}: tracker CPU ${cpu.toFixed(0)} %, generator CPU ${r.generatorCpuPct.toFixed(0)} % at full load`;
    }
    if (r.kind === 'rate' && r.replies < r.sent / 2 && cpu < 50) {
      return `${r.name}: ${r.replies} replies to ${r.sent} requests while the tracker used ${cpu.toFixed(0)} % CPU`;
    }
  }
  return undefined;
}

/**
 * The target's CPU share over a phase: all its processes when the job named them
 * (cpuPids: redis mode's instances and redis-server share the work), else the tracker's.
 */
function targetCpuPct(r: PhaseResult): number {
  if (!r.cpuMsByPid) return r.trackerCpuPct;
  return r.cpuMsByPid.reduce((a, b) => a + b, 0) / 10 / r.seconds;
}

export function q(ctx: Ctx, full: number, quick: number): number {
  return ctx.quick ? quick : full;
}

export function preload(target: Running, ctx: Ctx): PhaseSpec[] {
  return target.info.stateless ? [] : [{ kind: 'preload', name: 'preload', maxSeconds: q(ctx, 400, 30) }];
}

/** A fixed `rate` of announces (open loop) for the latency percentiles. */
export function latencyPhase(c: Ctx, rate: number): PhaseSpec {
  const phase: RatePhase = {
    kind: 'rate',
    name: 'latency',
    rate,
    warmupSeconds: q(c, 2, 0.1),
    seconds: q(c, 10, 1),
    scrapeShare: 0,
    scrapeHashes: 10,
  };
  return phase;
}

export function byName(results: PhaseResult[], name: string): PhaseResult {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`phase ${name} missing`);
  return r;
}

export const M = {
  announceRps: { key: 'announce_rps', label: 'announces/s', unit: 'rps', higherBetter: true },
  trackerCpu: { key: 'tracker_cpu_pct', label: 'tracker CPU at max', unit: 'pct', higherBetter: false },
  perCpuSecond: {
    key: 'per_cpu_s',
    label: 'announces per tracker CPU-second',
    unit: 'rps',
    higherBetter: true,
  },
  generatorCpu: { key: 'generator_cpu_pct', label: 'generator CPU at max', unit: 'pct', higherBetter: false },
  scrapeMixRps: { key: 'scrape_mix_rps', label: 'req/s, 20 % scrapes', unit: 'rps', higherBetter: true },
  lost: { key: 'lost', label: 'lost replies', unit: 'count', higherBetter: false },
  rss: { key: 'rss_mib', label: 'RSS loaded', unit: 'mib', higherBetter: false },
  bytesPerPeer: { key: 'bytes_per_peer', label: 'RSS bytes / peer', unit: 'bytes', higherBetter: false },
  held: { key: 'held_pct', label: 'scraped torrents held', unit: 'pct', higherBetter: true },
  preloadSeconds: { key: 'preload_s', label: 'preload time', unit: 'seconds', higherBetter: false },
  p50: { key: 'p50_ms', label: 'p50', unit: 'ms', higherBetter: false },
  p99: { key: 'p99_ms', label: 'p99', unit: 'ms', higherBetter: false },
  p999: { key: 'p999_ms', label: 'p99.9', unit: 'ms', higherBetter: false },
  keepAlive: { key: 'keepalive_rps', label: 'keep-alive announces/s', unit: 'rps', higherBetter: true },
  close: { key: 'close_rps', label: 'Connection: close announces/s', unit: 'rps', higherBetter: true },
  httpErrors: { key: 'http_errors', label: 'HTTP errors', unit: 'count', higherBetter: false },
  httpCpu: { key: 'http_cpu_ms_per_1k', label: 'CPU / 1k keep-alive', unit: 'ms', higherBetter: false },
  httpCloseCpu: {
    key: 'http_close_cpu_ms_per_1k',
    label: 'CPU / 1k close',
    unit: 'ms',
    higherBetter: false,
  },
  httpClosed: {
    key: 'http_closed',
    label: 'keep-alive connections closed by server',
    unit: 'count',
    higherBetter: false,
  },
} satisfies Record<string, MetricDef>;

/** Tracker CPU share of one core at a fixed request rate. */
function cpuPct(rate: number): MetricDef {
  return {
    key: 'cpu_pct_fixed',
    label: `tracker CPU @ ${fmtCount(rate)}/s`,
    unit: 'pct',
    higherBetter: false,
  };
}

/** Tracker CPU milliseconds per 1,000 requests at a fixed rate (independent of the generator). */
function cpuPer1k(rate: number): MetricDef {
  return {
    key: 'cpu_ms_per_1k',
    label: `CPU / 1k req @ ${fmtCount(rate)}/s`,
    unit: 'ms',
    higherBetter: false,
  };
}

function udp10k(ctx: Ctx): Scenario {
  const pool: PoolSpec = ctx.quick
    ? { torrents: 500, peers: 5000, layout: 'spread', seederShare: 0.75 }
    : { torrents: 10_000, peers: 100_000, layout: 'spread', seederShare: 0.75 };
  const rate = q(ctx, 10_000, 2000);
  return {
    id: 'udp-10k',
    title: `UDP announces, ${fmtCount(pool.torrents)} torrents / ${fmtCount(pool.peers)} peers`,
    conditions:
      `Pre-loaded with ${fmtCount(pool.peers)} peers (one \`started\` each, 75 % seeders) over ${fmtCount(pool.torrents)} ` +
      `torrents, then re-announces by random pool peers (1 % \`stopped\`, re-joining with \`started\`; 1 % \`completed\`), ` +
      `numwant ${NUMWANT}, ${ctx.window} requests in flight; then the same with 20 % scrapes of 10 hashes; then a fixed ` +
      `${fmtCount(rate)} announces/s for the CPU cost.`,
    targets: UDP_TARGETS,
    pool,
    runs: q(ctx, 3, 1),
    metrics: [
      M.announceRps,
      M.trackerCpu,
      M.generatorCpu,
      M.perCpuSecond,
      M.scrapeMixRps,
      cpuPct(rate),
      cpuPer1k(rate),
      M.lost,
    ],
    ratioKeys: ['announce_rps', 'per_cpu_s', 'scrape_mix_rps', 'cpu_ms_per_1k'],
    references: ['bare-dgram', 'bittorrent-tracker', 'opentracker'],
    async run(c, target) {
      const phases: PhaseSpec[] = [
        ...preload(target, c),
        {
          kind: 'saturate',
          name: 'announce',
          warmupSeconds: q(c, 2, 0.1),
          seconds: q(c, 6, 0.5),
          scrapeShare: 0,
          scrapeHashes: 10,
        },
        {
          kind: 'saturate',
          name: 'scrape-mix',
          warmupSeconds: q(c, 1, 0.1),
          seconds: q(c, 6, 0.5),
          scrapeShare: 0.2,
          scrapeHashes: 10,
        },
        {
          kind: 'rate',
          name: 'cpu',
          rate,
          warmupSeconds: q(c, 1, 0.1),
          seconds: q(c, 5, 0.5),
          scrapeShare: 0,
          scrapeHashes: 10,
        },
      ];
      const res = await runGenerator(c, job(c, target, pool, phases), q(c, 600, 60));
      const a = byName(res, 'announce');
      const s = byName(res, 'scrape-mix');
      const cpu = byName(res, 'cpu');
      const stateful = !target.info.stateless;
      return outcome(
        res,
        {
          announce_rps: a.rate,
          tracker_cpu_pct: a.trackerCpuPct,
          generator_cpu_pct: a.generatorCpuPct,
          per_cpu_s: perCpuSecond(a),
          scrape_mix_rps: s.rate,
          cpu_pct_fixed: cpu.trackerCpuPct,
          cpu_ms_per_1k: cpu.cpuMsPer1k,
          lost: a.lost + s.lost + cpu.lost,
        },
        stateful,
      );
    },
  };
}

function udp1m(ctx: Ctx): Scenario {
  const pool: PoolSpec = ctx.quick
    ? { torrents: 5000, peers: 5000, layout: 'spread', seederShare: 0.75 }
    : { torrents: 1_000_000, peers: 1_000_000, layout: 'spread', seederShare: 0.75 };
  return {
    id: 'udp-1m',
    title: `UDP announces and memory, ${fmtCount(pool.torrents)} torrents × 1 peer`,
    conditions:
      `Pre-loaded with one peer in each of ${fmtCount(pool.torrents)} torrents; RSS read right after, and a ` +
      'sample of 2,000 torrents scraped to check the tracker really holds them; then re-announces at full speed as above ' +
      '(replies carry no other peer: each torrent has one). bittorrent-tracker gets one run here (its preload alone takes ~1 min).',
    targets: UDP_TARGETS,
    pool,
    runs: q(ctx, 3, 1),
    runsFor: ctx.quick ? undefined : SLOW_PRELOAD,
    metrics: [
      M.announceRps,
      M.trackerCpu,
      M.generatorCpu,
      M.perCpuSecond,
      M.rss,
      M.held,
      M.preloadSeconds,
      M.lost,
    ],
    ratioKeys: ['announce_rps', 'per_cpu_s', 'rss_mib'],
    references: ['bare-dgram', 'bittorrent-tracker', 'opentracker'],
    async run(c, target) {
      const stateful = !target.info.stateless;
      const phases: PhaseSpec[] = [
        ...preload(target, c),
        ...(stateful ? [{ kind: 'verify', name: 'verify', sample: q(c, 2000, 300) } as PhaseSpec] : []),
        {
          kind: 'saturate',
          name: 'announce',
          warmupSeconds: q(c, 2, 0.1),
          seconds: q(c, 6, 0.5),
          scrapeShare: 0,
          scrapeHashes: 10,
        },
      ];
      const res = await runGenerator(c, job(c, target, pool, phases), q(c, 900, 60));
      const a = byName(res, 'announce');
      const figures: RunFigures = {
        announce_rps: a.rate,
        tracker_cpu_pct: a.trackerCpuPct,
        generator_cpu_pct: a.generatorCpuPct,
        per_cpu_s: perCpuSecond(a),
        lost: a.lost,
      };
      if (stateful) {
        const pre = byName(res, 'preload');
        const v = byName(res, 'verify');
        figures.rss_mib = pre.rssKiB / 1024;
        figures.preload_s = pre.seconds;
        figures.held_pct = v.verify ? (100 * v.verify.held) / Math.max(1, v.verify.sampled) : 0;
      }
      return outcome(res, figures, false);
    },
  };
}

function udpLoaded(ctx: Ctx): Scenario {
  const pool: PoolSpec = ctx.quick
    ? { torrents: 1000, peers: 10_000, layout: 'spread', seederShare: 0.75 }
    : { torrents: 100_000, peers: 1_000_000, layout: 'spread', seederShare: 0.75 };
  const rate = q(ctx, 10_000, 2000);
  return {
    id: 'udp-loaded',
    title: `Memory per peer and latency, ${fmtCount(pool.peers)} peers over ${fmtCount(pool.torrents)} torrents`,
    conditions:
      `RSS per peer = (RSS after pre-loading ${fmtCount(pool.peers)} peers − RSS of the freshly started process) ÷ peers. ` +
      `Then a fixed ${fmtCount(rate)} announces/s (open loop, 1 ms pacing) for the latency percentiles (generator clock, ` +
      'send to reply), tracker CPU, and replies lost (no reply within 1 s, or not sent because 8,192 requests were ' +
      'already waiting). bittorrent-tracker gets one run here (its preload alone takes ~1.5 min).',
    targets: UDP_TARGETS,
    pool,
    runs: q(ctx, 3, 1),
    runsFor: ctx.quick ? undefined : SLOW_PRELOAD,
    metrics: [M.bytesPerPeer, M.rss, M.held, M.p50, M.p99, M.p999, M.lost, cpuPct(rate), cpuPer1k(rate)],
    ratioKeys: ['bytes_per_peer', 'cpu_pct_fixed', 'p99_ms'],
    references: ['bare-dgram', 'bittorrent-tracker', 'opentracker'],
    async run(c, target) {
      const stateful = !target.info.stateless;
      const phases: PhaseSpec[] = [
        ...preload(target, c),
        ...(stateful ? [{ kind: 'verify', name: 'verify', sample: q(c, 2000, 300) } as PhaseSpec] : []),
        latencyPhase(c, rate),
      ];
      const res = await runGenerator(c, job(c, target, pool, phases), q(c, 900, 60));
      const l = byName(res, 'latency');
      const figures: RunFigures = {
        p50_ms: l.latencyMs?.p50 ?? Number.NaN,
        p99_ms: l.latencyMs?.p99 ?? Number.NaN,
        p999_ms: l.latencyMs?.p999 ?? Number.NaN,
        lost: l.lost + l.skipped,
        cpu_pct_fixed: l.trackerCpuPct,
        cpu_ms_per_1k: l.cpuMsPer1k,
      };
      if (stateful) {
        const pre = byName(res, 'preload');
        const v = byName(res, 'verify');
        figures.rss_mib = pre.rssKiB / 1024;
        figures.bytes_per_peer = ((pre.rssKiB - target.baseRssKiB) * 1024) / pool.peers;
        figures.held_pct = v.verify ? (100 * v.verify.held) / Math.max(1, v.verify.sampled) : 0;
      }
      return outcome(res, figures, stateful);
    },
  };
}

function httpScenario(ctx: Ctx): Scenario {
  const pool: PoolSpec = ctx.quick
    ? { torrents: 500, peers: 5000, layout: 'spread', seederShare: 0.75 }
    : { torrents: 10_000, peers: 100_000, layout: 'spread', seederShare: 0.75 };
  const connections = 64;
  const seconds = q(ctx, 6, 1);
  const warmupSeconds = q(ctx, 2, 1);
  return {
    id: 'http',
    title: `HTTP announces, ${fmtCount(pool.torrents)} torrents / ${fmtCount(pool.peers)} peers`,
    conditions:
      `${ctx.wrk ? 'wrk' : 'autocannon'} (1 thread, ${connections} connections) cycling through the announce URLs of the pool's ` +
      'peers (compact, numwant 50), first with keep-alive, then with `Connection: close` (a new TCP connection per ' +
      `announce), each measured for ${seconds} s after ${warmupSeconds} s of the same load that is not (JIT warm-up). ` +
      'Trackers are pre-loaded over UDP with the same peers. A sample of replies is fetched and decoded after each. ' +
      'opentracker closes every connection after its reply (no keep-alive), so its keep-alive figure is really a new ' +
      'connection per announce too (the last column counts those closes).',
    targets: HTTP_TARGETS,
    pool,
    runs: q(ctx, 3, 1),
    metrics: [M.keepAlive, M.close, M.httpCpu, M.httpCloseCpu, M.httpErrors, M.httpClosed],
    ratioKeys: ['keepalive_rps', 'close_rps'],
    references: ['bare-fastify', 'bare-http', 'bittorrent-tracker', 'opentracker'],
    async run(c, target) {
      const problems: string[] = [];
      if (!target.info.stateless && target.info.udp) {
        const res = await runGenerator(c, job(c, target, pool, preload(target, c)), q(c, 600, 60));
        problems.push(...res.flatMap((r) => phaseProblems(r, false)));
      }
      const urlFile = writeAnnounceUrls(c.workDir, pool, 100_000);
      const base = {
        wrk: c.wrk,
        pin: c.genPin,
        port: target.httpPort,
        urlFile,
        workDir: c.workDir,
        connections,
        seconds,
        warmupSeconds,
        trackerPid: target.pid,
        autocannonScript: c.children['http-autocannon'],
      };
      const ka = await runHttpLoad({ ...base, close: false });
      const v1 = await validateHttp(target.httpPort, urlFile, q(c, 50, 10));
      const cl = await runHttpLoad({ ...base, close: true });
      const v2 = await validateHttp(target.httpPort, urlFile, q(c, 50, 10));
      for (const [name, v] of [
        ['keep-alive', v1],
        ['close', v2],
      ] as const) {
        if (v.valid < v.sampled)
          problems.push(
            `${name}: ${v.sampled - v.valid} of ${v.sampled} sampled replies invalid (${v.firstProblem})`,
          );
        if (!target.info.stateless && v.withPeers === 0) problems.push(`${name}: no sampled reply had peers`);
      }
      if (ka.requests === 0 || cl.requests === 0) problems.push('no HTTP replies');
      return {
        figures: {
          keepalive_rps: ka.rps,
          close_rps: cl.rps,
          http_cpu_ms_per_1k: ka.cpuMsPer1k,
          http_close_cpu_ms_per_1k: cl.cpuMsPer1k,
          http_errors: ka.errors + cl.errors,
          http_closed: ka.closed,
        },
        problems,
      };
    },
  };
}

function soak(ctx: Ctx): Scenario {
  const seconds = q(ctx, 600, 3);
  const rate = q(ctx, 10_000, 2000);
  const activePeers = q(ctx, 300_000, 5000);
  const advance = q(ctx, 500, 200);
  const peers = activePeers + advance * (seconds + 10);
  const perTorrent = 10;
  const pool: PoolSpec = {
    torrents: Math.ceil(peers / perTorrent),
    peers,
    layout: 'blocks',
    perTorrent,
    seederShare: 0.75,
  };
  const warmFrom = q(ctx, 180, 1);
  return {
    id: 'soak',
    title: `Churn soak, ${seconds >= 60 ? `${seconds / 60} minutes` : `${seconds} s`} at ${fmtCount(rate)} announces/s with expiry running`,
    conditions:
      `trakx with \`TRAKX_DB_EXPIRY=2m TRAKX_DB_TRIM=10s\`. A window of ${fmtCount(activePeers)} active peers ` +
      `(${perTorrent} per torrent) slides over the pool by ${advance} peers/s: leaving peers send \`stopped\` half the time ` +
      `and otherwise go silent and must be expired, while as many new peers join. RSS is sampled every ` +
      `${q(ctx, 10, 0.5)} s; flatness is ±(max − min) ÷ (max + min) over the samples after ${warmFrom} s (once warm).`,
    targets: ['trakx'],
    pool,
    runs: 1,
    env: { TRAKX_DB_EXPIRY: '2m', TRAKX_DB_TRIM: '10s' },
    metrics: [
      { key: 'rss_warm_mib', label: 'RSS when warm', unit: 'mib', higherBetter: false },
      { key: 'rss_end_mib', label: 'RSS at the end', unit: 'mib', higherBetter: false },
      { key: 'rss_max_mib', label: 'max RSS when warm', unit: 'mib', higherBetter: false },
      { key: 'flatness_pct', label: 'RSS flatness ±', unit: 'pct', higherBetter: false },
      M.p99,
      M.lost,
      cpuPct(rate),
    ],
    ratioKeys: [],
    references: [],
    async run(c, target) {
      const phases: PhaseSpec[] = [
        {
          kind: 'soak',
          name: 'soak',
          rate,
          seconds,
          activePeers,
          advancePerSecond: advance,
          stopShare: 0.5,
          sampleSeconds: q(c, 10, 0.5),
        },
      ];
      const res = await runGenerator(c, job(c, target, pool, phases), seconds + 120);
      const s = byName(res, 'soak');
      const warm = (s.rssSamples ?? []).filter((x) => x.t >= warmFrom).map((x) => x.rssKiB);
      const min = Math.min(...warm);
      const max = Math.max(...warm);
      return {
        figures: {
          rss_warm_mib: (warm[0] ?? Number.NaN) / 1024,
          rss_end_mib: s.rssKiB / 1024,
          rss_max_mib: max / 1024,
          flatness_pct: warm.length ? (100 * (max - min)) / (max + min) : Number.NaN,
          p99_ms: s.latencyMs?.p99 ?? Number.NaN,
          lost: s.lost + s.skipped,
          cpu_pct_fixed: s.trackerCpuPct,
        },
        problems: phaseProblems(s, true),
        series: s.rssSamples ?? [],
      };
    },
  };
}

export function fmtCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return n.toLocaleString('en-US');
}

export function allScenarios(ctx: Ctx): Scenario[] {
  return [udp10k(ctx), udp1m(ctx), udpLoaded(ctx), httpScenario(ctx), soak(ctx)];
}

export const SCENARIO_IDS = ['udp-10k', 'udp-1m', 'udp-loaded', 'http', 'soak'];
