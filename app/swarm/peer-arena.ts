// All peers of one address family in flat typed arrays, one slot per peer, with an
// open-addressing index on (torrent, address, port). Per IPv4 peer this is 39 bytes
// of fields plus ~8 bytes of index: no JS object, no string, nothing for the GC to trace.

import { grown, i32, u8, u32 } from './big-array.ts';
import { hashBytes } from './hash.ts';
import { EMPTY, IdIndex } from './id-index.ts';

export class PeerArena {
  /** Bytes of the compact form: address + 2-byte port (6 for IPv4, 18 for IPv6). */
  readonly alen: number;
  /** Bytes of the address alone (4 or 16). */
  readonly ilen: number;
  cap = 0;
  /** Compact address+port per slot: written as-is into responses. */
  addr = u8(0);
  peerId = u8(0);
  /** Last announce, unix seconds. */
  seen = u32(0);
  /** Owning torrent id, or -1 for a free slot. */
  torrent = i32(0);
  /** Position in the torrent's list; for free slots, the next free slot. */
  pos = i32(0);
  /** Bit 0: seeder. Bit 1: its completion has been counted. */
  flags = u8(0);
  count = 0;
  /** Slots [0, high) have been used at least once. */
  high = 0;
  private freeHead = -1;
  private readonly index: IdIndex;
  private readonly homeOf = (s: number): number => {
    const off = s * this.alen;
    const port = (this.addr[off + this.ilen]! << 8) | this.addr[off + this.ilen + 1]!;
    return this.hashOf(this.torrent[s]!, this.addr, off, port);
  };

  constructor(ilen: 4 | 16, initial = 1024) {
    this.ilen = ilen;
    this.alen = ilen + 2;
    this.grow(initial);
    this.index = new IdIndex(initial * 1.5);
  }

  private grow(cap: number): void {
    const old = this.cap;
    this.addr = grown(this.addr, cap * this.alen);
    this.peerId = grown(this.peerId, cap * 20);
    this.seen = grown(this.seen, cap);
    this.torrent = grown(this.torrent, cap);
    this.torrent.fill(EMPTY, old);
    this.pos = grown(this.pos, cap);
    this.flags = grown(this.flags, cap);
    this.cap = cap;
  }

  private hashOf(t: number, a: Uint8Array, off: number, port: number): number {
    return hashBytes(a, off, this.ilen, Math.imul(t, 0x9e3779b1) ^ port);
  }

  /** Whether slot s holds (torrent, address, port). */
  matches(s: number, t: number, a: Uint8Array, off: number, port: number): boolean {
    if (this.torrent[s] !== t) return false;
    const ilen = this.ilen;
    const addr = this.addr;
    const base = s * this.alen;
    if (addr[base + ilen] !== port >>> 8 || addr[base + ilen + 1] !== (port & 0xff)) return false;
    for (let k = 0; k < ilen; k++) if (addr[base + k] !== a[off + k]) return false;
    return true;
  }

  /** Slot of (torrent, address, port) or -1. `a` holds the address bytes at `off`. */
  find(t: number, a: Uint8Array, off: number, port: number): number {
    const index = this.index;
    const table = index.table;
    let i = index.home(this.hashOf(t, a, off, port));
    for (;;) {
      const s = table[i]!;
      if (s === EMPTY) return -1;
      if (this.matches(s, t, a, off, port)) return s;
      i = index.next(i);
    }
  }

  /** A new slot holding (torrent, address, port); the caller fills the other fields. */
  insert(t: number, a: Uint8Array, off: number, port: number): number {
    if (this.index.full(this.count)) this.rehash(this.index.grownSize());
    let s = this.freeHead;
    if (s >= 0) {
      this.freeHead = this.pos[s]!;
    } else {
      if (this.high === this.cap) this.grow(this.cap * 2);
      s = this.high++;
    }
    const base = s * this.alen;
    for (let k = 0; k < this.ilen; k++) this.addr[base + k] = a[off + k]!;
    this.addr[base + this.ilen] = port >>> 8;
    this.addr[base + this.ilen + 1] = port & 0xff;
    this.torrent[s] = t;
    this.index.place(this.hashOf(t, a, off, port), s);
    this.count++;
    return s;
  }

  /** Free a slot and drop it from the index. */
  release(s: number): void {
    this.index.delete(s, this.homeOf);
    this.torrent[s] = EMPTY;
    this.flags[s] = 0;
    this.pos[s] = this.freeHead;
    this.freeHead = s;
    this.count--;
  }

  private rehash(size: number): void {
    this.index.reset(size);
    for (let s = 0; s < this.high; s++) if (this.torrent[s]! >= 0) this.index.place(this.homeOf(s), s);
  }

  clear(): void {
    this.torrent.fill(EMPTY);
    this.index.clear();
    this.count = 0;
    this.high = 0;
    this.freeHead = -1;
  }
}
