// The peer store's contract. Request operations (SwarmStore: one announce, a stop, a
// scrape) are what the tracker calls per request; StoreAdmin is the process's own
// upkeep (expiry, snapshots, metrics). The in-memory store (memory-store.ts) answers at
// once and allocates nothing; a networked store answers the request side with promises.
//
// Keys: a torrent is its 20-byte info_hash; a peer is (info_hash, address, port), so a
// peer_id reused from another address never overwrites that address's entry. IPv4 and
// IPv6 peers live in separate lists (`family` 4 or 6).
//
// A torrent that loses its last peer is forgotten unless it has completions; then it is
// kept as a count-only record (no peers, its downloaded count), so scrape's downloaded
// never goes back (BEP 48). Count-only records count toward db.maxTorrents; when the
// table is full, the one idle longest gives way to a new torrent before any is refused.

import type { Family } from '../bittorrent/family.ts';
import type { Later } from '../bittorrent/later.ts';
import type { PeerSink, SwarmCounts } from '../bittorrent/peer-sink.ts';

export const PUT_OK = 0;
/** The torrent is new and db.maxTorrents torrents, none of them count-only, already exist. */
export const PUT_TORRENT_LIMIT = 1;
/** Stored, but the torrent had db.maxPeersPerTorrent peers: the stalest was evicted. */
export const PUT_EVICTED = 2;
/** Refused: the peer is new and its address (/32, /64) already has the per-IP maximum there. */
export const PUT_IP_LIMIT = 3;
export type PutResult = typeof PUT_OK | typeof PUT_TORRENT_LIMIT | typeof PUT_EVICTED | typeof PUT_IP_LIMIT;

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

const EMPTY = new Uint8Array(0);

/**
 * One announcing peer, filled by the caller and reused (nothing is allocated per
 * request). Byte fields are views read at their offsets; a store reads them during the
 * call only, so they may point into request buffers.
 */
export class PeerAnnounce {
  hash: Uint8Array = EMPTY;
  hashOff = 0;
  family: Family = 4;
  /** Address bytes at offset 0 (4 used for IPv4). */
  addr: Uint8Array = EMPTY;
  port = 0;
  peerId: Uint8Array = EMPTY;
  idOff = 0;
  seeder = false;
  /** event=completed: counts one download, once per peer (as does a leecher turning seeder). */
  completed = false;
  /** event=started (for the Redis store's peer-event stream only). */
  started = false;
  /** Unix seconds: the peer's last-seen time. */
  now = 0;
  /** Most peers to send; the sink's room per family caps it further. */
  numwant = 0;
}

export interface SwarmStore {
  /** Whether request operations answer with promises (a networked store). */
  readonly answersLater: boolean;

  /**
   * Insert or refresh the peer, fill `counts` (both families), then send up to
   * op.numwant random peers to `sink`: the peer's own family first, then the other while
   * the sink has room for it (PeerSink.room); never the requester, only leechers to a
   * seeder. A refused peer (PUT_TORRENT_LIMIT, PUT_IP_LIMIT) leaves counts and sink alone.
   * `counts` and `sink` may be written until the answer settles.
   */
  announce(op: PeerAnnounce, counts: SwarmCounts, sink: PeerSink): Later<PutResult>;

  /**
   * Remove the peer (event=stopped), then fill `counts`. Answers whether it existed. A
   * torrent left without peers stays as a count-only record if it has completions and
   * is forgotten otherwise.
   */
  remove(op: PeerAnnounce, counts: SwarmCounts): Later<boolean>;

  /**
   * Seeders and leechers of both families plus the downloaded count (of a count-only record
   * too); zeros if unknown.
   */
  counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): Later<SwarmCounts>;

  /**
   * Why requests fail now (a networked store that cannot reach its server), or null.
   * Absent: never (the in-memory store).
   */
  degraded?(): string | null;
}

/** Upkeep of the process's own store: synchronous, never on a request's path. */
export interface StoreAdmin {
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

/** A store that answers at once (the in-memory one): what snapshots restore into. */
export interface LocalStore extends SwarmStore, StoreAdmin {
  readonly answersLater: false;
  announce(op: PeerAnnounce, counts: SwarmCounts, sink: PeerSink): PutResult;
  remove(op: PeerAnnounce, counts: SwarmCounts): boolean;
  counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): SwarmCounts;
}
