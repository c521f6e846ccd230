// Requests and results of the Redis swarm, shaped like what the tracker hands a store
// and reads back. Buffers are read at the given offsets while the call encodes the
// request, so the caller may reuse them as soon as announce()/remove()/scrape() returns.

export type RedisFamily = 4 | 6;

/** Same codes as the in-memory store's put(). */
export const ANNOUNCE_OK = 0;
export const ANNOUNCE_TORRENT_LIMIT = 1;
export const ANNOUNCE_EVICTED = 2;
export const ANNOUNCE_IP_LIMIT = 3;

/** The `event` of an announce, as the peer-event stream spells it. */
export const EVENT_NONE = 0;
export const EVENT_STARTED = 1;
export const EVENT_COMPLETED = 2;
export const EVENT_STOPPED = 3;
export type PeerEvent =
  | typeof EVENT_NONE
  | typeof EVENT_STARTED
  | typeof EVENT_COMPLETED
  | typeof EVENT_STOPPED;

export interface RedisAnnounceRequest {
  infoHash: Uint8Array;
  hashOff: number;
  family: RedisFamily;
  /** 4 or 16 bytes at addrOff. */
  addr: Uint8Array;
  addrOff: number;
  port: number;
  peerId: Uint8Array;
  idOff: number;
  seeder: boolean;
  completed: boolean;
  /** For the event stream only; `stopped` goes to remove(). */
  event: PeerEvent;
  numwant: number;
  /** Unix seconds. */
  now: number;
  /**
   * Peers of the other family: up to `want` (the numwant `numwant` was capped from)
   * minus those of the own family sent, within `otherRoom`. Absent = none.
   */
  want?: number;
  otherRoom?: number;
  /** Return the peer ids of the peers sent (non-compact replies). */
  withIds?: boolean;
}

/** Compact peers are copied to buf[pos…end), whole entries only, pos advanced. */
export interface RedisAnnounceResult {
  code: number;
  seeders: number;
  leechers: number;
  downloaded: number;
  buf: Uint8Array;
  pos: number;
  end: number;
  /** Entries written by the last announce. */
  peers: number;
  /** The reply as Redis sent it: own-family entries, other-family ones, and their peer ids. */
  own?: Buffer;
  others?: Buffer;
  ids?: Buffer;
}

export interface RedisRemoveResult {
  existed: boolean;
  seeders: number;
  leechers: number;
  downloaded: number;
}

export interface RedisScrapeCounts {
  seeders: number;
  leechers: number;
  downloaded: number;
}
