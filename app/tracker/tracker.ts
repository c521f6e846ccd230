// Protocol-neutral announce and scrape, and the tracker's policy: the pre-announce
// hooks (hooks.ts), numwant's default and cap, the announce interval, and which store
// results are failures. Frontends parse their wire format into an AnnounceRequest, pass
// a PeerSink that writes their reply format (saying how much room it has), and turn a
// returned Failure into their error form. With a store that answers later the answer is
// a promise; the in-memory path stays synchronous and allocation-free.

import {
  type AnnounceRequest,
  type AnnounceResult,
  EVENT_COMPLETED,
  EVENT_STARTED,
  EVENT_STOPPED,
  MISSING,
} from '../bittorrent/announce.ts';
import { FAIL_PEERS_PER_IP, FAIL_STORE, FAIL_TORRENT_LIMIT, type Failure } from '../bittorrent/failures.ts';
import { isLater, type Later } from '../bittorrent/later.ts';
import {
  LIMIT_PEERS_PER_IP,
  LIMIT_PEERS_PER_TORRENT,
  LIMIT_TORRENTS,
  type LimitObserver,
  NULL_LIMIT_OBSERVER,
} from '../bittorrent/limits.ts';
import type { PeerSink, SwarmCounts } from '../bittorrent/peer-sink.ts';
import {
  PeerAnnounce,
  PUT_EVICTED,
  PUT_IP_LIMIT,
  PUT_OK,
  PUT_TORRENT_LIMIT,
  type PutResult,
  type SnapshotVisitor,
  type StoreAdmin,
  type SwarmStore,
} from '../swarm/store.ts';
import { type AnnounceHook, type HashLookup, ListHook, RateHook, ValidHook } from './hooks.ts';
import type { RateLimiter } from './rate-limit.ts';

export type { HashLookup } from './hooks.ts';

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
  /** Further checks, run after the lists. */
  hooks?: readonly AnnounceHook[];
}

/** A store that answered with an error (Redis slow, gone or overloaded): retry soon. */
const storeFailed = (): Failure => FAIL_STORE;
const noFailure = (): null => null;

/** What a frontend gets back: a Failure or null (result filled) now, or later. */
export type AnnounceAnswer = Later<Failure | null>;

export class Tracker {
  private readonly now: () => number;
  private readonly hooks: readonly AnnounceHook[];
  private readonly policy: readonly AnnounceHook[];
  private readonly limits: LimitObserver;
  private readonly op = new PeerAnnounce();

  constructor(
    readonly store: SwarmStore & StoreAdmin,
    private readonly opts: TrackerOptions,
  ) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    const limits = opts.limits ?? NULL_LIMIT_OBSERVER;
    this.limits = limits;
    const hooks: AnnounceHook[] = [];
    const lists: AnnounceHook[] = [];
    if (opts.deny) lists.push(new ListHook(opts.deny, false, limits));
    if (opts.allow) lists.push(new ListHook(opts.allow, true, limits));
    const rate = opts.rate ? [new RateHook(opts.rate, limits)] : [];
    this.policy = [...rate, ...lists];
    hooks.push(...rate, new ValidHook(), ...lists);
    if (opts.hooks) hooks.push(...opts.hooks);
    this.hooks = hooks;
  }

  /**
   * The rate limit and the info_hash lists alone (no BEP 3 field checks), for a frontend
   * whose announces are not BEP 3 ones (WebSocket); reads infoHash and the address.
   */
  refusal(req: AnnounceRequest): Failure | null {
    const policy = this.policy;
    for (let i = 0; i < policy.length; i++) {
      const failure = policy[i].check(req);
      if (failure !== null) return failure;
    }
    return null;
  }

  /** Why announces and scrapes fail now (the shared store is unreachable), or null. */
  degraded(): string | null {
    return this.store.degraded?.() ?? null;
  }

  /** Whether the store answers later (then every announce and scrape answer is a promise). */
  get answersLater(): boolean {
    return this.store.answersLater;
  }

  /**
   * Drop every torrent the lists no longer admit (after a list reload, or a snapshot
   * restore). Walks the whole store once: O(peers), for rare operator actions only.
   * Returns how many torrents were dropped.
   */
  purgeRefused(): number {
    const deny = this.opts.deny ?? null;
    const allow = this.opts.allow ?? null;
    if (deny === null && allow === null) return 0;
    const refused = (h: Uint8Array, o: number) =>
      deny?.has(h, o) === true || (allow !== null && !allow.has(h, o));
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

  /**
   * Announce: counts go to `res`, peers to `sink` (up to numwant, within the sink's
   * room). Answers a Failure, or null once `res` is filled; later (a promise) when the
   * store answers later, and then `res` and `sink` are written until it settles.
   */
  announce(req: AnnounceRequest, res: AnnounceResult, sink: PeerSink): AnnounceAnswer {
    const hooks = this.hooks;
    for (let i = 0; i < hooks.length; i++) {
      const failure = hooks[i].check(req);
      if (failure !== null) return failure;
    }
    const { announce, numwant } = this.opts;
    res.interval = announce.base + Math.floor(Math.random() * announce.fuzz);
    res.minInterval = Math.min(announce.min, res.interval);
    const op = this.op;
    op.hash = req.infoHash;
    op.hashOff = req.hashOff;
    op.family = req.family;
    op.addr = req.addr;
    op.port = req.port;
    op.now = this.now();
    op.completed = req.event === EVENT_COMPLETED;
    op.started = req.event === EVENT_STARTED;
    // Set for a stop too: the Redis store's peer events report it.
    op.seeder = req.left === 0 || op.completed;
    if (req.event === EVENT_STOPPED) {
      const removed = this.store.remove(op, res);
      return isLater(removed) ? removed.then(noFailure, storeFailed) : null;
    }
    op.peerId = req.peerId;
    op.idOff = req.idOff;
    op.numwant = req.numwant === MISSING ? numwant.default : Math.min(req.numwant, numwant.limit);
    const put = this.store.announce(op, res, sink);
    return typeof put === 'number' ? this.outcome(put) : put.then(this.settled, storeFailed);
  }

  /** Scrape counts of one info_hash; zeros when unknown. */
  scrape(hash: Uint8Array, off: number, out: SwarmCounts): Later<SwarmCounts> {
    return this.store.counts(hash, off, out);
  }

  private readonly settled = (put: PutResult): Failure | null => this.outcome(put);

  /** The store's verdict as the announce's answer, with the limit hit counted. */
  private outcome(put: PutResult): Failure | null {
    if (put === PUT_OK) return null;
    if (put === PUT_TORRENT_LIMIT) {
      this.limits.limitHit(LIMIT_TORRENTS);
      return FAIL_TORRENT_LIMIT;
    }
    if (put === PUT_IP_LIMIT) {
      this.limits.limitHit(LIMIT_PEERS_PER_IP);
      return FAIL_PEERS_PER_IP;
    }
    if (put === PUT_EVICTED) this.limits.limitHit(LIMIT_PEERS_PER_TORRENT);
    return null;
  }
}
