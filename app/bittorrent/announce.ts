// Announce input shared by every frontend. One instance is reused per server: the
// parsers fill it in place (views into the request's bytes), so nothing is allocated.

import type { Family } from './family.ts';

export const EVENT_NONE = 0;
export const EVENT_COMPLETED = 1;
export const EVENT_STARTED = 2;
export const EVENT_STOPPED = 3;
export const EVENT_PAUSED = 4;
/** The event parameter held something else. */
export const EVENT_INVALID = -1;
export type AnnounceEvent = -1 | 0 | 1 | 2 | 3 | 4;

/** Numeric fields: MISSING when absent, INVALID when not a non-negative integer. */
export const MISSING = -2;
export const INVALID = -1;

export class AnnounceRequest {
  infoHash: Uint8Array = EMPTY;
  hashOff = 0;
  hashLen = 0;
  peerId: Uint8Array = EMPTY;
  idOff = 0;
  idLen = 0;
  /** Address bytes of the announcing peer (4 used for IPv4), from the connection, never the packet. */
  readonly addr = new Uint8Array(16);
  family: Family = 4;
  port = MISSING;
  uploaded = MISSING;
  downloaded = MISSING;
  left = MISSING;
  numwant = MISSING;
  event: AnnounceEvent = EVENT_NONE;
  /**
   * BEP 41 URL data of a UDP announce (the path and query of the announce URL, e.g. a
   * passkey), bytes [0, urlLen) of urlData; empty for HTTP.
   */
  urlData: Uint8Array = EMPTY;
  urlLen = 0;

  reset(): this {
    this.infoHash = EMPTY;
    this.hashOff = 0;
    this.hashLen = 0;
    this.peerId = EMPTY;
    this.idOff = 0;
    this.idLen = 0;
    this.port = MISSING;
    this.uploaded = MISSING;
    this.downloaded = MISSING;
    this.left = MISSING;
    this.numwant = MISSING;
    this.event = EVENT_NONE;
    this.urlData = EMPTY;
    this.urlLen = 0;
    return this;
  }
}

const EMPTY = new Uint8Array(0);

/** What the tracker answers, filled in place. */
export class AnnounceResult {
  interval = 0;
  minInterval = 0;
  seeders = 0;
  leechers = 0;
  downloaded = 0;
}
