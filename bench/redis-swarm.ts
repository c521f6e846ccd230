// Redis mode's store side at scale: announces/s through one Redis core, redis-server
// CPU and Node CPU per announce, and latency at a fixed 10k announces/s, with
// 100k torrents × 10–25 peers loaded and numwant 50; then the same announces against
// the in-memory store for its CPU per announce. Bounded in count and time.
//   node --import tsx bench/redis-swarm.ts [--torrents 100000] [--count 400000] [--write]
// --write puts the figures in bench/RESULTS.md (its "redis" section).

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { SwarmCounts } from '../app/bittorrent/peer-sink.ts';
import { MemoryStore } from '../app/swarm/memory-store.ts';
import { RedisSwarm } from '../app/swarm/redis/redis-swarm.ts';
import { PeerAnnounce } from '../app/swarm/store.ts';
import { cpuMs } from './proc.ts';
import { announceResult, benchRedis, closedLoop, fmt, type LoadFigures, Population } from './redis-common.ts';
import { writeSection } from './results-sections.ts';
import { CompactSink } from './store-load.ts';

const { values } = parseArgs({
  options: {
    torrents: { type: 'string', default: '100000' },
    count: { type: 'string', default: '400000' },
    seconds: { type: 'string', default: '30' },
    instances: { type: 'string', default: '2' },
    depth: { type: 'string', default: '128' },
    rate: { type: 'string', default: '10000' },
    'rate-seconds': { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    write: { type: 'boolean', default: false },
  },
});

const TTL = 3600;
const NUMWANT = 50;
const MAX_PEERS = 5000;
const pop = new Population(Number(values.torrents));
const now = Math.floor(Date.now() / 1000);

/** Announces spread round-robin over the instances' connections. */
function issuer(swarms: RedisSwarm[], inOrder: boolean, latencies?: number[]) {
  const req = pop.request(NUMWANT, now);
  const outs = Array.from({ length: 4096 }, () => announceResult(NUMWANT));
  return (k: number, done: (ok: boolean) => void): void => {
    pop.pick(req, k, inOrder);
    const out = outs[k % outs.length];
    out.pos = 0;
    out.end = out.buf.length;
    const t0 = latencies ? performance.now() : 0;
    swarms[k % swarms.length].announce(req, out).then(
      () => {
        if (latencies) latencies.push(performance.now() - t0);
        done(true);
      },
      () => done(false),
    );
  };
}

/** A fixed rate, open loop (1 ms ticks): latency percentiles and CPU at that rate. */
async function fixedRate(swarms: RedisSwarm[], rate: number, seconds: number, redisPid: number) {
  const latencies: number[] = [];
  const issue = issuer(swarms, false, latencies);
  let errors = 0;
  let issued = 0;
  const total = Math.round(rate * seconds);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r0 = cpuMs(redisPid);
  await new Promise<void>((resolve) => {
    let answered = 0;
    const done = (ok: boolean) => {
      if (!ok) errors++;
      if (++answered === total) resolve();
    };
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (issued < due) issue(issued++, done);
      if (issued >= total) clearInterval(tick);
    }, 1);
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    p50: q(0.5),
    p99: q(0.99),
    p999: q(0.999),
    errors,
    nodeUs: (cpu.user + cpu.system) / total,
    nodeShare: (cpu.user + cpu.system) / 1e6 / wall,
    redisShare: (cpuMs(redisPid) - r0) / 1000 / wall,
  };
}

/** The same announces on the in-memory store (one announce call), CPU per announce. */
function memoryMode(count: number): { nodeUs: number; preloadS: number } {
  const store = new MemoryStore({ maxTorrents: pop.torrents * 2, maxPeersPerTorrent: MAX_PEERS });
  const req = pop.request(NUMWANT, now);
  const sink = new CompactSink(NUMWANT);
  const counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  const op = new PeerAnnounce();
  op.numwant = NUMWANT;
  op.now = now;
  const one = () => {
    op.hash = req.infoHash;
    op.hashOff = req.hashOff;
    op.addr = req.addr;
    op.port = req.port;
    op.peerId = req.peerId;
    op.seeder = req.seeder;
    sink.compact4.pos = 0;
    store.announce(op, counts, sink);
  };
  const t0 = performance.now();
  for (let k = 0; k < pop.peers; k++) {
    pop.pick(req, k, true);
    one();
  }
  const preloadS = (performance.now() - t0) / 1000;
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < count; k++) {
    pop.pick(req, k, false);
    one();
  }
  const cpu = process.cpuUsage(cpu0);
  return { nodeUs: (cpu.user + cpu.system) / count, preloadS };
}

async function main(): Promise<void> {
  const server = await benchRedis();
  const instances = Number(values.instances);
  const swarms = Array.from(
    { length: instances },
    () => new RedisSwarm({ url: server.url, peerTtl: TTL, maxPeersPerTorrent: MAX_PEERS, maxTorrents: 0 }),
  );
  const lines: string[] = [];
  try {
    while (!swarms.every((s) => s.up)) await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    const pre = await closedLoop(issuer(swarms, true), { count: pop.peers, maxSeconds: 900, depth: 1024 });
    const preloadS = (performance.now() - t0) / 1000;
    const info = String(await swarms[0].conn.command(['INFO']));
    const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    console.error(
      `preloaded ${pre.requests} peers over ${pop.torrents} torrents in ${preloadS.toFixed(1)} s, ${pre.errors} errors, ${(usedMemory / 2 ** 20).toFixed(0)} MiB in Redis`,
    );
    const runs: LoadFigures[] = [];
    for (let r = 0; r < Number(values.runs); r++) {
      const f = await closedLoop(issuer(swarms, false), {
        count: Number(values.count),
        maxSeconds: Number(values.seconds),
        depth: Number(values.depth) * instances,
        redisPid: server.pid,
      });
      runs.push(f);
      console.error(
        `max: ${fmt(f.perSecond)}/s, redis ${(f.redisCore * 100).toFixed(0)} % of a core (${fmt(f.perSecond / f.redisCore)}/s per core), Redis ${fmt(f.redisUs)} µs, Node ${fmt(f.nodeUs)} µs per announce, ${f.errors} errors`,
      );
    }
    const fixed = await fixedRate(swarms, Number(values.rate), Number(values['rate-seconds']), server.pid);
    console.error(
      `at ${values.rate}/s: p50 ${fixed.p50.toFixed(3)} ms, p99 ${fixed.p99.toFixed(3)} ms, p99.9 ${fixed.p999.toFixed(3)} ms, Node ${fmt(fixed.nodeUs)} µs per announce, ${fixed.errors} errors`,
    );
    const mem = memoryMode(Number(values.count));
    console.error(`memory store: ${fmt(mem.nodeUs)} µs per announce (put + counts + select)`);

    const best = [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)];
    lines.push(
      `Population: ${pop.torrents} torrents × 10–25 peers (${pop.peers} peers, 75 % seeders, IPv4), numwant 50; ${instances} RedisSwarm connections (as ${instances} instances) in one Node process on CPU 0, redis-server ${redisVersion(info)} on CPU 1; ${usedMemory ? `${(usedMemory / 2 ** 20).toFixed(0)} MiB` : '?'} in Redis after the preload (${fmt(usedMemory / pop.peers, 0)} B per peer). Load average at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}.`,
      '',
      '| run | announces | announces/s | per instance | redis-server CPU | announces/s per Redis core | redis-server µs/announce | Node µs/announce | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...runs.map(
        (f, i) =>
          `| ${i + 1} | ${f.requests} | ${fmt(f.perSecond)} | ${fmt(f.perSecond / instances)} | ${(f.redisCore * 100).toFixed(0)} % | ${fmt(f.perSecond / f.redisCore)} | ${fmt(f.redisUs)} | ${fmt(f.nodeUs)} | ${f.errors} |`,
      ),
      '',
      `At a fixed ${values.rate} announces/s for ${values['rate-seconds']} s (open loop, 1 ms ticks): p50 ${fixed.p50.toFixed(3)} ms, p99 ${fixed.p99.toFixed(3)} ms, p99.9 ${fixed.p999.toFixed(3)} ms from announce() to its answer; Node ${(fixed.nodeShare * 100).toFixed(1)} % of a core (${fmt(fixed.nodeUs)} µs per announce), redis-server ${(fixed.redisShare * 100).toFixed(1)} %; ${fixed.errors} errors.`,
      '',
      `The same announces on the in-memory store (put + counts + select into a compact buffer): ${fmt(mem.nodeUs, 2)} µs of Node CPU each; Redis mode's store side costs ${fmt(best.nodeUs)} µs (median run), ${fmt(best.nodeUs - mem.nodeUs)} µs more.`,
    );
    const md = lines.join('\n');
    console.log(md);
    if (values.write)
      writeSection(
        join(import.meta.dirname, 'RESULTS.md'),
        'redis-swarm',
        `## Redis mode: store side\n\nProduced by \`node --import tsx bench/redis-swarm.ts --write\` on ${new Date().toISOString().slice(0, 10)}.\n\n${md}`,
      );
  } finally {
    for (const s of swarms) await s.close();
    await server.stop();
  }
}

function redisVersion(info: string): string {
  return /redis_version:(\S+)/.exec(info)?.[1] ?? '';
}

await main();
