// Node CPU per announce for three Redis clients sending the same EVALSHA announce
// (app/swarm/redis/lua.ts) to one private redis-server: ours (RedisSwarm over
// RedisConnection), node-redis (`redis`) and ioredis with auto-pipelining. The two
// libraries are not dependencies of trakx; install them anywhere and pass the folder:
//   npm install --prefix /tmp/rc redis@5 ioredis@5
//   node --import tsx bench/redis-client.ts --clients /tmp/rc [--torrents 100000] [--count 200000]
// Every client keeps the same number of requests in flight (closed loop), so each
// event-loop turn sends a batch; bounded by --count and --seconds per client.
// --write puts the table in bench/RESULTS.md (its "redis-client" section).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ANNOUNCE } from '../app/swarm/redis/lua.ts';
import { RedisSwarm } from '../app/swarm/redis/redis-swarm.ts';
import type { RedisAnnounceRequest } from '../app/swarm/redis/types.ts';
import { announceResult, benchRedis, closedLoop, fmt, type LoadFigures, Population } from './redis-common.ts';
import { writeSection } from './results-sections.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '' },
    torrents: { type: 'string', default: '100000' },
    count: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '30' },
    depth: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    write: { type: 'boolean', default: false },
  },
});

const PREFIX = 'trakx:';
const TTL = 3600;
const NUMWANT = 50;
const MAX_PEERS = 5000;
const pop = new Population(Number(values.torrents));
const depth = Number(values.depth);
const now = Math.floor(Date.now() / 1000);

type Issue = (k: number, done: (ok: boolean) => void) => void;

function oursIssue(swarm: RedisSwarm, inOrder: boolean): Issue {
  const req = pop.request(NUMWANT, now);
  const outs = Array.from({ length: Math.max(depth, 1024) }, () => announceResult(NUMWANT));
  return (k, done) => {
    pop.pick(req, k, inOrder);
    const out = outs[k % outs.length];
    out.pos = 0;
    out.end = out.buf.length;
    swarm.announce(req, out).then(
      () => done(true),
      () => done(false),
    );
  };
}

/** Keys and arguments as a library user builds them: strings and Buffers per request. */
function libArgs(req: RedisAnnounceRequest): { keys: string[]; args: (string | Buffer)[] } {
  const hex = pop.hashes.toString('hex', req.hashOff, req.hashOff + 20);
  const base = `${PREFIX}{${hex}}`;
  const member = Buffer.allocUnsafe(6);
  member.set(req.addr, 0);
  member.writeUInt16BE(req.port, 4);
  return {
    keys: [`${base}m`, `${base}s4`, `${base}l4`, `${base}s6`, `${base}l6`],
    args: [
      member,
      Buffer.from(req.peerId),
      String(req.seeder ? 1 : 0),
      String(req.now),
      String(TTL),
      String(NUMWANT),
      String(MAX_PEERS),
      '0',
      '0',
      String((Math.random() * 0x7fffffff) | 0),
      pop.hashes.subarray(req.hashOff, req.hashOff + 20),
    ],
  };
}

interface NodeRedisModule {
  createClient(o: { url: string }): {
    connect(): Promise<unknown>;
    withTypeMapping(m: Record<number, unknown>): {
      evalSha(sha: string, o: { keys: string[]; arguments: (string | Buffer)[] }): Promise<unknown>;
    };
    close?(): Promise<void>;
    quit?(): Promise<void>;
  };
  RESP_TYPES: Record<string, number>;
}

async function nodeRedisIssue(
  dir: string,
  url: string,
): Promise<{ issue: Issue; close: () => Promise<void> }> {
  const mod = createRequire(join(dir, 'package.json'))('redis') as NodeRedisModule;
  const client = mod.createClient({ url });
  await client.connect();
  const typed = client.withTypeMapping({ [mod.RESP_TYPES.BLOB_STRING!]: Buffer });
  const req = pop.request(NUMWANT, now);
  return {
    issue: (k, done) => {
      pop.pick(req, k, false);
      const { keys, args } = libArgs(req);
      typed.evalSha(ANNOUNCE.sha, { keys, arguments: args }).then(
        () => done(true),
        () => done(false),
      );
    },
    close: async () => {
      await (client.close ?? client.quit)!.call(client);
    },
  };
}

interface IoRedisClient {
  evalshaBuffer(sha: string, n: number, ...a: (string | Buffer)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

async function ioredisIssue(dir: string, url: string): Promise<{ issue: Issue; close: () => Promise<void> }> {
  const Redis = createRequire(join(dir, 'package.json'))('ioredis') as new (
    url: string,
    o: { enableAutoPipelining: boolean },
  ) => IoRedisClient;
  const client = new Redis(url, { enableAutoPipelining: true });
  const req = pop.request(NUMWANT, now);
  return {
    issue: (k, done) => {
      pop.pick(req, k, false);
      const { keys, args } = libArgs(req);
      client.evalshaBuffer(ANNOUNCE.sha, 5, ...keys, ...args).then(
        () => done(true),
        () => done(false),
      );
    },
    close: async () => {
      await client.quit();
    },
  };
}

function versionOf(dir: string, pkg: string): string {
  const file = join(dir, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const server = await benchRedis();
  const swarm = new RedisSwarm({
    url: server.url,
    prefix: PREFIX,
    peerTtl: TTL,
    maxPeersPerTorrent: MAX_PEERS,
    maxTorrents: 0,
  });
  try {
    while (!swarm.up) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    const pre = await closedLoop(oursIssue(swarm, true), { count: pop.peers, maxSeconds: 600, depth: 1024 });
    console.error(
      `preloaded ${pop.peers} peers over ${pop.torrents} torrents in ${((Date.now() - t0) / 1000).toFixed(1)} s (${pre.errors} errors)`,
    );
    const opts = {
      count: Number(values.count),
      maxSeconds: Number(values.seconds),
      depth,
      redisPid: server.pid,
    };
    const rows: [string, LoadFigures][] = [];
    const clients: [string, () => Promise<{ issue: Issue; close: () => Promise<void> }>][] = [
      [
        'trakx RespWriter + RespParser',
        async () => ({ issue: oursIssue(swarm, false), close: async () => {} }),
      ],
    ];
    if (values.clients !== '') {
      const v = (pkg: string) => versionOf(values.clients!, pkg);
      clients.push([
        `node-redis (\`redis\` ${v('redis')})`,
        () => nodeRedisIssue(values.clients!, server.url),
      ]);
      clients.push([
        `ioredis ${v('ioredis')}, enableAutoPipelining`,
        () => ioredisIssue(values.clients!, server.url),
      ]);
    }
    for (let run = 0; run < Number(values.runs); run++) {
      for (const [name, make] of clients) {
        const c = await make();
        const f = await closedLoop(c.issue, opts);
        await c.close();
        rows.push([name, f]);
        console.error(
          `${name}: ${f.requests} announces, ${fmt(f.perSecond)}/s, Node ${fmt(f.nodeUs)} µs, Redis ${fmt(f.redisUs)} µs, ${f.errors} errors`,
        );
      }
    }
    const md = [
      `${pop.torrents} torrents × 10–25 peers (${pop.peers} peers) loaded, numwant 50, ${depth} announces in flight; Node on CPU 0, redis-server on CPU 1; runs interleaved. Load average at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}.`,
      '',
      '| client | announces | announces/s | Node CPU µs/announce | redis-server CPU µs/announce | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        ([name, f]) =>
          `| ${name} | ${f.requests} | ${fmt(f.perSecond)} | ${fmt(f.nodeUs)} | ${fmt(f.redisUs)} | ${f.errors} |`,
      ),
    ].join('\n');
    console.log(md);
    if (values.write) {
      writeSection(
        join(import.meta.dirname, 'RESULTS.md'),
        'redis-client',
        `## Redis clients: Node CPU per announce\n\nProduced by \`node --import tsx bench/redis-client.ts --clients <dir> --write\` on ${new Date().toISOString().slice(0, 10)}: the same EVALSHA announce (app/swarm/redis/lua.ts) through each client.\n\n${md}`,
      );
    }
  } finally {
    await swarm.close();
    await server.stop();
  }
}

await main();
