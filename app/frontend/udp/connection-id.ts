// Stateless UDP connection ids (BEP 15). A connection id proves that the sender can
// receive at its source address, so spoofed announces and reflection attacks fail. It
// is not stored anywhere: it is a keyed hash of (address, time bucket), so a connect
// flood costs no memory and checking an id is one SipHash-2-4 over 22 bytes. The port
// is left out, as opentracker and aquatic do: a client may announce from another socket
// than it connected from (libtorrent shares one id per tracker across its sessions) and
// NATs rebind ports, while the address alone is what the anti-spoofing check needs.
//
// Layout (8 bytes): [0] low 8 bits of the time bucket, [1..8) the first 7 bytes of
// SipHash(secret, address as 16 bytes (IPv4 mapped) · full bucket number).
// Time is cut into 32 buckets per expiry; an id is accepted while the current bucket is
// at most 32 buckets after its own, so it lives between `expiry` and expiry + 1/32.
// The embedded bucket byte tells which bucket to hash, so a check hashes once, and
// an id older than that, or more than one bucket ahead, is refused before any hashing.
// 56 bits of tag leave a blind forger one chance in 2^56 per packet. The secret is the caller's: with a random one
// per process a restart invalidates ids, and clients answer `bad connection id` by
// reconnecting; processes given the same secret accept each other's ids.

import type { Family } from '../../bittorrent/family.ts';
import { SipHash24 } from './siphash.ts';

export interface ConnectionIdOptions {
  /** Seconds an id stays valid at least (udp.connections.expiry). */
  expiry: number;
  /**
   * Clock in milliseconds, read on every issue and check (tests). Without it the
   * current bucket is kept by a timer instead: reading a clock returns a fresh heap
   * number each time, and this runs for every packet.
   */
  now?: () => number;
  /** 16-byte SipHash key. */
  secret: Uint8Array;
}

const BUCKETS_PER_EXPIRY = 32;
/** Hashed message: 16 address bytes, 6 bucket bytes. */
const MSG_LEN = 22;

export class ConnectionIds {
  /** Length of one time bucket in ms. */
  readonly bucketMs: number;
  /** Oldest accepted bucket age. */
  readonly maxAge: number;
  private readonly sip: SipHash24;
  private readonly now: (() => number) | null;
  private readonly timer: NodeJS.Timeout | null;
  private current = 0;
  private readonly msg = new Uint8Array(MSG_LEN);
  private readonly tag = new Uint8Array(8);

  constructor(opts: ConnectionIdOptions) {
    const expiryMs = opts.expiry * 1000;
    if (!(expiryMs > 0)) throw new RangeError('connection id expiry must be positive');
    this.bucketMs = Math.max(1, Math.ceil(expiryMs / BUCKETS_PER_EXPIRY));
    this.maxAge = Math.ceil(expiryMs / this.bucketMs);
    this.sip = new SipHash24(opts.secret);
    this.now = opts.now ?? null;
    if (this.now !== null) {
      this.timer = null;
    } else {
      this.current = Math.floor(Date.now() / this.bucketMs);
      // Refreshed 8 times per bucket, so a bucket starts at most 1/8 of it late.
      this.timer = setInterval(
        () => {
          this.current = Math.floor(Date.now() / this.bucketMs);
        },
        Math.max(5, Math.floor(this.bucketMs / 8)),
      );
      this.timer.unref();
    }
  }

  /** Stop the bucket timer. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  private bucket(): number {
    return this.now === null ? this.current : Math.floor(this.now() / this.bucketMs);
  }

  /** Write the id of `addr` at out[at, at + 8). `addr` holds 4 or 16 bytes at 0. */
  issue(out: Uint8Array, at: number, addr: Uint8Array, family: Family): void {
    const bucket = this.bucket();
    this.sign(addr, family, bucket);
    out[at] = bucket & 0xff;
    const tag = this.tag;
    for (let k = 0; k < 7; k++) out[at + 1 + k] = tag[k];
  }

  /** Whether id[at, at + 8) was issued to `addr` and has not expired. */
  check(id: Uint8Array, at: number, addr: Uint8Array, family: Family): boolean {
    const bucket = this.bucket();
    const age = (bucket - id[at]) & 0xff;
    // One bucket ahead (age 255) is accepted: another instance sharing the secret may have
    // ticked into the next bucket first, its timer and clock being its own.
    if (age > this.maxAge && age !== 0xff) return false;
    this.sign(addr, family, age === 0xff ? bucket + 1 : bucket - age);
    const tag = this.tag;
    let diff = 0;
    for (let k = 0; k < 7; k++) diff |= tag[k] ^ id[at + 1 + k];
    return diff === 0;
  }

  private sign(addr: Uint8Array, family: Family, bucket: number): void {
    const m = this.msg;
    if (family === 4) {
      for (let k = 0; k < 10; k++) m[k] = 0;
      m[10] = 0xff;
      m[11] = 0xff;
      m[12] = addr[0];
      m[13] = addr[1];
      m[14] = addr[2];
      m[15] = addr[3];
    } else {
      for (let k = 0; k < 16; k++) m[k] = addr[k];
    }
    // The bucket number needs up to 48 bits (ms clock / 1 ms buckets).
    const hi = Math.floor(bucket / 0x100000000);
    const lo = bucket >>> 0;
    m[16] = hi >>> 8;
    m[17] = hi;
    m[18] = lo >>> 24;
    m[19] = lo >>> 16;
    m[20] = lo >>> 8;
    m[21] = lo;
    this.sip.hash(m, 0, MSG_LEN, this.tag, 0);
  }
}
