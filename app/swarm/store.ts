// The peer store behind one small interface. The in-memory store implements it with
// flat typed arrays (memory-store.ts); a networked store (e.g. Redis, for several
// instances) would implement the same operations. Every method takes plain values and
// reusable sinks instead of per-call objects so the in-memory path allocates nothing.
//
// Keys: a torrent is its 20-byte info_hash; a peer is (info_hash, address, port), so a
// peer_id reused from another address never overwrites that address's entry. IPv4 and
// IPv6 peers live in separate lists (`family` 4 or 6).
//
// A torrent that loses its last peer is forgotten unless it has completions; then it is
// kept as a count-only record (no peers, its downloaded count), so scrape's downloaded
// never goes back (BEP 48). Count-only records count toward db.maxTorrents; when the
// table is full, the one idle longest gives way to a new torrent before any is refused.

import type { Family } from '../protocol/address.ts';

export const PUT_OK = 0;
/** The torrent is new and db.maxTorrents torrents, none of them count-only, already exist. */
export const PUT_TORRENT_LIMIT = 1;
/** Stored, but the torrent had db.maxPeersPerTorrent peers: the stalest was evicted. */
export const PUT_EVICTED = 2;
/** Refused: the peer is new and its address (/32, /64) already has the per-IP maximum there. */
export const PUT_IP_LIMIT = 3;
export type PutResult = typeof PUT_OK | typeof PUT_TORRENT_LIMIT | typeof PUT_EVICTED | typeof PUT_IP_LIMIT;

/** Receives selected peers. `addrPort` holds the compact form (address + port, big-endian). */
export interface PeerSink {
  peer(family: Family, addrPort: Uint8Array, addrOff: number, peerId: Uint8Array, idOff: number): void;
  /**
   * Compact fast path, per family: when set, the store copies each selected entry (6 or
   * 18 bytes) to `buf` at `pos` itself, advancing `pos` and stopping at `end`, instead
   * of calling peer() — a byte loop instead of a call per peer.
   */
  readonly compact4: CompactOut | null;
  readonly compact6: CompactOut | null;
}

/** Where compact entries of one family are written back to back. */
export interface CompactOut {
  buf: Uint8Array;
  pos: number;
  end: number;
}

/** Scrape counts, filled in place. */
export interface SwarmCounts {
  seeders: number;
  leechers: number;
  downloaded: number;
}

/** What a snapshot sees of each torrent and peer (see app/persist/). */
export interface SnapshotVisitor {
  /**
   * `idleSince`: for a count-only record (no peers follow), unix seconds since it has had
   * no peer; 0 for a torrent with peers.
   */
  torrent(infoHash: Uint8Array, hashOff: number, downloaded: number, idleSince: number): void;
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
  /** Torrents with peers. */
  torrents: number;
  /** Count-only records (no peers, kept for their downloaded count). */
  countOnly: number;
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

  /**
   * Remove a peer (event=stopped). Returns whether it existed. A torrent left without
   * peers stays as a count-only record if it has completions and is forgotten otherwise.
   */
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

  /**
   * Seeders and leechers of both families plus the downloaded count (of a count-only record
   * too); zeros if unknown.
   */
  counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): SwarmCounts;

  /**
   * Set the downloaded count of a known torrent or count-only record (snapshot restore:
   * peers are put first, then their torrent's saved count). Returns whether it exists.
   */
  setDownloaded(hash: Uint8Array, hashOff: number, downloaded: number): boolean;

  /**
   * Keep a count-only record idle since `idleSince` (unix seconds), the newest in idle
   * order (snapshot restore, oldest first). A known torrent's count is raised to
   * `downloaded` if lower instead. Returns false, changing nothing, when `downloaded` is 0
   * or the table is full of torrents with peers.
   */
  keepCount(hash: Uint8Array, hashOff: number, downloaded: number, idleSince: number): boolean;

  /** Forget a torrent, peers and count (one the info_hash lists refuse). Returns whether it existed. */
  drop(hash: Uint8Array, hashOff: number): boolean;

  /**
   * Remove peers last seen before `cutoff` (unix seconds), looking at no more than
   * `budget` peer slots, continuing where the previous call stopped; a torrent emptied
   * so goes as after remove(). Returns true when the pass over the whole store is
   * complete (the next call starts a new one).
   */
  sweep(cutoff: number, budget: number): boolean;

  /**
   * Visit torrents and count-only records starting at position `from`, at most
   * `maxTorrents` of them, each with its peers. Returns the position to continue from,
   * or -1 when done. Positions stay valid across calls as long as the caller does not
   * yield to other work in between (snapshots either run in one go or accept that churn
   * between chunks is missed).
   */
  visit(from: number, maxTorrents: number, visitor: SnapshotVisitor): number;

  totals(): StoreTotals;

  /** Unique peer addresses per family; -1 in the `fast` build, which does not count them. */
  uniqueAddresses(): { v4: number; v6: number };

  /** Drop everything. */
  clear(): void;
}
