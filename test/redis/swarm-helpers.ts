// Announce, remove and scrape on a RedisSwarm with small integers for hashes, addresses
// and peer ids (the fixtures of the in-memory store's conformance suite), peers decoded
// back to "family/hexaddr/port" keys.

import type { Family } from '../../app/bittorrent/family.ts';
import { RedisSwarm } from '../../app/swarm/redis/redis-swarm.ts';
import type {
  RedisAnnounceRequest,
  RedisAnnounceResult,
  RedisRemoveResult,
} from '../../app/swarm/redis/types.ts';
import { addrOf, hashOf, idOf } from '../swarm/conformance.ts';

export { addrOf, hashOf, idOf };

export interface Caps {
  maxTorrents?: number;
  maxPeersPerTorrent?: number;
  maxPeersPerIp?: number;
  peerTtl?: number;
  eventsStream?: string;
  /** url is a seed node of a Redis Cluster. */
  cluster?: boolean;
  /** db.redis.timeout in ms (default 2000). */
  timeout?: number;
}

let made = 0;

/** A swarm under a key prefix of its own, connected. */
export async function makeSwarm(url: string, caps: Caps = {}): Promise<RedisSwarm> {
  const s = new RedisSwarm({
    url,
    prefix: `t${process.pid}-${++made}:`,
    peerTtl: caps.peerTtl ?? 100_000,
    maxTorrents: caps.maxTorrents ?? 0,
    maxPeersPerTorrent: caps.maxPeersPerTorrent ?? 1_000_000,
    maxPeersPerIp: caps.maxPeersPerIp ?? 0,
    eventsStream: caps.eventsStream,
    cluster: caps.cluster,
    timeout: caps.timeout,
  });
  await waitUp(s);
  return s;
}

export async function waitUp(s: { readonly up: boolean }, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!s.up) {
    if (Date.now() > until) throw new Error('redis swarm never came up');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function key(family: Family, n: number, port: number): string {
  return `${family}/${addrOf(family, n).toString('hex')}/${port}`;
}

export interface Put {
  seeder?: boolean;
  completed?: boolean;
  now?: number;
  id?: number;
  numwant?: number;
  event?: 0 | 1 | 2;
  /** An address of one's own instead of addrOf(family, n). */
  addr?: Buffer;
}

export interface Reply {
  code: number;
  seeders: number;
  leechers: number;
  downloaded: number;
  peers: string[];
}

export function request(
  hash: Buffer,
  family: Family,
  n: number,
  port: number,
  o: Put = {},
): RedisAnnounceRequest {
  return {
    infoHash: hash,
    hashOff: 0,
    family,
    addr: o.addr ?? addrOf(family, n),
    addrOff: 0,
    port,
    peerId: idOf(o.id ?? n),
    idOff: 0,
    seeder: o.seeder ?? false,
    completed: o.completed ?? false,
    event: o.event ?? 0,
    numwant: o.numwant ?? 0,
    now: o.now ?? 1000,
  };
}

export function decode(family: Family, buf: Uint8Array, len: number): string[] {
  const ilen = family === 4 ? 4 : 16;
  const out: string[] = [];
  for (let at = 0; at < len; at += ilen + 2) {
    const addr = Buffer.from(buf.subarray(at, at + ilen)).toString('hex');
    out.push(`${family}/${addr}/${(buf[at + ilen] << 8) | buf[at + ilen + 1]}`);
  }
  return out;
}

export async function put(
  s: RedisSwarm,
  hash: Buffer,
  family: Family,
  n: number,
  port: number,
  o: Put = {},
): Promise<Reply> {
  const out: RedisAnnounceResult = {
    code: -1,
    seeders: -1,
    leechers: -1,
    downloaded: -1,
    buf: new Uint8Array(4096),
    pos: 0,
    end: 4096,
    peers: 0,
  };
  const r = await s.announce(request(hash, family, n, port, o), out);
  return {
    code: r.code,
    seeders: r.seeders,
    leechers: r.leechers,
    downloaded: r.downloaded,
    peers: decode(family, r.buf, r.pos),
  };
}

export async function remove(
  s: RedisSwarm,
  hash: Buffer,
  family: Family,
  n: number,
  port: number,
  now = 1000,
): Promise<RedisRemoveResult> {
  const out = { existed: false, seeders: -1, leechers: -1, downloaded: -1 };
  return s.remove(request(hash, family, n, port, { now }), out);
}

export async function counts(
  s: RedisSwarm,
  hash: Buffer,
  now = 1000,
): Promise<{ seeders: number; leechers: number; downloaded: number }> {
  const out = [{ seeders: -1, leechers: -1, downloaded: -1 }];
  const [c] = await s.scrape(hash, 0, 1, now, out);
  return { ...c! };
}
