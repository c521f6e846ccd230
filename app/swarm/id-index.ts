// Open addressing with linear probing over an Int32Array of ids (-1 = empty), shared
// by the torrent table, the peer arenas and the counters. Owners keep their keys in
// their own arrays and do the key comparison while probing; this class only places,
// deletes (backward-shift: no tombstones, probe chains stay short) and rebuilds.

import { i32 } from './big-array.ts';

export const EMPTY = -1;

export class IdIndex {
  table: Int32Array;
  mask: number;

  /** `size` must be a power of two. */
  constructor(size: number) {
    this.table = i32(size).fill(EMPTY);
    this.mask = size - 1;
  }

  get size(): number {
    return this.table.length;
  }

  /** Put id in the first empty bucket from `home` on. */
  place(home: number, id: number): void {
    const t = this.table;
    let i = home & this.mask;
    while (t[i] !== EMPTY) i = (i + 1) & this.mask;
    t[i] = id;
  }

  /** Remove id; `home(id)` gives any id's home bucket. */
  delete(id: number, home: (id: number) => number): void {
    const t = this.table;
    const mask = this.mask;
    let i = home(id) & mask;
    while (t[i] !== id) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; t[j] !== EMPTY; j = (j + 1) & mask) {
      const k = home(t[j]!) & mask;
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        t[i] = t[j]!;
        i = j;
      }
    }
    t[i] = EMPTY;
  }

  /** Start over with `size` buckets (the caller places every live id again). */
  reset(size: number): void {
    this.table = i32(size).fill(EMPTY);
    this.mask = size - 1;
  }

  clear(): void {
    this.table.fill(EMPTY);
  }
}
