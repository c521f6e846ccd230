// The simulated swarm population, identical in every process that needs it (the load
// generator, the opentracker whitelist, the HTTP URL lists): a fixed pool of infohashes
// from a seeded PRNG and a deterministic peer → (torrent, port, seeder) layout.
//
// Every simulated peer announces from 127.0.0.1; trackers key peers by
// (info_hash, address, port), so each peer of a torrent gets a distinct port in the
// announce's port field.

export interface PoolSpec {
  /** Number of infohashes in the pool. */
  torrents: number;
  /** Number of simulated peers. */
  peers: number;
  /**
   * `spread`: peer p belongs to torrent p % torrents (every torrent gets peers/torrents).
   * `blocks`: peer p belongs to torrent floor(p / perTorrent) % torrents, so a window of
   * consecutive peers covers a moving set of torrents (used by the churn soak).
   */
  layout: 'spread' | 'blocks';
  /** Peers per torrent for the `blocks` layout. */
  perTorrent?: number;
  /** Share of peers that announce as seeders (left = 0), aquatic's load test uses 0.75. */
  seederShare: number;
}

/** Deterministic 20-byte infohashes: splitmix32 stream, seed fixed so runs compare. */
export function makeInfohashes(count: number, seed = 0x7a6b5c4d): Buffer {
  const out = Buffer.allocUnsafe(count * 20);
  let s = seed >>> 0;
  for (let i = 0; i < count * 5; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    out.writeUInt32BE(z, i * 4);
  }
  return out;
}

export function torrentOf(spec: PoolSpec, peer: number): number {
  if (spec.layout === 'spread') return peer % spec.torrents;
  return Math.floor(peer / (spec.perTorrent ?? 10)) % spec.torrents;
}

/** Index of the peer among its torrent's peers (distinct within a torrent). */
function rankOf(spec: PoolSpec, peer: number): number {
  if (spec.layout === 'spread') return Math.floor(peer / spec.torrents);
  const per = spec.perTorrent ?? 10;
  return (peer % per) + per * Math.floor(peer / (per * spec.torrents));
}

/** A port in 1024–65023, distinct among one torrent's first 64,000 peers. */
export function portOf(spec: PoolSpec, peer: number): number {
  const t = torrentOf(spec, peer);
  const offset = Math.imul(t, 2654435761) >>> 16;
  return 1024 + ((rankOf(spec, peer) + offset) % 64000);
}

export function isSeeder(spec: PoolSpec, peer: number): boolean {
  return (Math.imul(peer + 1, 2246822519) >>> 0) % 1000 < spec.seederShare * 1000;
}

/** The 20-byte peer_id of a peer: an Azureus-style prefix and the peer number. */
export function writePeerId(out: Buffer, offset: number, peer: number): void {
  out.write('-BN0001-', offset, 'latin1');
  out.writeUInt32BE(peer >>> 0, offset + 8);
  out.writeUInt32BE(0x62656e63, offset + 12);
  out.writeUInt32BE(0x686d6172, offset + 16);
}

/** Lower-case hex lines, one per infohash: opentracker's whitelist format. */
export function infohashHexLines(hashes: Buffer, count: number): string {
  const lines: string[] = new Array(count);
  for (let i = 0; i < count; i++) lines[i] = hashes.toString('hex', i * 20, i * 20 + 20);
  return `${lines.join('\n')}\n`;
}
