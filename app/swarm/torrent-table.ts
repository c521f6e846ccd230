// Torrents in flat arrays: info_hash bytes, downloaded count and, per family, where the
// torrent's peer list lives in the ListPool, its length and how many are seeders.
// Index of family f of torrent t in the per-family arrays: t * 2 + f.

import { grown, i32, u8, u32 } from './big-array.ts';
import { hashBytes } from './hash.ts';
import { EMPTY, IdIndex } from './id-index.ts';

export class TorrentTable {
  cap = 0;
  hash = u8(0);
  downloaded = u32(0);
  live = u8(0);
  /** Per (torrent, family): list offset in the pool (for free torrents: next free id). */
  listOff = i32(0);
  /** Per (torrent, family): size class of the list segment (capacity SIZES[cls]). */
  listCls = u8(0);
  /** Per (torrent, family): peers in the list; seeders first, then leechers. */
  count = u32(0);
  seeders = u32(0);
  size = 0;
  high = 0;
  private freeHead = -1;
  private readonly index: IdIndex;
  private readonly homeOf = (t: number): number => hashBytes(this.hash, t * 20, 20, 0);

  constructor(initial = 1024) {
    this.grow(initial);
    this.index = new IdIndex(initial * 1.5);
  }

  private grow(cap: number): void {
    this.hash = grown(this.hash, cap * 20);
    this.downloaded = grown(this.downloaded, cap);
    this.live = grown(this.live, cap);
    this.listOff = grown(this.listOff, cap * 2);
    this.listCls = grown(this.listCls, cap * 2);
    this.count = grown(this.count, cap * 2);
    this.seeders = grown(this.seeders, cap * 2);
    this.cap = cap;
  }

  /**
   * One announce looks its torrent up three times (put, counts, select): the last hit
   * is checked first, a 20-byte compare instead of hashing and probing.
   */
  private last = -1;

  find(h: Uint8Array, off: number): number {
    const last = this.last;
    if (last >= 0 && this.live[last] === 1) {
      const base = last * 20;
      let k = 0;
      while (k < 20 && this.hash[base + k] === h[off + k]) k++;
      if (k === 20) return last;
    }
    const index = this.index;
    const table = index.table;
    const hash = this.hash;
    let i = index.home(hashBytes(h, off, 20, 0));
    for (;;) {
      const t = table[i]!;
      if (t === EMPTY) return -1;
      const base = t * 20;
      let k = 0;
      while (k < 20 && hash[base + k] === h[off + k]) k++;
      if (k === 20) {
        this.last = t;
        return t;
      }
      i = index.next(i);
    }
  }

  /** A new torrent with empty lists (list segments are allocated on first peer). */
  insert(h: Uint8Array, off: number): number {
    if (this.index.full(this.size)) this.rehash(this.index.grownSize());
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
    this.index.place(this.homeOf(t), t);
    this.size++;
    return t;
  }

  /** Free a torrent whose lists the caller has already released. */
  release(t: number): void {
    this.index.delete(t, this.homeOf);
    this.live[t] = 0;
    this.listOff[t * 2] = this.freeHead;
    this.freeHead = t;
    this.size--;
  }

  private rehash(size: number): void {
    this.index.reset(size);
    for (let t = 0; t < this.high; t++) if (this.live[t]) this.index.place(this.homeOf(t), t);
  }

  clear(): void {
    this.last = -1;
    this.live.fill(0);
    this.index.clear();
    this.size = 0;
    this.high = 0;
    this.freeHead = -1;
  }
}
