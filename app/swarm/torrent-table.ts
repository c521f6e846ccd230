// Torrents in flat arrays: info_hash bytes, downloaded count and, per family, where the
// torrent's peer list lives in the ListPool, its length and how many are seeders.
// Index of family f of torrent t in the per-family arrays: t * 2 + f.

import { hashBytes } from './hash.ts';

const EMPTY = -1;

export class TorrentTable {
  cap = 0;
  hash = new Uint8Array(0);
  downloaded = new Uint32Array(0);
  live = new Uint8Array(0);
  /** Per (torrent, family): list offset in the pool (for free torrents: next free id). */
  listOff = new Int32Array(0);
  /** Per (torrent, family): size class of the list segment (capacity 2^cls). */
  listCls = new Uint8Array(0);
  /** Per (torrent, family): peers in the list; seeders first, then leechers. */
  count = new Uint32Array(0);
  seeders = new Uint32Array(0);
  size = 0;
  high = 0;
  private freeHead = -1;
  private index = new Int32Array(0);
  private mask = 0;

  constructor(initial = 1024) {
    this.grow(initial);
    this.resizeIndex(initial * 2);
  }

  private grow(cap: number): void {
    const g = <T extends Uint8Array | Uint32Array | Int32Array>(old: T, next: T): T => {
      next.set(old as never);
      return next;
    };
    this.hash = g(this.hash, new Uint8Array(cap * 20));
    this.downloaded = g(this.downloaded, new Uint32Array(cap));
    this.live = g(this.live, new Uint8Array(cap));
    this.listOff = g(this.listOff, new Int32Array(cap * 2));
    this.listCls = g(this.listCls, new Uint8Array(cap * 2));
    this.count = g(this.count, new Uint32Array(cap * 2));
    this.seeders = g(this.seeders, new Uint32Array(cap * 2));
    this.cap = cap;
  }

  private home(t: number): number {
    return hashBytes(this.hash, t * 20, 20, 0) & this.mask;
  }

  private resizeIndex(size: number): void {
    this.index = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (let t = 0; t < this.high; t++) {
      if (!this.live[t]) continue;
      let i = this.home(t);
      while (this.index[i] !== EMPTY) i = (i + 1) & this.mask;
      this.index[i] = t;
    }
  }

  find(h: Uint8Array, off: number): number {
    let i = hashBytes(h, off, 20, 0) & this.mask;
    const hash = this.hash;
    for (;;) {
      const t = this.index[i]!;
      if (t === EMPTY) return -1;
      const base = t * 20;
      let k = 0;
      while (k < 20 && hash[base + k] === h[off + k]) k++;
      if (k === 20) return t;
      i = (i + 1) & this.mask;
    }
  }

  /** A new torrent with empty lists (list segments are allocated on first peer). */
  insert(h: Uint8Array, off: number): number {
    if ((this.size + 1) * 4 > this.index.length * 3) this.resizeIndex(this.index.length * 2);
    let t = this.freeHead;
    if (t >= 0) {
      this.freeHead = this.listOff[t * 2]!;
    } else {
      if (this.high === this.cap) this.grow(this.cap * 2);
      t = this.high++;
    }
    for (let k = 0; k < 20; k++) this.hash[t * 20 + k] = h[off + k]!;
    this.live[t] = 1;
    this.downloaded[t] = 0;
    for (let f = 0; f < 2; f++) {
      this.listOff[t * 2 + f] = EMPTY;
      this.listCls[t * 2 + f] = 0;
      this.count[t * 2 + f] = 0;
      this.seeders[t * 2 + f] = 0;
    }
    let i = hashBytes(h, off, 20, 0) & this.mask;
    while (this.index[i] !== EMPTY) i = (i + 1) & this.mask;
    this.index[i] = t;
    this.size++;
    return t;
  }

  /** Free a torrent whose lists the caller has already released. */
  release(t: number): void {
    let i = this.home(t);
    while (this.index[i] !== t) i = (i + 1) & this.mask;
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
    this.live[t] = 0;
    this.listOff[t * 2] = this.freeHead;
    this.freeHead = t;
    this.size--;
  }

  clear(): void {
    this.live.fill(0);
    this.index.fill(EMPTY);
    this.size = 0;
    this.high = 0;
    this.freeHead = -1;
  }
}
