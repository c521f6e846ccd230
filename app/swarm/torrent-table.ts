// Torrents as fixed 64-byte records in one flat array: the info_hash, the downloaded
// count and, per family, where the torrent's peer list lives in the ListPool, its size
// class, its length and how many are seeders. One record is one cache line, so an
// announce that finds its torrent has its counts and list offset without further
// cache misses.
//
// Field f of family `fam` of torrent t: rec[t * T_WORDS + FIELD + fam].

import { grown, i32 } from './big-array.ts';
import { hashBytes } from './hash.ts';
import { EMPTY, ID_MASK, IdIndex } from './id-index.ts';
import type { ListRefs } from './list-pool.ts';

/** Int32 words per torrent record (64 bytes). */
export const T_WORDS = 16;
const T_BYTES = T_WORDS * 4;
/** Words 0–4: the 20 info_hash bytes (read through `bytes`). */
const T_HASH = 0;
/** Completed downloads (a u32: read with >>> 0). */
export const T_DOWNLOADED = 5;
/** 1 for a live torrent. */
const T_LIVE = 6;
/** Per family: list offset in the pool, -1 for none (for free torrents: next free id). */
export const T_OFF = 7;
/** Per family: peers in the list; seeders first, then leechers. */
export const T_COUNT = 9;
/** Per family: how many of them are seeders. */
export const T_SEEDERS = 11;
/** Per family: size class of the list segment (capacity SIZES[cls]). */
export const T_CLS = 13;
/** The info_hash's keyed hash (torrentKey), kept for rehashing and for peer lookups. */
const T_KEY = 15;

/**
 * The keyed hash of an info_hash: the torrent index's key, and part of the peer index's
 * key, so a request's peer lookup need not wait for its torrent lookup (tracker.put
 * starts both at once).
 */
export function torrentKey(h: Uint8Array, off: number): number {
  return hashBytes(h, off, 20, 0);
}

export class TorrentTable implements ListRefs {
  cap = 0;
  rec = i32(0);
  /** The same memory as bytes: torrent t's info_hash is bytes[t * 64, t * 64 + 20). */
  bytes = new Uint8Array(this.rec.buffer, 0, 0);
  size = 0;
  high = 0;
  private freeHead = -1;
  private readonly index: IdIndex;
  private readonly homeOf = (t: number): number => this.rec[t * T_WORDS + T_KEY];
  /**
   * One announce looks its torrent up three times (put, counts, select): the last hit
   * is checked first, a 20-byte compare instead of hashing and probing.
   */
  private last = -1;

  constructor(initial = 1024) {
    this.grow(initial);
    this.index = new IdIndex(initial * 1.5);
  }

  private grow(cap: number): void {
    this.rec = grown(this.rec, cap * T_WORDS);
    this.bytes = new Uint8Array(this.rec.buffer, this.rec.byteOffset, cap * T_BYTES);
    this.cap = cap;
  }

  /** Byte offset of torrent t's info_hash in `bytes`. */
  hashOff(t: number): number {
    return t * T_BYTES + T_HASH;
  }

  live(t: number): boolean {
    return this.rec[t * T_WORDS + T_LIVE] === 1;
  }

  downloaded(t: number): number {
    return this.rec[t * T_WORDS + T_DOWNLOADED] >>> 0;
  }

  /** Torrent t's torrentKey. */
  keyOf(t: number): number {
    return this.rec[t * T_WORDS + T_KEY];
  }

  /** The torrent with info_hash h[off, off + 20), or -1. */
  lookup(h: Uint8Array, off: number): number {
    return this.isLast(h, off) ? this.last : this.probe(h, off, torrentKey(h, off));
  }

  private isLast(h: Uint8Array, off: number): boolean {
    const last = this.last;
    if (last < 0 || this.rec[last * T_WORDS + T_LIVE] !== 1) return false;
    const bytes = this.bytes;
    const base = last * T_BYTES;
    let k = 0;
    while (k < 20 && bytes[base + k] === h[off + k]) k++;
    return k === 20;
  }

  /** lookup() for a caller that has the key (= torrentKey(h, off)) already. */
  find(h: Uint8Array, off: number, key: number): number {
    return this.isLast(h, off) ? this.last : this.probe(h, off, key);
  }

  /** The index probe behind lookup() and find(), once the last hit did not match. */
  private probe(h: Uint8Array, off: number, key: number): number {
    const bytes = this.bytes;
    const index = this.index;
    const table = index.table;
    let i = index.home(key);
    for (let d = 0; ; d++) {
      const e = table[i];
      if (e === EMPTY) return -1;
      if (index.sameHome(e, d)) {
        const t = e & ID_MASK;
        const base = t * T_BYTES;
        let k = 0;
        while (k < 20 && bytes[base + k] === h[off + k]) k++;
        if (k === 20) {
          this.last = t;
          return t;
        }
      }
      i = index.next(i);
    }
  }

  /** A new torrent with empty lists (list segments are allocated on first peer). */
  insert(h: Uint8Array, off: number, key: number): number {
    if (this.index.full(this.size)) this.rehash(this.index.grownSize());
    let t = this.freeHead;
    if (t >= 0) {
      this.freeHead = this.rec[t * T_WORDS + T_OFF];
    } else {
      if (this.high === this.cap) this.grow(this.cap * 2);
      t = this.high++;
    }
    const r = t * T_WORDS;
    this.rec.fill(0, r, r + T_WORDS);
    const base = t * T_BYTES;
    for (let k = 0; k < 20; k++) this.bytes[base + k] = h[off + k];
    this.rec[r + T_LIVE] = 1;
    this.rec[r + T_OFF] = EMPTY;
    this.rec[r + T_OFF + 1] = EMPTY;
    this.rec[r + T_KEY] = key;
    this.index.place(key, t);
    this.size++;
    return t;
  }

  /** Free a torrent whose lists the caller has already released. */
  release(t: number): void {
    this.index.delete(t, this.homeOf);
    this.rec[t * T_WORDS + T_LIVE] = 0;
    this.rec[t * T_WORDS + T_OFF] = this.freeHead;
    this.freeHead = t;
    this.size--;
  }

  private rehash(size: number): void {
    this.index.reset(size);
    for (let t = 0; t < this.high; t++) if (this.live(t)) this.index.place(this.homeOf(t), t);
  }

  // ListRefs: list i is family i & 1 of torrent i >> 1.

  get lists(): number {
    return this.high * 2;
  }

  listOffset(i: number): number {
    const r = (i >> 1) * T_WORDS;
    return this.rec[r + T_LIVE] === 1 ? this.rec[r + T_OFF + (i & 1)] : EMPTY;
  }

  listClass(i: number): number {
    return this.rec[(i >> 1) * T_WORDS + T_CLS + (i & 1)];
  }

  moveList(i: number, off: number): void {
    this.rec[(i >> 1) * T_WORDS + T_OFF + (i & 1)] = off;
  }

  // Records from `high` on are never read before insert() fills them (as after grow()),
  // so clearing forgets them instead of writing every page of the table.
  clear(): void {
    this.last = -1;
    this.index.clear();
    this.size = 0;
    this.high = 0;
    this.freeHead = -1;
  }
}
