// Per-torrent peer lists as segments of one shared Int32Array. Segment sizes grow by
// ~1.4x per size class (1, 2, 3, 4, 5, 7, 9, …) with a free list per class, so 100k
// small swarms cost a few bytes each instead of a JS array object apiece. When freed
// segments pile up (swarms grew past them or emptied), the pool is compacted into a
// right-sized array instead of being grown.

import { i32, retire } from './big-array.ts';

/** SIZES[c] is the capacity of a segment of class c. */
export const SIZES: readonly number[] = (() => {
  const sizes = [1];
  while (sizes[sizes.length - 1]! < 1 << 28) {
    const last = sizes[sizes.length - 1]!;
    sizes.push(Math.max(last + 1, Math.floor(last * 1.4)));
  }
  return sizes;
})();

const CLASSES = SIZES.length;

export class ListPool {
  data: Int32Array;
  /** End of the used region. */
  top = 0;
  /** Slots held by freed segments (reusable only by their own class). */
  freeSlots = 0;
  private readonly freeHead = new Int32Array(CLASSES).fill(-1);

  constructor(initial = 1024) {
    this.data = i32(initial);
  }

  /** Offset of a segment of class cls, or -1 when the pool is full (caller compacts or grows). */
  tryAlloc(cls: number): number {
    const head = this.freeHead[cls]!;
    if (head >= 0) {
      this.freeHead[cls] = this.data[head]!;
      this.freeSlots -= SIZES[cls]!;
      return head;
    }
    const size = SIZES[cls]!;
    if (this.top + size > this.data.length) return -1;
    const off = this.top;
    this.top += size;
    return off;
  }

  /** Worth compacting rather than growing: a third of the used region is free segments. */
  fragmented(): boolean {
    return this.freeSlots * 3 > this.top;
  }

  grow(need: number): void {
    let next = Math.ceil(this.data.length * 1.5);
    while (this.top + need > next) next = Math.ceil(next * 1.5);
    const grown = i32(next);
    grown.set(this.data.subarray(0, this.top));
    retire(this.data);
    this.data = grown;
  }

  release(off: number, cls: number): void {
    this.data[off] = this.freeHead[cls]!;
    this.freeHead[cls] = off;
    this.freeSlots += SIZES[cls]!;
  }

  /**
   * Copy the live segments, in list order, into a new array with 10 % headroom and
   * rewrite their offsets. List i (torrent i >> 1, family i & 1) has a segment when its
   * torrent is live and `offs[i] >= 0`; `cls[i]` is its class.
   */
  compact(offs: Int32Array, cls: Uint8Array, live: Uint8Array, lists: number, extra: number): void {
    let used = 0;
    for (let i = 0; i < lists; i++) if (live[i >> 1] && offs[i]! >= 0) used += SIZES[cls[i]!]!;
    const next = i32(Math.max(1024, Math.ceil((used + extra) * 1.1)));
    let top = 0;
    for (let i = 0; i < lists; i++) {
      const off = offs[i]!;
      if (!live[i >> 1] || off < 0) continue;
      const size = SIZES[cls[i]!]!;
      next.set(this.data.subarray(off, off + size), top);
      offs[i] = top;
      top += size;
    }
    retire(this.data);
    this.data = next;
    this.top = top;
    this.freeSlots = 0;
    this.freeHead.fill(-1);
  }

  reset(): void {
    this.top = 0;
    this.freeSlots = 0;
    this.freeHead.fill(-1);
  }
}
