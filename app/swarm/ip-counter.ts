// Reference counts of peer addresses of one family, so the number of unique peer IPs
// is known at any time without walking the store. Open addressing over flat arrays.
// Only the normal build maintains it; the `fast` build compiles the calls out.

import { hashBytes } from './hash.ts';
import { doublingSlots, HEAP, reviewed, type TableMemory } from './table-memory.ts';

// Header words: slots, then distinct addresses.
const H_SLOTS = 0;
const H_SIZE = 1;

export class IpCounter {
  private keys: Uint8Array;
  private refs: Int32Array;
  /** Slots - 1: this thread's copy of the header's, which changes only with the memory. */
  private mask = 0;
  private readonly h: Int32Array;

  /** @param max most addresses it must ever hold */
  constructor(
    private readonly ilen: number,
    initial = 1024,
    private readonly mem: TableMemory = HEAP,
    max = 0,
  ) {
    this.h = mem.ints(2);
    // A resize keeps a copy of the old slots past the new ones: half as many again.
    const most = doublingSlots(initial, max) * 1.5;
    if (!mem.attached) this.h[H_SLOTS] = initial;
    const n = this.h[H_SLOTS];
    this.keys = mem.u8(n * ilen, most * ilen);
    this.refs = mem.i32(n, most);
    this.mask = n - 1;
  }

  /** Distinct addresses with at least one peer. */
  get size(): number {
    return this.h[H_SIZE];
  }

  /** Views again after another thread resized the table. */
  refresh(): void {
    const n = this.h[H_SLOTS];
    this.keys = reviewed(this.keys, n * this.ilen);
    this.refs = reviewed(this.refs, n);
    this.mask = n - 1;
  }

  private slot(a: Uint8Array, off: number): number {
    const ilen = this.ilen;
    let i = hashBytes(a, off, ilen, 0x1b873593) & this.mask;
    for (;;) {
      if (this.refs[i] === 0) return i;
      let k = 0;
      const base = i * ilen;
      while (k < ilen && this.keys[base + k] === a[off + k]) k++;
      if (k === ilen) return i;
      i = (i + 1) & this.mask;
    }
  }

  add(a: Uint8Array, off: number): void {
    if ((this.size + 1) * 4 > this.refs.length * 3) this.resize(this.refs.length * 2);
    const i = this.slot(a, off);
    if (this.refs[i] === 0) {
      for (let k = 0; k < this.ilen; k++) this.keys[i * this.ilen + k] = a[off + k];
      this.h[H_SIZE]++;
    }
    this.refs[i]++;
  }

  remove(a: Uint8Array, off: number): void {
    let i = this.slot(a, off);
    if (this.refs[i] === 0) return;
    if (--this.refs[i] > 0) return;
    this.h[H_SIZE]--;
    // Backward-shift deletion keeps probe chains intact without tombstones.
    const mask = this.mask;
    const ilen = this.ilen;
    for (let j = (i + 1) & mask; this.refs[j] !== 0; j = (j + 1) & mask) {
      const k = hashBytes(this.keys, j * ilen, ilen, 0x1b873593) & mask;
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        this.keys.copyWithin(i * ilen, j * ilen, j * ilen + ilen);
        this.refs[i] = this.refs[j];
        this.refs[j] = 0;
        i = j;
      }
    }
  }

  // Rebuilt in the same memory (another thread can only see memory it was given at the
  // start): the old slots are copied past the new ones, and placed again from there.
  private resize(size: number): void {
    const ilen = this.ilen;
    const old = this.refs.length;
    const keys = this.mem.grown(this.keys, (size + old) * ilen);
    const refs = this.mem.grown(this.refs, size + old);
    keys.copyWithin(size * ilen, 0, old * ilen);
    refs.copyWithin(size, 0, old);
    refs.fill(0, 0, size);
    this.keys = new Uint8Array(keys.buffer, 0, size * ilen);
    this.refs = new Int32Array(refs.buffer, 0, size);
    this.mask = size - 1;
    this.h[H_SLOTS] = size;
    for (let j = size; j < size + old; j++) {
      if (refs[j] === 0) continue;
      const i = this.slot(keys, j * ilen);
      keys.copyWithin(i * ilen, j * ilen, j * ilen + ilen);
      this.refs[i] = refs[j];
    }
  }

  clear(): void {
    this.refs.fill(0);
    this.h[H_SIZE] = 0;
  }
}
