// Open addressing with linear probing over an Int32Array of ids (-1 = empty), shared
// by the torrent table and the peer arenas. Owners keep their keys in their own arrays
// and compare keys while probing; this class maps hashes to buckets, places, deletes
// (backward-shift: no tombstones, probe chains stay short), grows and rebuilds.
//
// Any size works: a hash picks its home bucket by its high bits scaled to the size
// (h · size / 2^32), so the table grows by 1.5x at 85 % load instead of doubling at
// 75 %: ~6 bytes per entry on average instead of ~8, which at 1M peers is 2 MiB.

import { grown, i32 } from './big-array.ts';

export const EMPTY = -1;
const MAX_LOAD = 0.85;
const GROWTH = 1.5;

export class IdIndex {
  table = i32(0);
  size = 0;
  private scale = 0;

  constructor(size: number) {
    this.reset(size);
  }

  /** Home bucket of a 32-bit hash. */
  home(h: number): number {
    return ((h >>> 0) * this.scale) | 0;
  }

  /** The bucket after i (wrapping). */
  next(i: number): number {
    return i + 1 === this.size ? 0 : i + 1;
  }

  /** Whether one more entry needs a bigger table first (the owner then rebuilds). */
  full(count: number): boolean {
    return count + 1 > this.size * MAX_LOAD;
  }

  /** The size to grow to. */
  grownSize(): number {
    return Math.ceil(this.size * GROWTH);
  }

  /** Put id in the first empty bucket from the home of hash `h` on. */
  place(h: number, id: number): void {
    const t = this.table;
    let i = this.home(h);
    while (t[i] !== EMPTY) i = this.next(i);
    t[i] = id;
  }

  /** Remove id; `hashOf(id)` gives any stored id's hash. */
  delete(id: number, hashOf: (id: number) => number): void {
    const t = this.table;
    let i = this.home(hashOf(id));
    while (t[i] !== id) i = this.next(i);
    for (let j = this.next(i); t[j] !== EMPTY; j = this.next(j)) {
      const k = this.home(hashOf(t[j]!));
      // Move t[j] back to the hole at i unless its home lies cyclically in (i, j].
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        t[i] = t[j]!;
        i = j;
      }
    }
    t[i] = EMPTY;
  }

  /**
   * Start over with `size` buckets, all empty (the caller places every live id again):
   * the same memory, grown in place, so growing leaves no old table behind.
   */
  reset(size: number): void {
    this.size = Math.max(8, Math.ceil(size));
    this.table = grown(this.table, this.size).fill(EMPTY);
    this.scale = this.size / 4294967296;
  }

  clear(): void {
    this.table.fill(EMPTY);
  }
}
