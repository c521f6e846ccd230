// Peers per (torrent, address prefix): how many peers one IPv4 address (/32) or one
// IPv6 /64 has in one torrent, so limits.peersPerIp can refuse a host that tries to
// fill a swarm with itself (many ports, or many addresses of its /64). Kept only when
// the limit is on; then it holds one entry per distinct (torrent, prefix), never more
// than there are peers. Open addressing over flat arrays, backward-shift deletion.

import { fmix, mix, SEED_B, word } from './hash.ts';
import { doublingSlots, HEAP, reviewed, type TableMemory } from './table-memory.ts';

// Header words: slots, then distinct pairs.
const H_SLOTS = 0;
const H_SIZE = 1;

export class PrefixCounter {
  /** Per slot: torrent list index (torrent * 2 + family index), prefix word 0, word 1. */
  private keys: Int32Array;
  private refs: Int32Array;
  /** Slots - 1: this thread's copy of the header's, which changes only with the memory. */
  private mask: number;
  private readonly h: Int32Array;

  /** @param max most pairs it must ever hold */
  constructor(
    initial = 1024,
    private readonly mem: TableMemory = HEAP,
    max = 0,
  ) {
    let n = 16;
    while (n < initial) n *= 2;
    this.h = mem.ints(2);
    // A resize keeps a copy of the old slots past the new ones: half as many again.
    const most = doublingSlots(n, max) * 1.5;
    if (!mem.attached) this.h[H_SLOTS] = n;
    n = this.h[H_SLOTS];
    this.keys = mem.i32(n * 3, most * 3);
    this.refs = mem.i32(n, most);
    this.mask = n - 1;
  }

  /** Distinct (torrent, prefix) pairs with at least one peer. */
  get size(): number {
    return this.h[H_SIZE];
  }

  /** Views again after another thread resized the table. */
  refresh(): void {
    const n = this.h[H_SLOTS];
    this.keys = reviewed(this.keys, n * 3);
    this.refs = reviewed(this.refs, n);
    this.mask = n - 1;
  }

  private static hash(ti: number, k0: number, k1: number): number {
    return fmix(mix(mix(mix(SEED_B, ti), k0), k1));
  }

  /** The slot holding the key, or the empty slot where it would go. */
  private slot(ti: number, k0: number, k1: number): number {
    const keys = this.keys;
    let i = PrefixCounter.hash(ti, k0, k1) & this.mask;
    while (this.refs[i] !== 0) {
      const b = i * 3;
      if (keys[b] === ti && keys[b + 1] === k0 && keys[b + 2] === k1) return i;
      i = (i + 1) & this.mask;
    }
    return i;
  }

  /** Peers of this prefix in list `ti`. `v6` selects a /64 (first 8 bytes), else /32. */
  count(ti: number, v6: boolean, addr: Uint8Array, off: number): number {
    return this.refs[this.slot(ti, word(addr, off), v6 ? word(addr, off + 4) : 0)];
  }

  add(ti: number, v6: boolean, addr: Uint8Array, off: number): void {
    if ((this.size + 1) * 4 > this.refs.length * 3) this.resize(this.refs.length * 2);
    const k0 = word(addr, off);
    const k1 = v6 ? word(addr, off + 4) : 0;
    const i = this.slot(ti, k0, k1);
    if (this.refs[i] === 0) {
      this.keys[i * 3] = ti;
      this.keys[i * 3 + 1] = k0;
      this.keys[i * 3 + 2] = k1;
      this.h[H_SIZE]++;
    }
    this.refs[i]++;
  }

  remove(ti: number, v6: boolean, addr: Uint8Array, off: number): void {
    let i = this.slot(ti, word(addr, off), v6 ? word(addr, off + 4) : 0);
    if (this.refs[i] === 0) return;
    if (--this.refs[i] > 0) return;
    this.h[H_SIZE]--;
    const mask = this.mask;
    const keys = this.keys;
    for (let j = (i + 1) & mask; this.refs[j] !== 0; j = (j + 1) & mask) {
      const k = PrefixCounter.hash(keys[j * 3], keys[j * 3 + 1], keys[j * 3 + 2]) & mask;
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        keys.copyWithin(i * 3, j * 3, j * 3 + 3);
        this.refs[i] = this.refs[j];
        this.refs[j] = 0;
        i = j;
      }
    }
  }

  // Rebuilt in the same memory (another thread can only see memory it was given at the
  // start): the old slots are copied past the new ones, and placed again from there.
  private resize(n: number): void {
    const old = this.refs.length;
    const keys = this.mem.grown(this.keys, (n + old) * 3);
    const refs = this.mem.grown(this.refs, n + old);
    keys.copyWithin(n * 3, 0, old * 3);
    refs.copyWithin(n, 0, old);
    refs.fill(0, 0, n);
    this.keys = new Int32Array(keys.buffer, 0, n * 3);
    this.refs = new Int32Array(refs.buffer, 0, n);
    this.mask = n - 1;
    this.h[H_SLOTS] = n;
    for (let j = n; j < n + old; j++) {
      if (refs[j] === 0) continue;
      const i = this.slot(keys[j * 3], keys[j * 3 + 1], keys[j * 3 + 2]);
      this.keys[i * 3] = keys[j * 3];
      this.keys[i * 3 + 1] = keys[j * 3 + 1];
      this.keys[i * 3 + 2] = keys[j * 3 + 2];
      this.refs[i] = refs[j];
    }
  }

  clear(): void {
    this.refs.fill(0);
    this.h[H_SIZE] = 0;
  }
}
