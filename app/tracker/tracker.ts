// Protocol-neutral announce and scrape. Frontends parse their wire format into an
// AnnounceRequest, call announce() with a PeerSink that writes their own response
// format, and turn a returned Failure into their error form.

import type { Family } from '../protocol/address.ts';
import {
  type PeerSink,
  PUT_EVICTED,
  PUT_IP_LIMIT,
  PUT_OK,
  PUT_TORRENT_LIMIT,
  type SnapshotVisitor,
  type SwarmCounts,
  type SwarmStore,
} from '../swarm/store.ts';
import {
  FAIL_DENIED,
  FAIL_DOWNLOADED,
  FAIL_EVENT,
  FAIL_INFO_HASH,
  FAIL_LEFT,
  FAIL_NOT_ALLOWED,
  FAIL_NUMWANT,
  FAIL_PEER_ID,
  FAIL_PEERS_PER_IP,
  FAIL_PORT,
  FAIL_RATE,
  FAIL_TORRENT_LIMIT,
  FAIL_UPLOADED,
  type Failure,
} from './failures.ts';
import {
  LIMIT_DENIED,
  LIMIT_NOT_ALLOWED,
  LIMIT_PEERS_PER_IP,
  LIMIT_PEERS_PER_TORRENT,
  LIMIT_RATE,
  LIMIT_TORRENTS,
  type LimitObserver,
  NULL_LIMIT_OBSERVER,
} from './limits.ts';
import type { RateLimiter } from './rate-limit.ts';
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
  /** Hashes refused (deny list); absent or null = none. */
  deny?: HashLookup | null;
  /** When present, the only hashes tracked (allow-list mode). */
  allow?: HashLookup | null;
  /** Per-address announce rate limit; absent or null = off. */
  rate?: RateLimiter | null;
  /** Told about every limit hit (metrics). */
  limits?: LimitObserver;
}

/** Exact info_hash membership (see infohash-list.ts). */
export interface HashLookup {
  has(hash: Uint8Array, off: number): boolean;
}

/** Which peers an answer carries: the requester's family only (UDP) or both (HTTP). */
export const OWN_FAMILY = 0;
export const BOTH_FAMILIES = 1;

export class Tracker {
  private readonly now: () => number;
  private readonly counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  private readonly deny: HashLookup | null;
  private readonly allow: HashLookup | null;
  private readonly rate: RateLimiter | null;
  /** Where limit hits are counted; settable so metrics can be attached after construction. */
  limits: LimitObserver;

  constructor(
    readonly store: SwarmStore,
    private readonly opts: TrackerOptions,
  ) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.deny = opts.deny ?? null;
    this.allow = opts.allow ?? null;
    this.rate = opts.rate ?? null;
    this.limits = opts.limits ?? NULL_LIMIT_OBSERVER;
  }

  /** Whether the deny/allow lists let this info_hash be tracked; a Failure when not. */
  admit(hash: Uint8Array, off: number): Failure | null {
    if (this.deny?.has(hash, off)) {
      this.limits.limitHit(LIMIT_DENIED);
      return FAIL_DENIED;
    }
    if (this.allow !== null && !this.allow.has(hash, off)) {
      this.limits.limitHit(LIMIT_NOT_ALLOWED);
      return FAIL_NOT_ALLOWED;
    }
    return null;
  }

  /**
   * Drop every torrent the lists no longer admit (after a list reload, or a snapshot
   * restore). Walks the whole store once: O(peers), for rare operator actions only.
   * Returns how many torrents were dropped.
   */
  purgeRefused(): number {
    if (this.deny === null && this.allow === null) return 0;
    const refused = (h: Uint8Array, o: number) =>
      this.deny?.has(h, o) === true || (this.allow !== null && !this.allow.has(h, o));
    const hashes: Uint8Array[] = [];
    const visitor: SnapshotVisitor = {
      torrent(hash, off) {
        if (refused(hash, off)) hashes.push(hash.slice(off, off + 20));
      },
      peer() {},
    };
    for (let from = 0; from >= 0; ) from = this.store.visit(from, 4096, visitor);
    // Dropped whole: a refused torrent keeps no count-only record either.
    for (const h of hashes) this.store.drop(h, 0);
    return hashes.length;
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
    // The rate limit comes first: a flood of invalid announces costs its sender tokens too.
    if (this.rate !== null && !this.rate.take(req.family, req.addr)) {
      this.limits.limitHit(LIMIT_RATE);
      return FAIL_RATE;
    }
    const failure = this.validate(req);
    if (failure) return failure;
    // Lists are checked before anything touches the store: refused hashes are never stored.
    const refused = this.admit(req.infoHash, req.hashOff);
    if (refused) return refused;
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
      if (put !== PUT_OK) {
        if (put === PUT_TORRENT_LIMIT) {
          this.limits.limitHit(LIMIT_TORRENTS);
          return FAIL_TORRENT_LIMIT;
        }
        if (put === PUT_IP_LIMIT) {
          this.limits.limitHit(LIMIT_PEERS_PER_IP);
          return FAIL_PEERS_PER_IP;
        }
        if (put === PUT_EVICTED) this.limits.limitHit(LIMIT_PEERS_PER_TORRENT);
      }
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
