// Protocol-neutral announce and scrape. Frontends parse their wire format into an
// AnnounceRequest, call announce() with a PeerSink that writes their own response
// format, and turn a returned Failure into their error form.

import type { Family } from '../protocol/address.ts';
import { type PeerSink, PUT_TORRENT_LIMIT, type SwarmCounts, type SwarmStore } from '../swarm/store.ts';
import {
  FAIL_DOWNLOADED,
  FAIL_EVENT,
  FAIL_INFO_HASH,
  FAIL_LEFT,
  FAIL_NUMWANT,
  FAIL_PEER_ID,
  FAIL_PORT,
  FAIL_TORRENT_LIMIT,
  FAIL_UPLOADED,
  type Failure,
} from './failures.ts';
import {
  type AnnounceRequest,
  type AnnounceResult,
  EVENT_COMPLETED,
  EVENT_INVALID,
  EVENT_STOPPED,
  INVALID,
  MISSING,
} from './request.ts';

export interface TrackerOptions {
  /** Seconds. interval = base + random[0, fuzz). */
  announce: { base: number; fuzz: number; min: number };
  numwant: { default: number; limit: number };
  /** Current unix time in seconds. */
  now?: () => number;
}

/** Which peers an answer carries: the requester's family only (UDP) or both (HTTP). */
export const OWN_FAMILY = 0;
export const BOTH_FAMILIES = 1;

export class Tracker {
  private readonly now: () => number;
  private readonly counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };

  constructor(
    readonly store: SwarmStore,
    private readonly opts: TrackerOptions,
  ) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  validate(req: AnnounceRequest): Failure | null {
    if (req.hashLen !== 20) return FAIL_INFO_HASH;
    if (req.idLen !== 20) return FAIL_PEER_ID;
    if (req.port < 1 || req.port > 65535) return FAIL_PORT;
    if (req.uploaded === INVALID) return FAIL_UPLOADED;
    if (req.downloaded === INVALID) return FAIL_DOWNLOADED;
    if (req.left === INVALID) return FAIL_LEFT;
    if (req.numwant === INVALID) return FAIL_NUMWANT;
    if (req.event === EVENT_INVALID) return FAIL_EVENT;
    return null;
  }

  /** Announce; peers go to `sink`. Returns a Failure, or null with `res` filled. */
  announce(req: AnnounceRequest, res: AnnounceResult, families: number, sink: PeerSink): Failure | null {
    const failure = this.validate(req);
    if (failure) return failure;
    const store = this.store;
    const stopped = req.event === EVENT_STOPPED;
    const seeder = req.left === 0 || req.event === EVENT_COMPLETED;
    if (stopped) {
      store.remove(req.infoHash, req.hashOff, req.family, req.addr, req.port);
    } else {
      const put = store.put(
        req.infoHash,
        req.hashOff,
        req.family,
        req.addr,
        req.port,
        req.peerId,
        req.idOff,
        seeder,
        req.event === EVENT_COMPLETED,
        this.now(),
      );
      if (put === PUT_TORRENT_LIMIT) return FAIL_TORRENT_LIMIT;
    }

    const { announce, numwant } = this.opts;
    res.interval = announce.base + Math.floor(Math.random() * announce.fuzz);
    res.minInterval = Math.min(announce.min, res.interval);
    const c = store.counts(req.infoHash, req.hashOff, this.counts);
    res.seeders = c.seeders;
    res.leechers = c.leechers;
    res.downloaded = c.downloaded;
    if (stopped) return null;

    const wanted = req.numwant === MISSING ? numwant.default : Math.min(req.numwant, numwant.limit);
    const sent = store.select(
      req.infoHash,
      req.hashOff,
      req.family,
      req.addr,
      req.port,
      seeder,
      wanted,
      sink,
    );
    if (families === BOTH_FAMILIES && sent < wanted) {
      const other: Family = req.family === 4 ? 6 : 4;
      store.select(req.infoHash, req.hashOff, other, null, 0, seeder, wanted - sent, sink);
    }
    return null;
  }

  /** Scrape counts of one info_hash; zeros when unknown. */
  scrape(hash: Uint8Array, off: number, out: SwarmCounts): SwarmCounts {
    return this.store.counts(hash, off, out);
  }
}
