// Checks run on every announce before the store is touched, in list order; the first
// Failure refuses the announce. The tracker builds its list from its options
// (rate limit, validation, deny list, allow list); more can be appended.

import { type AnnounceRequest, EVENT_INVALID, INVALID } from '../bittorrent/announce.ts';
import {
  FAIL_DENIED,
  FAIL_DOWNLOADED,
  FAIL_EVENT,
  FAIL_INFO_HASH,
  FAIL_LEFT,
  FAIL_NOT_ALLOWED,
  FAIL_NUMWANT,
  FAIL_PEER_ID,
  FAIL_PORT,
  FAIL_RATE,
  FAIL_UPLOADED,
  type Failure,
} from '../bittorrent/failures.ts';
import {
  LIMIT_DENIED,
  LIMIT_NOT_ALLOWED,
  LIMIT_RATE,
  type LimitKind,
  type LimitObserver,
} from '../bittorrent/limits.ts';
import type { RateLimiter } from './rate-limit.ts';

export interface AnnounceHook {
  /** null lets the announce go on. */
  check(req: AnnounceRequest): Failure | null;
}

/** Exact info_hash membership (see infohash-list.ts). */
export interface HashLookup {
  has(hash: Uint8Array, off: number): boolean;
}

/** Per-address token buckets. First in the list: invalid announces cost their sender too. */
export class RateHook implements AnnounceHook {
  constructor(
    private readonly rate: RateLimiter,
    private readonly limits: LimitObserver,
  ) {}

  check(req: AnnounceRequest): Failure | null {
    if (this.rate.take(req.family, req.addr)) return null;
    this.limits.limitHit(LIMIT_RATE);
    return FAIL_RATE;
  }
}

/** The fields every announce needs, in their valid ranges. */
export class ValidHook implements AnnounceHook {
  check(req: AnnounceRequest): Failure | null {
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
}

/** A deny list refuses the hashes on it; an allow list (allow-list mode) all others. */
export class ListHook implements AnnounceHook {
  private readonly failure: Failure;
  private readonly limit: LimitKind;

  constructor(
    readonly list: HashLookup,
    private readonly allow: boolean,
    private readonly limits: LimitObserver,
  ) {
    this.failure = allow ? FAIL_NOT_ALLOWED : FAIL_DENIED;
    this.limit = allow ? LIMIT_NOT_ALLOWED : LIMIT_DENIED;
  }

  check(req: AnnounceRequest): Failure | null {
    if (this.list.has(req.infoHash, req.hashOff) === this.allow) return null;
    this.limits.limitHit(this.limit);
    return this.failure;
  }
}
