// The peer store behind one small interface. The in-memory store implements it with
// flat typed arrays (memory-store.ts); a networked store (e.g. Redis, for several
// instances) would implement the same operations. Every method takes plain values and
// reusable sinks instead of per-call objects so the in-memory path allocates nothing.
//
// Keys: a torrent is its 20-byte info_hash; a peer is (info_hash, address, port), so a
// peer_id reused from another address never overwrites that address's entry. IPv4 and
// IPv6 peers live in separate lists (`family` 4 or 6).

import type { Family } from '../bittorrent/family.ts';
import type { PeerSink, SwarmCounts } from '../bittorrent/peer-sink.ts';

export const PUT_OK = 0;
/** The torrent is new and db.maxTorrents torrents already exist. */
export const PUT_TORRENT_LIMIT = 1;
/** Stored, but the torrent had db.maxPeersPerTorrent peers: the stalest was evicted. */
export const PUT_EVICTED = 2;
/** Refused: the peer is new and its address (/32, /64) already has the per-IP maximum there. */
export const PUT_IP_LIMIT = 3;
export type PutResult = typeof PUT_OK | typeof PUT_TORRENT_LIMIT | typeof PUT_EVICTED | typeof PUT_IP_LIMIT;

/** What a snapshot sees of each torrent and peer (see app/persist/). */
export interface SnapshotVisitor {
  torrent(infoHash: Uint8Array, hashOff: number, downloaded: number): void;
  peer(
    family: Family,
    addrPort: Uint8Array,
    addrOff: number,
    peerId: Uint8Array,
    idOff: number,
    seeder: boolean,
    lastSeen: number,
  ): void;
}

/** Live totals. Seeders and leechers are not maintained in the `fast` build (they read 0 there). */
export interface StoreTotals {
  torrents: number;
  peers4: number;
  peers6: number;
  seeders4: number;
  leechers4: number;
  seeders6: number;
  leechers6: number;
}

export interface SwarmStore {
  /**
   * Insert or refresh a peer. `completed` counts one download for the torrent, once per
   * peer (a peer that reports completed twice, or a leecher turning seeder, counts once).
   * `hash`/`addr`/`peerId` are read at the given offsets (views into request buffers).
   */
  put(
    hash: Uint8Array,
    hashOff: number,
    family: Family,
    addr: Uint8Array,
    port: number,
    peerId: Uint8Array,
    idOff: number,
    seeder: boolean,
    completed: boolean,
    now: number,
  ): PutResult;

  /** Remove a peer (event=stopped). Returns whether it existed. */
  remove(hash: Uint8Array, hashOff: number, family: Family, addr: Uint8Array, port: number): boolean;

  /**
   * Send up to `max` random peers of one family to `sink`, never the requester itself
   * (given by addr/port, which may be absent from the store) and, when `forSeeder`, only
   * leechers. Returns how many were sent.
   */
  select(
    hash: Uint8Array,
    hashOff: number,
    family: Family,
    selfAddr: Uint8Array | null,
    selfPort: number,
    forSeeder: boolean,
    max: number,
    sink: PeerSink,
  ): number;

  /** Seeders and leechers of both families plus the downloaded count; zeros if unknown. */
  counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): SwarmCounts;

  /**
   * Set the downloaded count of a torrent that has peers (snapshot restore: peers are
   * put first, since a torrent without peers is not kept). Returns whether it exists.
   */
  setDownloaded(hash: Uint8Array, hashOff: number, downloaded: number): boolean;

  /**
   * Remove peers last seen before `cutoff` (unix seconds), looking at no more than
   * `budget` peer slots, continuing where the previous call stopped. Returns true when
   * the pass over the whole store is complete (the next call starts a new one).
   */
  sweep(cutoff: number, budget: number): boolean;

  /**
   * Visit torrents starting at position `from`, at most `maxTorrents` of them, each with
   * its peers. Returns the position to continue from, or -1 when done. Positions stay
   * valid across calls as long as the caller does not yield to other work in between
   * (snapshots either run in one go or accept that churn between chunks is missed).
   */
  visit(from: number, maxTorrents: number, visitor: SnapshotVisitor): number;

  totals(): StoreTotals;

  /** Unique peer addresses per family; -1 in the `fast` build, which does not count them. */
  uniqueAddresses(): { v4: number; v6: number };

  /** Drop everything. */
  clear(): void;
}
