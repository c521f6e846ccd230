// Where the store's tables keep their memory and their scalars. A table asks for its
// header words (count, size, free-list heads …) and for its arrays here, in a fixed
// order, so another thread building the same tables in the same order over the same
// memory gets the same pieces. HEAP is the single-thread kind: a private header and
// mapped arrays (big-array.ts); app/swarm/shared/ provides one over SharedArrayBuffers.

import { grown, i32, u8 } from './big-array.ts';

export interface TableMemory {
  /** The tables exist already (another thread made them): read state, initialise nothing. */
  readonly attached: boolean;
  /** The next `n` Int32 words of the header (zero when new). */
  ints(n: number): Int32Array;
  /** The next `n` Float64 words of the header (zero when new). */
  floats(n: number): Float64Array;
  /**
   * The next table, viewed as its first n elements. `max` bounds the elements it may
   * ever grow to (a shared memory reserves that much address space up front).
   */
  i32(n: number, max: number): Int32Array;
  u8(n: number, max: number): Uint8Array;
  /** `old`'s table with room for n elements, contents kept, grown in place when it can be. */
  grown<T extends Uint8Array | Int32Array>(old: T, n: number): T;
}

/** Private memory for a store used by one thread. */
export const HEAP: TableMemory = {
  attached: false,
  ints: (n) => new Int32Array(n),
  floats: (n) => new Float64Array(n),
  i32: (n) => i32(n),
  u8: (n) => u8(n),
  grown: (old, n) => grown(old, n),
};

/** Slots an open-addressing table doubling at 3/4 load reaches for `entries` keys. */
export function doublingSlots(initial: number, entries: number): number {
  let n = initial;
  while (entries * 4 > n * 3) n *= 2;
  return n;
}

/** Buckets an IdIndex growing by `growth` at `load` reaches for `ids` entries. */
export function scaledSlots(initial: number, ids: number, load: number, growth: number): number {
  let n = initial;
  while (ids + 1 > n * load) n = Math.ceil(n * growth);
  return n;
}

/** A fixed-length view of `old`'s memory with n elements (after another thread grew it). */
export function reviewed<T extends Uint8Array | Int32Array>(old: T, n: number): T {
  return (
    old instanceof Uint8Array ? new Uint8Array(old.buffer, 0, n) : new Int32Array(old.buffer, 0, n)
  ) as T;
}
