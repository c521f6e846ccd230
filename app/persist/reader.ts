// Reads a snapshot (see format.ts). verifySnapshot() checks everything — header, sizes,
// checksum and the record structure against the header's counts — before applySnapshot()
// touches the store, so a bad file never leaves a half-restored tracker.

import { crc32 } from 'node:zlib';
import type { Family } from '../bittorrent/family.ts';
import { NO_PEERS, type SwarmCounts } from '../bittorrent/peer-sink.ts';
import { type LocalStore, PeerAnnounce, PUT_IP_LIMIT, PUT_TORRENT_LIMIT } from '../swarm/store.ts';
import {
  decodeHeader,
  FLAG_SEEDER,
  HEADER_SIZE,
  PEER4_SIZE,
  PEER6_SIZE,
  SnapshotError,
  type SnapshotHeader,
  torrentSize,
} from './format.ts';

/** Check a whole snapshot file's bytes; returns its header or throws SnapshotError. */
export function verifySnapshot(buf: Buffer): SnapshotHeader {
  const h = decodeHeader(buf);
  const tsize = torrentSize(h.version);
  const actual = buf.length - HEADER_SIZE;
  if (actual < h.bodySize) throw new SnapshotError(`truncated: body is ${actual} of ${h.bodySize} bytes`);
  if (actual > h.bodySize) throw new SnapshotError(`${actual - h.bodySize} unexpected bytes after the body`);
  if (crc32(buf.subarray(HEADER_SIZE)) !== h.bodyCrc) throw new SnapshotError('body checksum mismatch');
  let o = HEADER_SIZE;
  let torrents = 0;
  let peers4 = 0;
  let peers6 = 0;
  while (o < buf.length) {
    if (buf.length - o < tsize) throw new SnapshotError(`torrent record cut short at byte ${o}`);
    const n4 = buf.readUInt32LE(o + 24);
    const n6 = buf.readUInt32LE(o + 28);
    o += tsize + n4 * PEER4_SIZE + n6 * PEER6_SIZE;
    if (o > buf.length) throw new SnapshotError(`peer records of torrent ${torrents} run past the end`);
    torrents++;
    peers4 += n4;
    peers6 += n6;
  }
  if (torrents !== h.torrents || peers4 !== h.peers4 || peers6 !== h.peers6)
    throw new SnapshotError(
      `counts disagree with the header (${torrents}/${peers4}/${peers6} records, header says ${h.torrents}/${h.peers4}/${h.peers6})`,
    );
  return h;
}

export interface ApplyOptions {
  /** Unix seconds; peers last seen before it have expired and are dropped. */
  cutoff: number;
  /** Unix seconds; a last-seen in the future (clock stepped back) is clamped to it. */
  now: number;
}

export interface ApplyResult {
  torrents: number;
  peers: number;
  /** Peers dropped because they expired while the tracker was down. */
  expired: number;
  /** Peers dropped because the limits in force refuse them (torrents, per IP) or port 0. */
  skipped: number;
  /** Count-only records kept: torrents saved without peers, or whose peers all expired. */
  countOnly: number;
}

/**
 * Put a verified snapshot's peers into the store with their saved last-seen. A seeder
 * is put as `completed` so a later `completed` event does not count it twice; the
 * torrent's saved downloaded count then overwrites whatever that added. A torrent left
 * without peers but with completions becomes a count-only record; those go in last,
 * longest-idle first, so torrents with peers have the room first and the idle order
 * (which one gives way when the table is full) is the saved one.
 */
export function applySnapshot(buf: Buffer, store: LocalStore, opts: ApplyOptions): ApplyResult {
  const result: ApplyResult = { torrents: 0, peers: 0, expired: 0, skipped: 0, countOnly: 0 };
  const version = buf.readUInt16LE(8);
  const tsize = torrentSize(version);
  const addr: [Uint8Array, Uint8Array] = [new Uint8Array(4), new Uint8Array(16)];
  const op = new PeerAnnounce();
  const scratch: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  // Count-only records to keep: the offset of each one's torrent record and idle time.
  const idleAt: number[] = [];
  const idleSince: number[] = [];
  let o = HEADER_SIZE;
  while (o < buf.length) {
    const hashOff = o;
    const downloaded = buf.readUInt32LE(o + 20);
    const counts = [buf.readUInt32LE(o + 24), buf.readUInt32LE(o + 28)];
    let idle = version === 1 ? 0 : buf.readUInt32LE(o + 32);
    o += tsize;
    let kept = 0;
    let full = false;
    for (let f = 0; f < 2; f++) {
      const family: Family = f === 0 ? 4 : 6;
      const ilen = f === 0 ? 4 : 16;
      const size = f === 0 ? PEER4_SIZE : PEER6_SIZE;
      const a = addr[f];
      for (let i = 0; i < counts[f]; i++, o += size) {
        const port = (buf[o + ilen] << 8) | buf[o + ilen + 1];
        const seeder = (buf[o + ilen + 22] & FLAG_SEEDER) !== 0;
        const seen = buf.readUInt32LE(o + ilen + 23);
        // Without a peer left, the torrent has been idle since its last peer was seen.
        if (seen > idle) idle = seen;
        if (seen < opts.cutoff) {
          result.expired++;
          continue;
        }
        if (port === 0 || full) {
          result.skipped++;
          continue;
        }
        for (let k = 0; k < ilen; k++) a[k] = buf[o + k];
        op.hash = buf;
        op.hashOff = hashOff;
        op.family = family;
        op.addr = a;
        op.port = port;
        op.peerId = buf;
        op.idOff = o + ilen + 2;
        op.seeder = seeder;
        // A seeder's one download was counted already (in `downloaded`, set below).
        op.completed = seeder;
        op.now = Math.min(seen, opts.now);
        const put = store.announce(op, scratch, NO_PEERS);
        if (put === PUT_TORRENT_LIMIT) {
          full = true;
          result.skipped++;
          continue;
        }
        if (put === PUT_IP_LIMIT) {
          result.skipped++;
          continue;
        }
        kept++;
      }
    }
    if (kept > 0) {
      if (store.setDownloaded(buf, hashOff, downloaded)) result.torrents++;
    } else if (downloaded > 0) {
      idleAt.push(hashOff);
      idleSince.push(Math.min(idle, opts.now));
    }
    result.peers += kept;
  }
  // Array.prototype.sort is stable: equal times keep the file's order.
  const order = idleAt.map((_, i) => i).sort((x, y) => idleSince[x] - idleSince[y]);
  for (const i of order) {
    const at = idleAt[i];
    if (store.keepCount(buf, at, buf.readUInt32LE(at + 20), idleSince[i])) result.countOnly++;
  }
  return result;
}
