// Keyed 32-bit hashing for the open-addressing indexes. info_hashes are chosen by
// clients, so the mixing is seeded with a per-process random key: a flood of crafted
// hashes cannot aim at one bucket chain. Threads sharing a store's indexes must hash
// alike, so a worker takes the key of the thread that made the store (useSeeds).

import { randomBytes } from 'node:crypto';

const seedBytes = randomBytes(8);
export let SEED_A = seedBytes.readInt32LE(0) | 1;
export let SEED_B = seedBytes.readInt32LE(4);

/** Hash with this key from now on; before this thread builds any keyed table. */
export function useSeeds(a: number, b: number): void {
  SEED_A = a | 1;
  SEED_B = b;
}

/** MurmurHash3 finaliser: full avalanche of a 32-bit state. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Mix one more 32-bit word into the state. */
export function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, SEED_A);
  return (h << 13) | (h >>> 19);
}

export function word(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24);
}

/** Hash of `len` bytes (a multiple of 2) at off, plus an extra word. */
export function hashBytes(b: Uint8Array, off: number, len: number, extra: number): number {
  let h = SEED_B ^ extra;
  let i = 0;
  for (; i + 4 <= len; i += 4) h = mix(h, word(b, off + i));
  if (i < len) h = mix(h, b[off + i] | (b[off + i + 1] << 8));
  return fmix(h ^ len);
}
