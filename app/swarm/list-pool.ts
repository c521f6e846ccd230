// Per-torrent peer lists as segments of one shared Int32Array. Segment sizes grow by
// ~1.4x per size class (1, 2, 3, 4, 5, 7, 9, …) with a free list per class, so 100k
// small swarms cost a few bytes each instead of a JS array object apiece. When freed
// segments pile up (swarms grew past them or emptied), the pool is compacted in place
// instead of being grown.

import { HEAP, reviewed, type TableMemory } from './table-memory.ts';

/** SIZES[c] is the capacity of a segment of class c. */
export const SIZES: readonly number[] = (() => {
  const sizes = [1];
  while (sizes[sizes.length - 1] < 1 << 28) {
    const last = sizes[sizes.length - 1];
    sizes.push(Math.max(last + 1, Math.floor(last * 1.4)));
  }
  return sizes;
})();

const CLASSES = SIZES.length;

// Header words (shared by every thread using the pool), then a free-list head per class.
const H_LEN = 0;
const H_TOP = 1;
const H_FREE_SLOTS = 2;
const H_WORDS = 3;

/** The lists whose segments live in a pool, as compaction walks and moves them. */
export interface ListRefs {
  /** Lists are numbered 0 … lists - 1. */
  readonly lists: number;
  /**
   * Offset of list i's segment, or -1 when it has none. While compact() runs it holds
   * whatever moveList() last stored (compaction parks a word there).
   */
  listOffset(i: number): number;
  /** Size class of list i's segment. */
  listClass(i: number): number;
  /** List i's segment now starts at off (or, during compact(), store a parked word). */
  moveList(i: number, off: number): void;
}

export class ListPool {
  data: Int32Array;
  private readonly h: Int32Array;
  private readonly freeHead: Int32Array;

  /** @param max most words it may ever need */
  constructor(
    initial = 1024,
    private readonly mem: TableMemory = HEAP,
    max = 0,
  ) {
    this.h = mem.ints(H_WORDS);
    this.freeHead = mem.ints(CLASSES);
    if (mem.attached) {
      this.data = mem.i32(this.h[H_LEN], Math.max(initial, max));
    } else {
      this.data = mem.i32(initial, Math.max(initial, max));
      this.h[H_LEN] = initial;
      this.freeHead.fill(-1);
    }
  }

  /** Views again after another thread grew the pool. */
  refresh(): void {
    this.data = reviewed(this.data, this.h[H_LEN]);
  }

  /** End of the used region. */
  get top(): number {
    return this.h[H_TOP];
  }

  /** Slots held by freed segments (reusable only by their own class). */
  get freeSlots(): number {
    return this.h[H_FREE_SLOTS];
  }

  /** Offset of a segment of class cls, or -1 when the pool is full (caller compacts or grows). */
  tryAlloc(cls: number): number {
    const head = this.freeHead[cls];
    if (head >= 0) {
      this.freeHead[cls] = this.data[head];
      this.h[H_FREE_SLOTS] -= SIZES[cls];
      return head;
    }
    const size = SIZES[cls];
    const off = this.h[H_TOP];
    if (off + size > this.data.length) return -1;
    this.h[H_TOP] = off + size;
    return off;
  }

  /** Worth compacting rather than growing: an eighth of the used region is free segments. */
  fragmented(): boolean {
    return this.freeSlots * 8 > this.top;
  }

  grow(need: number): void {
    let next = Math.ceil(this.data.length * 1.5);
    while (this.top + need > next) next = Math.ceil(next * 1.5);
    this.data = this.mem.grown(this.data, next);
    this.h[H_LEN] = next;
  }

  release(off: number, cls: number): void {
    this.data[off] = this.freeHead[cls];
    this.freeHead[cls] = off;
    this.h[H_FREE_SLOTS] += SIZES[cls];
  }

  /**
   * Slide the live segments down over the free ones, in address order, in place (so
   * compacting leaves no old array behind), and rewrite their offsets. Every segment
   * below `top` is either some list's or on a free list; each gets a marker in its
   * first word (the word itself waits in the list's offset meanwhile), then one pass
   * over the pool walks segment by segment.
   */
  compact(lists: ListRefs): void {
    const d = this.data;
    for (let c = 0; c < CLASSES; c++) {
      for (let off = this.freeHead[c]; off >= 0; ) {
        const next = d[off];
        d[off] = -2 - c;
        off = next;
      }
    }
    const n = lists.lists;
    for (let i = 0; i < n; i++) {
      const off = lists.listOffset(i);
      if (off < 0) continue;
      lists.moveList(i, d[off]);
      d[off] = -2 - CLASSES - i;
    }
    let to = 0;
    const top = this.top;
    for (let p = 0; p < top; ) {
      const k = -2 - d[p];
      if (k < 0) throw new Error(`list pool: no segment starts at ${p}`);
      if (k < CLASSES) {
        p += SIZES[k];
        continue;
      }
      const i = k - CLASSES;
      const size = SIZES[lists.listClass(i)];
      const first = lists.listOffset(i);
      if (to !== p) d.copyWithin(to, p, p + size);
      d[to] = first;
      lists.moveList(i, to);
      to += size;
      p += size;
    }
    this.h[H_TOP] = to;
    this.h[H_FREE_SLOTS] = 0;
    this.freeHead.fill(-1);
  }

  reset(): void {
    this.h[H_TOP] = 0;
    this.h[H_FREE_SLOTS] = 0;
    this.freeHead.fill(-1);
  }
}
