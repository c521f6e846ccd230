// Peers per (torrent, address prefix): how many peers one IPv4 address (/32) or one
// IPv6 /64 has in one torrent, so limits.peersPerIp can refuse a host that tries to
// fill a swarm with itself (many ports, or many addresses of its /64). Kept only when
// the limit is on; then it holds one entry per distinct (torrent, prefix), never more
// than there are peers. Open addressing over flat arrays, backward-shift deletion.

import { i32 } from './big-array.ts';
import { fmix, mix, SEED_B, word } from './hash.ts';

export class PrefixCounter {
  /** Per slot: torrent list index (torrent * 2 + family index), prefix word 0, word 1. */
  private keys: Int32Array;
  private refs: Int32Array;
  private mask: number;
  /** Distinct (torrent, prefix) pairs with at least one peer. */
  size = 0;

  constructor(initial = 1024) {
    let n = 16;
    while (n < initial) n *= 2;
    this.keys = i32(n * 3);
    this.refs = i32(n);
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
      this.size++;
    }
    this.refs[i]++;
  }

  remove(ti: number, v6: boolean, addr: Uint8Array, off: number): void {
    let i = this.slot(ti, word(addr, off), v6 ? word(addr, off + 4) : 0);
    if (this.refs[i] === 0) return;
    if (--this.refs[i] > 0) return;
    this.size--;
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

  // Rebuilt into new tables (placing needs the old ones intact): the old pair is left to
  // V8's next full collection, at most half the size of the new one.
  private resize(n: number): void {
    const oldKeys = this.keys;
    const oldRefs = this.refs;
    this.keys = i32(n * 3);
    this.refs = i32(n);
    this.mask = n - 1;
    for (let j = 0; j < oldRefs.length; j++) {
      if (oldRefs[j] === 0) continue;
      const i = this.slot(oldKeys[j * 3], oldKeys[j * 3 + 1], oldKeys[j * 3 + 2]);
      this.keys[i * 3] = oldKeys[j * 3];
      this.keys[i * 3 + 1] = oldKeys[j * 3 + 1];
      this.keys[i * 3 + 2] = oldKeys[j * 3 + 2];
      this.refs[i] = oldRefs[j];
    }
  }

  clear(): void {
    this.refs.fill(0);
    this.size = 0;
  }
}
