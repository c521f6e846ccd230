// Per-address announce rate limiting: one token bucket per IPv4 address (/32) or IPv6
// /64 (one subscriber's usual allocation, so rotating addresses inside it gains
// nothing). Buckets live in a fixed-size, 8-way set-associative table of typed arrays:
// memory is fixed at start (~25 bytes a slot), a check touches one cache-friendly set
// and allocates nothing, and a new address takes an empty way of its set or evicts the
// way used longest ago. An evicted address starts over with a full bucket, so eviction
// can only ever let an announce through, never refuse a legitimate one.
//
// Sets are chosen by the keyed hash of app/swarm/hash.ts, so an attacker cannot aim a
// flood of addresses at one set to push a victim out.
//
// With worker threads the table lives in one SharedArrayBuffer that every worker's
// limiter views, so the limit holds for the tracker as a whole. Updates take no lock: two
// workers racing on one slot can lose a token's decrement or see a half-written key (a
// new full bucket), so a race only ever lets an announce through, as eviction does.

import type { Family } from '../bittorrent/family.ts';
import { fmix, mix, SEED_B, word } from '../swarm/hash.ts';

export interface RateLimitOptions {
  /** Tokens added per second (announces per second per address); > 0. */
  rate: number;
  /** Bucket size: announces allowed at once after a quiet spell; >= 1. */
  burst: number;
  /** Table slots, rounded up to a power of two (at least 8). */
  slots: number;
  /** Clock in milliseconds (tests pass their own). */
  now?: () => number;
  /** The table's memory (tableBytes(slots) bytes), shared by every worker's limiter. */
  buffer?: SharedArrayBuffer;
}

const WAYS = 8;
/** Bytes per slot: tokens and stamp (f64), two key words (i32), the family (u8). */
const SLOT_BYTES = 8 + 8 + 4 + 4 + 1;

/** Table slots for a requested size: a power of two, at least one set. */
function slotsFor(requested: number): number {
  let slots = WAYS;
  while (slots < requested) slots *= 2;
  return slots;
}

/** Bytes of the table for `requested` slots (the size of RateLimitOptions.buffer). */
export function tableBytes(requested: number): number {
  return slotsFor(requested) * SLOT_BYTES;
}

export class RateLimiter {
  /** 0 = empty slot, else the key's family (4 or 6). */
  private readonly fam: Uint8Array;
  private readonly key0: Int32Array;
  private readonly key1: Int32Array;
  private readonly tokens: Float64Array;
  /** When the bucket was last refilled (ms). */
  private readonly stamp: Float64Array;
  private readonly setMask: number;
  private readonly perMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  /** Slots in use. */
  size = 0;
  /** Buckets dropped to make room for a new address. */
  evictions = 0;

  constructor(opts: RateLimitOptions) {
    if (!(opts.rate > 0)) throw new RangeError('rate must be positive');
    const slots = slotsFor(opts.slots);
    const buffer = opts.buffer ?? new ArrayBuffer(slots * SLOT_BYTES);
    if (buffer.byteLength !== slots * SLOT_BYTES) throw new RangeError('rate table buffer of the wrong size');
    // Widest elements first, so every view is aligned.
    this.tokens = new Float64Array(buffer, 0, slots);
    this.stamp = new Float64Array(buffer, slots * 8, slots);
    this.key0 = new Int32Array(buffer, slots * 16, slots);
    this.key1 = new Int32Array(buffer, slots * 20, slots);
    this.fam = new Uint8Array(buffer, slots * 24, slots);
    this.setMask = slots / WAYS - 1;
    this.perMs = opts.rate / 1000;
    this.burst = Math.max(1, opts.burst);
    this.now = opts.now ?? Date.now;
  }

  /** Bytes held by the table (fixed at construction). */
  get bytes(): number {
    return this.fam.length * SLOT_BYTES;
  }

  /** Take one token for this address. False when its bucket is empty (over the limit). */
  take(family: Family, addr: Uint8Array): boolean {
    const k0 = word(addr, 0);
    const k1 = family === 4 ? 0 : word(addr, 4);
    const base = (fmix(mix(mix(SEED_B ^ family, k0), k1)) & this.setMask) * WAYS;
    const now = this.now();
    const fam = this.fam;
    const stamp = this.stamp;
    let victim = base;
    for (let i = base; i < base + WAYS; i++) {
      const f = fam[i];
      if (f === 0) {
        // Ways fill in order and are replaced in place, so no key lives past an empty one.
        fam[i] = family;
        this.key0[i] = k0;
        this.key1[i] = k1;
        this.tokens[i] = this.burst - 1;
        stamp[i] = now;
        this.size++;
        return true;
      }
      if (f === family && this.key0[i] === k0 && this.key1[i] === k1) {
        let t = this.tokens[i] + (now - stamp[i]) * this.perMs;
        if (t > this.burst) t = this.burst;
        stamp[i] = now;
        if (t < 1) {
          this.tokens[i] = t;
          return false;
        }
        this.tokens[i] = t - 1;
        return true;
      }
      if (stamp[i] < stamp[victim]) victim = i;
    }
    fam[victim] = family;
    this.key0[victim] = k0;
    this.key1[victim] = k1;
    this.tokens[victim] = this.burst - 1;
    stamp[victim] = now;
    this.evictions++;
    return true;
  }

  clear(): void {
    this.fam.fill(0);
    this.size = 0;
  }
}
