// All peers of one address family as fixed-size records in one flat array, one slot
// per peer, with an open-addressing index on (torrent, address, port). A record keeps
// together everything an announce touches (owning torrent, last-seen, list position,
// flags, compact address+port, peer_id), so finding and updating a peer costs the
// index probe and one or two cache lines, where an array per field cost one line each.
// No JS object, no string, nothing for the GC to trace.
//
// Record (byte offsets): 0 word: torrent in the low 24 bits (0xffffff = free slot),
// flags in the high 8 · 4 list position, 24-bit · 7 last-seen, 24-bit (unix seconds
// modulo 2^24: 194 days, read back against a later clock) · 10 compact address+port
// (6 or 18 bytes) · then peer_id (20 bytes; a free slot keeps its next-free link
// there). 36 bytes for IPv4, 48 for IPv6.

import { hashBytes } from './hash.ts';
import { EMPTY, ID_MASK, IdIndex } from './id-index.ts';
import { HEAP, reviewed, type TableMemory } from './table-memory.ts';

/** Torrent ids fit in 24 bits; this one marks a free slot. */
export const NO_TORRENT = 0xffffff;
/** List positions fit in 24 bits. */
export const MAX_POSITION = 0xffffff;
const SEEN_MASK = 0xffffff;
const B_POS = 4;
const B_SEEN = 7;
const B_ADDR = 10;
/** Buckets peek() looks at for the first entry with the request's home. */
const PEEK_SPAN = 8;

// Header words (shared by every thread using the arena).
const H_CAP = 0;
const H_COUNT = 1;
const H_HIGH = 2;
const H_FREE = 3;
const H_WORDS = 4;

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
  /** Slots the memory holds: this thread's copy of the header's (changes only with the memory). */
  cap = 0;
  /** The records as words (torrent and flags, free links) … */
  w: Int32Array;
  /** … and as bytes (position, last-seen, address, peer_id): the same memory. */
  b: Uint8Array;
  private readonly h: Int32Array;
  private readonly index: IdIndex;
  private readonly homeOf = (s: number): number => {
    const off = s * this.rec + B_ADDR;
    const port = (this.b[off + this.ilen] << 8) | this.b[off + this.ilen + 1];
    return this.hashOf(this.torrentKey(this.w[s * this.words] & NO_TORRENT), this.b, off, port);
  };

  /**
   * @param torrentKey the torrentKey of a torrent id: peers are indexed by (torrent key,
   * address, port), which a request knows before its torrent is found.
   * @param max most peers it must ever hold
   */
  constructor(
    ilen: 4 | 16,
    initial: number,
    private readonly torrentKey: (t: number) => number,
    private readonly mem: TableMemory = HEAP,
    max = 0,
  ) {
    this.ilen = ilen;
    this.alen = ilen + 2;
    this.idAt = B_ADDR + this.alen;
    this.rec = Math.ceil((this.idAt + 20) / 4) * 4;
    this.words = this.rec / 4;
    this.h = mem.ints(H_WORDS);
    let cap = initial;
    while (cap < max) cap *= 2;
    this.w = mem.i32(mem.attached ? this.h[H_CAP] * this.words : 0, cap * this.words);
    this.b = new Uint8Array(this.w.buffer, 0, 0);
    if (!mem.attached) {
      this.grow(initial);
      this.h[H_FREE] = -1;
    }
    this.index = new IdIndex(initial * 1.5, mem, max);
    if (mem.attached) this.refresh();
  }

  /** Views again after another thread grew the arena or its index. */
  refresh(): void {
    this.cap = this.h[H_CAP];
    this.w = reviewed(this.w, this.cap * this.words);
    this.b = new Uint8Array(this.w.buffer, 0, this.cap * this.rec);
    this.index.refresh();
  }

  /** Peers held. */
  get count(): number {
    return this.h[H_COUNT];
  }

  /** Slots [0, high) have been used at least once. */
  get high(): number {
    return this.h[H_HIGH];
  }

  // Slots from `high` on are never read before insert() fills them, so growing writes
  // nothing there: the new capacity stays untouched, not resident, until used.
  private grow(cap: number): void {
    this.w = this.mem.grown(this.w, cap * this.words);
    this.b = new Uint8Array(this.w.buffer, this.w.byteOffset, cap * this.rec);
    this.cap = cap;
    this.h[H_CAP] = cap;
  }

  /** Owning torrent of slot s, or -1 for a free slot. */
  torrent(s: number): number {
    const t = this.w[s * this.words] & NO_TORRENT;
    return t === NO_TORRENT ? -1 : t;
  }

  /**
   * Last-seen of slot s in unix seconds, given a clock at or after every setSeen() of
   * a live slot, by less than 2^24 s (the store's sweep keeps peers far younger).
   */
  seen(s: number, clock: number): number {
    return clock - ((clock - this.u24(s * this.rec + B_SEEN)) & SEEN_MASK);
  }

  setSeen(s: number, now: number): void {
    this.setU24(s * this.rec + B_SEEN, now);
  }

  /** Position in the torrent's list. */
  pos(s: number): number {
    return this.u24(s * this.rec + B_POS);
  }

  setPos(s: number, p: number): void {
    this.setU24(s * this.rec + B_POS, p);
  }

  /** The 24-bit field at byte o (little-endian, on any platform). */
  private u24(o: number): number {
    const b = this.b;
    return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
  }

  /** Store v's low 24 bits at byte o. */
  private setU24(o: number, v: number): void {
    const b = this.b;
    b[o] = v;
    b[o + 1] = v >>> 8;
    b[o + 2] = v >>> 16;
  }

  flags(s: number): number {
    return this.w[s * this.words] >>> 24;
  }

  setFlags(s: number, flags: number): void {
    const i = s * this.words;
    this.w[i] = (this.w[i] & NO_TORRENT) | (flags << 24);
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
    const index = this.index;
    const table = index.table;
    let i = index.home(this.hashOf(tk, a, off, port));
    // The first entry with this home is the likely one; the search stays near home.
    for (let d = 0; d < PEEK_SPAN; d++) {
      const e = table[i];
      if (e === EMPTY) return -1;
      if (index.sameHome(e, d)) {
        const s = e & ID_MASK;
        // Reading the record's torrent is the point (it brings the line in); no slot holds -2.
        return this.w[s * this.words] !== -2 ? s : -1;
      }
      i = index.next(i);
    }
    return -1;
  }

  /** Whether slot s holds (torrent, address, port). */
  matches(s: number, t: number, a: Uint8Array, off: number, port: number): boolean {
    if ((this.w[s * this.words] & NO_TORRENT) !== t) return false;
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
    for (let d = 0; ; d++) {
      const e = table[i];
      if (e === EMPTY) return -1;
      if (index.sameHome(e, d) && this.matches(e & ID_MASK, t, a, off, port)) return e & ID_MASK;
      i = index.next(i);
    }
  }

  /** A new slot holding (torrent, address, port) with flags 0; the caller fills the rest. */
  insert(t: number, tk: number, a: Uint8Array, off: number, port: number): number {
    const h = this.h;
    if (this.index.full(h[H_COUNT])) this.rehash(this.index.grownSize());
    let s = h[H_FREE];
    if (s >= 0) {
      h[H_FREE] = this.w[(s * this.rec + this.idAt) >> 2];
    } else {
      if (h[H_HIGH] === this.cap) this.grow(this.cap * 2);
      s = h[H_HIGH]++;
    }
    const b = this.b;
    const base = s * this.rec + B_ADDR;
    for (let k = 0; k < this.ilen; k++) b[base + k] = a[off + k];
    b[base + this.ilen] = port >>> 8;
    b[base + this.ilen + 1] = port & 0xff;
    this.w[s * this.words] = t;
    this.index.place(this.hashOf(tk, a, off, port), s);
    h[H_COUNT]++;
    return s;
  }

  /** Free a slot and drop it from the index. */
  release(s: number): void {
    this.index.delete(s, this.homeOf);
    this.w[s * this.words] = NO_TORRENT;
    this.w[(s * this.rec + this.idAt) >> 2] = this.h[H_FREE];
    this.h[H_FREE] = s;
    this.h[H_COUNT]--;
  }

  private rehash(size: number): void {
    this.index.reset(size);
    const high = this.high;
    for (let s = 0; s < high; s++) if (this.torrent(s) >= 0) this.index.place(this.homeOf(s), s);
  }

  // As after grow(): slots from `high` on are not read before insert() fills them.
  clear(): void {
    this.index.clear();
    this.h[H_COUNT] = 0;
    this.h[H_HIGH] = 0;
    this.h[H_FREE] = -1;
  }
}
