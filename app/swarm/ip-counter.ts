// Reference counts of peer addresses of one family, so the number of unique peer IPs
// is known at any time without walking the store. Open addressing over flat arrays.
// Only the normal build maintains it; the `fast` build compiles the calls out.

import { i32, u8 } from './big-array.ts';
import { hashBytes } from './hash.ts';

export class IpCounter {
  private keys: Uint8Array;
  private refs: Int32Array;
  private mask: number;
  /** Distinct addresses with at least one peer. */
  size = 0;

  constructor(
    private readonly ilen: number,
    initial = 1024,
  ) {
    this.keys = u8(initial * ilen);
    this.refs = i32(initial);
    this.mask = initial - 1;
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
      this.size++;
    }
    this.refs[i]++;
  }

  remove(a: Uint8Array, off: number): void {
    let i = this.slot(a, off);
    if (this.refs[i] === 0) return;
    if (--this.refs[i] > 0) return;
    this.size--;
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

  // Rebuilt into new tables (placing needs the old ones intact): the old pair is left to
  // V8's next full collection, at most half the size of the new one.
  private resize(size: number): void {
    const oldKeys = this.keys;
    const oldRefs = this.refs;
    this.keys = u8(size * this.ilen);
    this.refs = i32(size);
    this.mask = size - 1;
    for (let j = 0; j < oldRefs.length; j++) {
      if (oldRefs[j] === 0) continue;
      const i = this.slot(oldKeys, j * this.ilen);
      this.keys.set(oldKeys.subarray(j * this.ilen, j * this.ilen + this.ilen), i * this.ilen);
      this.refs[i] = oldRefs[j];
    }
  }

  clear(): void {
    this.refs.fill(0);
    this.size = 0;
  }
}
