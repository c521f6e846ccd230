// All peers of one address family as fixed-size records in one flat array, one slot
// per peer, with an open-addressing index on (torrent, address, port). A record keeps
// together everything an announce touches (owning torrent, last-seen, list position,
// flags, compact address+port, peer_id), so finding and updating a peer costs the
// index probe and one or two cache lines, where an array per field cost one line each.
// No JS object, no string, nothing for the GC to trace.
//
// Record (byte offsets): 0 torrent i32 (-1 = free slot) · 4 last-seen u32 (unix
// seconds) · 8 list position i32 (free slots: next free slot) · 12 flags u8 · 13 unused
// · 14 compact address+port (6 or 18 bytes) · then peer_id (20 bytes). 40 bytes for
// IPv4, 52 for IPv6.

import { grown, i32 } from './big-array.ts';
import { hashBytes } from './hash.ts';
import { EMPTY, IdIndex } from './id-index.ts';

const W_TORRENT = 0;
const W_SEEN = 1;
const W_POS = 2;
const B_FLAGS = 12;
const B_ADDR = 14;

export class PeerArena {
  /** Bytes of the compact form: address + 2-byte port (6 for IPv4, 18 for IPv6). */
  readonly alen: number;
  /** Bytes of the address alone (4 or 16). */
  readonly ilen: number;
  /** Bytes per record (a multiple of 4). */
  readonly rec: number;
  /** Int32 words per record. */
  private readonly words: number;
  /** Offset of the peer_id in a record. */
  private readonly idAt: number;
  cap = 0;
  /** The records as words (torrent, position) … */
  w = i32(0);
  /** … as unsigned words (last-seen) … */
  u = new Uint32Array(this.w.buffer, 0, 0);
  /** … and as bytes (flags, address, peer_id): the same memory. */
  b = new Uint8Array(this.w.buffer, 0, 0);
  count = 0;
  /** Slots [0, high) have been used at least once. */
  high = 0;
  private freeHead = -1;
  private readonly index: IdIndex;
  private readonly homeOf = (s: number): number => {
    const off = s * this.rec + B_ADDR;
    const port = (this.b[off + this.ilen]! << 8) | this.b[off + this.ilen + 1]!;
    return this.hashOf(this.torrentKey(this.w[s * this.words + W_TORRENT]!), this.b, off, port);
  };

  /**
   * @param torrentKey the torrentKey of a torrent id: peers are indexed by (torrent key,
   * address, port), which a request knows before its torrent is found.
   */
  constructor(
    ilen: 4 | 16,
    initial: number,
    private readonly torrentKey: (t: number) => number,
  ) {
    this.ilen = ilen;
    this.alen = ilen + 2;
    this.idAt = B_ADDR + this.alen;
    this.rec = Math.ceil((this.idAt + 20) / 4) * 4;
    this.words = this.rec / 4;
    this.grow(initial);
    this.index = new IdIndex(initial * 1.5);
  }

  // Slots from `high` on are never read before insert() fills them, so growing writes
  // nothing there: the new capacity stays untouched, not resident, until used.
  private grow(cap: number): void {
    this.w = grown(this.w, cap * this.words);
    this.u = new Uint32Array(this.w.buffer, this.w.byteOffset, cap * this.words);
    this.b = new Uint8Array(this.w.buffer, this.w.byteOffset, cap * this.rec);
    this.cap = cap;
  }

  /** Owning torrent of slot s, or -1 for a free slot. */
  torrent(s: number): number {
    return this.w[s * this.words + W_TORRENT]!;
  }

  seen(s: number): number {
    return this.u[s * this.words + W_SEEN]!;
  }

  setSeen(s: number, now: number): void {
    this.u[s * this.words + W_SEEN] = now;
  }

  /** Position in the torrent's list. */
  pos(s: number): number {
    return this.w[s * this.words + W_POS]!;
  }

  setPos(s: number, p: number): void {
    this.w[s * this.words + W_POS] = p;
  }

  flags(s: number): number {
    return this.b[s * this.rec + B_FLAGS]!;
  }

  setFlags(s: number, flags: number): void {
    this.b[s * this.rec + B_FLAGS] = flags;
  }

  /** Offset in `b` of slot s's compact address+port (written as-is into responses). */
  addrOff(s: number): number {
    return s * this.rec + B_ADDR;
  }

  /** Offset in `b` of slot s's peer_id. */
  idOff(s: number): number {
    return s * this.rec + this.idAt;
  }

  private hashOf(tk: number, a: Uint8Array, off: number, port: number): number {
    return hashBytes(a, off, this.ilen, tk ^ Math.imul(port + 1, 0x9e3779b1));
  }

  /**
   * The slot in the home bucket of (torrent key, address, port), or -1: called before
   * the torrent lookup, it sets off this lookup's memory loads (bucket, then record)
   * so they overlap the torrent's instead of following them. A hint for find().
   */
  peek(tk: number, a: Uint8Array, off: number, port: number): number {
    const s = this.index.table[this.index.home(this.hashOf(tk, a, off, port))]!;
    // Reading the record's torrent is the point (it brings the line in); no slot holds -2.
    return s >= 0 && this.w[s * this.words + W_TORRENT] !== -2 ? s : -1;
  }

  /** Whether slot s holds (torrent, address, port). */
  matches(s: number, t: number, a: Uint8Array, off: number, port: number): boolean {
    if (this.w[s * this.words + W_TORRENT] !== t) return false;
    const ilen = this.ilen;
    const b = this.b;
    const base = s * this.rec + B_ADDR;
    if (b[base + ilen] !== port >>> 8 || b[base + ilen + 1] !== (port & 0xff)) return false;
    for (let k = 0; k < ilen; k++) if (b[base + k] !== a[off + k]) return false;
    return true;
  }

  /** Slot of (torrent t with key tk, address, port) or -1. `a` holds the address bytes at `off`. */
  find(t: number, tk: number, a: Uint8Array, off: number, port: number): number {
    const index = this.index;
    const table = index.table;
    let i = index.home(this.hashOf(tk, a, off, port));
    for (;;) {
      const s = table[i]!;
      if (s === EMPTY) return -1;
      if (this.matches(s, t, a, off, port)) return s;
      i = index.next(i);
    }
  }

  /** A new slot holding (torrent, address, port) with flags 0; the caller fills the rest. */
  insert(t: number, tk: number, a: Uint8Array, off: number, port: number): number {
    if (this.index.full(this.count)) this.rehash(this.index.grownSize());
    let s = this.freeHead;
    if (s >= 0) {
      this.freeHead = this.w[s * this.words + W_POS]!;
    } else {
      if (this.high === this.cap) this.grow(this.cap * 2);
      s = this.high++;
    }
    const b = this.b;
    const base = s * this.rec + B_ADDR;
    for (let k = 0; k < this.ilen; k++) b[base + k] = a[off + k]!;
    b[base + this.ilen] = port >>> 8;
    b[base + this.ilen + 1] = port & 0xff;
    b[s * this.rec + B_FLAGS] = 0;
    this.w[s * this.words + W_TORRENT] = t;
    this.index.place(this.hashOf(tk, a, off, port), s);
    this.count++;
    return s;
  }

  /** Free a slot and drop it from the index. */
  release(s: number): void {
    this.index.delete(s, this.homeOf);
    this.w[s * this.words + W_TORRENT] = EMPTY;
    this.b[s * this.rec + B_FLAGS] = 0;
    this.w[s * this.words + W_POS] = this.freeHead;
    this.freeHead = s;
    this.count--;
  }

  private rehash(size: number): void {
    this.index.reset(size);
    for (let s = 0; s < this.high; s++) if (this.torrent(s) >= 0) this.index.place(this.homeOf(s), s);
  }

  clear(): void {
    for (let s = 0; s < this.high; s++) this.w[s * this.words + W_TORRENT] = EMPTY;
    this.index.clear();
    this.count = 0;
    this.high = 0;
    this.freeHead = -1;
  }
}
