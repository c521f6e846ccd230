// All peers of one address family in flat typed arrays, one slot per peer, with an
// open-addressing index on (torrent, address, port). Per IPv4 peer this is 39 bytes
// of fields plus ~8 bytes of index: no JS object, no string, nothing for the GC to trace.

import { hashBytes } from './hash.ts';

const EMPTY = -1;

export class PeerArena {
  /** Bytes of the compact form: address + 2-byte port (6 for IPv4, 18 for IPv6). */
  readonly alen: number;
  /** Bytes of the address alone (4 or 16). */
  readonly ilen: number;
  cap = 0;
  /** Compact address+port per slot: written as-is into responses. */
  addr = new Uint8Array(0);
  peerId = new Uint8Array(0);
  /** Last announce, unix seconds. */
  seen = new Uint32Array(0);
  /** Owning torrent id, or -1 for a free slot. */
  torrent = new Int32Array(0);
  /** Position in the torrent's list; for free slots, the next free slot. */
  pos = new Int32Array(0);
  /** Bit 0: seeder. Bit 1: its completion has been counted. */
  flags = new Uint8Array(0);
  count = 0;
  /** Slots [0, high) have been used at least once. */
  high = 0;
  private freeHead = -1;
  private index = new Int32Array(0);
  private mask = 0;

  constructor(ilen: 4 | 16, initial = 1024) {
    this.ilen = ilen;
    this.alen = ilen + 2;
    this.grow(initial);
    this.resizeIndex(initial * 2);
  }

  private grow(cap: number): void {
    const copy = <T extends Uint8Array | Uint32Array | Int32Array>(
      old: T,
      make: (n: number) => T,
      w: number,
    ) => {
      const next = make(cap * w);
      next.set(old as never);
      return next;
    };
    this.addr = copy(this.addr, (n) => new Uint8Array(n), this.alen);
    this.peerId = copy(this.peerId, (n) => new Uint8Array(n), 20);
    this.seen = copy(this.seen, (n) => new Uint32Array(n), 1);
    const torrent = new Int32Array(cap).fill(EMPTY);
    torrent.set(this.torrent);
    this.torrent = torrent;
    this.pos = copy(this.pos, (n) => new Int32Array(n), 1);
    this.flags = copy(this.flags, (n) => new Uint8Array(n), 1);
    this.cap = cap;
  }

  private hashOf(t: number, a: Uint8Array, off: number, port: number): number {
    return hashBytes(a, off, this.ilen, Math.imul(t, 0x9e3779b1) ^ port);
  }

  private home(slot: number): number {
    const off = slot * this.alen;
    const port = (this.addr[off + this.ilen]! << 8) | this.addr[off + this.ilen + 1]!;
    return this.hashOf(this.torrent[slot]!, this.addr, off, port) & this.mask;
  }

  private resizeIndex(size: number): void {
    this.index = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (let s = 0; s < this.high; s++) {
      if (this.torrent[s]! < 0) continue;
      let i = this.home(s);
      while (this.index[i] !== EMPTY) i = (i + 1) & this.mask;
      this.index[i] = s;
    }
  }

  /** Slot of (torrent, address, port) or -1. `a` holds the address bytes at `off`. */
  find(t: number, a: Uint8Array, off: number, port: number): number {
    const ilen = this.ilen;
    const alen = this.alen;
    const addr = this.addr;
    let i = this.hashOf(t, a, off, port) & this.mask;
    for (;;) {
      const s = this.index[i]!;
      if (s === EMPTY) return -1;
      if (this.torrent[s] === t) {
        const base = s * alen;
        if (addr[base + ilen] === port >>> 8 && addr[base + ilen + 1] === (port & 0xff)) {
          let k = 0;
          while (k < ilen && addr[base + k] === a[off + k]) k++;
          if (k === ilen) return s;
        }
      }
      i = (i + 1) & this.mask;
    }
  }

  /** A new slot holding (torrent, address, port); the caller fills the other fields. */
  insert(t: number, a: Uint8Array, off: number, port: number): number {
    if ((this.count + 1) * 4 > this.index.length * 3) this.resizeIndex(this.index.length * 2);
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
    let i = this.hashOf(t, a, off, port) & this.mask;
    while (this.index[i] !== EMPTY) i = (i + 1) & this.mask;
    this.index[i] = s;
    this.count++;
    return s;
  }

  /** Free a slot and drop it from the index (backward-shift deletion, no tombstones). */
  release(s: number): void {
    let i = this.home(s);
    while (this.index[i] !== s) i = (i + 1) & this.mask;
    const mask = this.mask;
    for (let j = (i + 1) & mask; this.index[j] !== EMPTY; j = (j + 1) & mask) {
      const k = this.home(this.index[j]!);
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        this.index[i] = this.index[j]!;
        i = j;
      }
    }
    this.index[i] = EMPTY;
    this.torrent[s] = EMPTY;
    this.flags[s] = 0;
    this.pos[s] = this.freeHead;
    this.freeHead = s;
    this.count--;
  }

  clear(): void {
    this.torrent.fill(EMPTY);
    this.index.fill(EMPTY);
    this.count = 0;
    this.high = 0;
    this.freeHead = -1;
  }
}
