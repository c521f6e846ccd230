// Open addressing with linear probing over an Int32Array (-1 = empty), shared by the
// torrent table and the peer arenas. Owners keep the keys and compare them while
// probing; this class maps hashes to buckets, places, deletes (backward shift, no
// tombstones), grows and rebuilds.
//
// An entry is an id (low 27 bits: an owner's records fit one typed array) plus how far
// it sits from its home bucket (0–14, 15 = "15 or more"): a probe skips entries from
// other homes without reading their keys, each of which would be a cache miss.
// Homes are the hash's high bits scaled to the size, so any size works and the table
// grows by 1.5x at 85 % load instead of doubling.

import { HEAP, reviewed, scaledSlots, type TableMemory } from './table-memory.ts';

export const EMPTY = -1;
/** Low bits of an entry holding the id. */
const ID_BITS = 27;
/** The id of an entry: entry & ID_MASK. */
export const ID_MASK = (1 << ID_BITS) - 1;
/** Displacements from here up are stored as this, "at least DISP_MAX". */
const DISP_MAX = 15;
const MAX_LOAD = 0.85;
const GROWTH = 1.5;

export class IdIndex {
  table: Int32Array;
  /** Buckets: this thread's copy of the header's, which changes only with the table's memory. */
  size = 0;
  /** Header: [size]. */
  private readonly h: Int32Array;
  private scale = 0;

  /** @param maxIds most entries it must ever hold (bounds a shared memory's reservation) */
  constructor(
    size: number,
    private readonly mem: TableMemory = HEAP,
    maxIds = 0,
  ) {
    this.h = mem.ints(1);
    const max = scaledSlots(first(size), maxIds, MAX_LOAD, GROWTH);
    if (mem.attached) {
      this.table = mem.i32(this.h[0], max);
      this.refresh();
    } else {
      this.table = mem.i32(0, max);
      this.reset(size);
    }
  }

  /** Views again after another thread resized the table. */
  refresh(): void {
    this.size = this.h[0];
    this.table = reviewed(this.table, this.size);
    this.scale = this.size / 4294967296;
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

  /**
   * Whether entry e, met d buckets after a probe's home, may hold a key with that home
   * (then the owner compares keys). False for EMPTY too.
   */
  sameHome(e: number, d: number): boolean {
    return e >>> ID_BITS === (d < DISP_MAX ? d : DISP_MAX);
  }

  /** Put id (0 ≤ id < ID_MASK) in the first empty bucket from the home of hash `h` on. */
  place(h: number, id: number): void {
    const t = this.table;
    let i = this.home(h);
    let d = 0;
    while (t[i] !== EMPTY) {
      i = this.next(i);
      d++;
    }
    t[i] = entry(id, d);
  }

  /** Remove id; `hashOf(id)` gives any stored id's hash. */
  delete(id: number, hashOf: (id: number) => number): void {
    const t = this.table;
    const size = this.size;
    let i = this.home(hashOf(id));
    while ((t[i] & ID_MASK) !== id) i = this.next(i);
    for (let j = this.next(i); t[j] !== EMPTY; j = this.next(j)) {
      const e = t[j];
      let disp = e >>> ID_BITS;
      if (disp === DISP_MAX) {
        const k = this.home(hashOf(e & ID_MASK));
        disp = j >= k ? j - k : j + size - k;
      }
      // The entry may fill the hole at i unless its home lies after i, i.e. unless it
      // sits fewer buckets from its home than from the hole.
      const gap = j >= i ? j - i : j + size - i;
      if (disp >= gap) {
        t[i] = entry(e & ID_MASK, disp - gap);
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
    const n = first(size);
    this.h[0] = n;
    this.size = n;
    this.table = this.mem.grown(this.table, n).fill(EMPTY);
    this.scale = n / 4294967296;
  }

  clear(): void {
    this.table.fill(EMPTY);
  }
}

function first(size: number): number {
  return Math.max(8, Math.ceil(size));
}

function entry(id: number, disp: number): number {
  return id | ((disp < DISP_MAX ? disp : DISP_MAX) << ID_BITS);
}
