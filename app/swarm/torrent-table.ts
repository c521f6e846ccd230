// Torrents as fixed 64-byte records in one flat array: the info_hash, the downloaded
// count and, per family, where the torrent's peer list lives in the ListPool, its size
// class, its length and how many are seeders. One record is one cache line, so an
// announce that finds its torrent has its counts and list offset without further
// cache misses.
//
// Field f of family `fam` of torrent t: rec[t * T_WORDS + FIELD + fam].
//
// A torrent that loses its last peer but has completions stays as a count-only record,
// so scrape's `downloaded` never goes back (BEP 48). It has no lists, so its list words
// hold its place in the idle queue instead: count-only records in the order they lost
// their last peer, the longest-idle first, which is the one that gives way when the
// table is full. A scrape only reads a record and a new peer takes it out of the queue,
// so queue order is idle order: exact LRU with O(1) updates, no timestamps compared.

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
/** FREE, ACTIVE or COUNT_ONLY. */
const T_STATE = 6;
const FREE = 0;
/** Has peers, or is about to get its first. */
const ACTIVE = 1;
/** No peers, kept for its downloaded count. */
const COUNT_ONLY = 2;
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
/** Count-only records only: the idle queue's links (-1 at its ends), in the T_OFF words… */
const T_PREV = T_OFF;
const T_NEXT = T_OFF + 1;
/** …and since when (unix seconds) the record has had no peer, in a T_CLS word. */
const T_IDLE = T_CLS;

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
  /** Records in use, count-only ones included (what db.maxTorrents bounds). */
  size = 0;
  /** Count-only records among them. */
  countOnly = 0;
  high = 0;
  private freeHead = -1;
  /** The idle queue of count-only records: its longest-idle and its newest. */
  private idleHead = -1;
  private idleTail = -1;
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

  /** Whether record t is in use (a torrent with peers or a count-only record). */
  live(t: number): boolean {
    return this.rec[t * T_WORDS + T_STATE] !== FREE;
  }

  isCountOnly(t: number): boolean {
    return this.rec[t * T_WORDS + T_STATE] === COUNT_ONLY;
  }

  /** Since when count-only record t has had no peer (unix seconds). */
  idleSince(t: number): number {
    return this.rec[t * T_WORDS + T_IDLE] >>> 0;
  }

  /** The longest-idle count-only record, or -1 when there is none. */
  oldestCountOnly(): number {
    return this.idleHead;
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
    if (last < 0 || this.rec[last * T_WORDS + T_STATE] !== ACTIVE) return false;
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
    this.rec[r + T_STATE] = ACTIVE;
    this.rec[r + T_OFF] = EMPTY;
    this.rec[r + T_OFF + 1] = EMPTY;
    this.rec[r + T_KEY] = key;
    this.index.place(key, t);
    this.size++;
    return t;
  }

  /**
   * Make torrent t, whose lists the caller has released, a count-only record idle since
   * `now`: the newest in the idle queue.
   */
  retire(t: number, now: number): void {
    const r = t * T_WORDS;
    const rec = this.rec;
    rec[r + T_STATE] = COUNT_ONLY;
    rec[r + T_IDLE] = now;
    rec[r + T_NEXT] = -1;
    rec[r + T_PREV] = this.idleTail;
    if (this.idleTail >= 0) rec[this.idleTail * T_WORDS + T_NEXT] = t;
    else this.idleHead = t;
    this.idleTail = t;
    this.countOnly++;
  }

  /** Count-only record t gets a peer: a torrent with (still empty) lists again. */
  revive(t: number): void {
    this.unlink(t);
    const r = t * T_WORDS;
    this.rec[r + T_STATE] = ACTIVE;
    this.rec[r + T_OFF] = EMPTY;
    this.rec[r + T_OFF + 1] = EMPTY;
  }

  private unlink(t: number): void {
    const rec = this.rec;
    const r = t * T_WORDS;
    const prev = rec[r + T_PREV];
    const next = rec[r + T_NEXT];
    if (prev >= 0) rec[prev * T_WORDS + T_NEXT] = next;
    else this.idleHead = next;
    if (next >= 0) rec[next * T_WORDS + T_PREV] = prev;
    else this.idleTail = prev;
    this.countOnly--;
  }

  /** Free a torrent whose lists the caller has already released, or a count-only record. */
  release(t: number): void {
    if (this.isCountOnly(t)) this.unlink(t);
    this.index.delete(t, this.homeOf);
    this.rec[t * T_WORDS + T_STATE] = FREE;
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
    return this.rec[r + T_STATE] === ACTIVE ? this.rec[r + T_OFF + (i & 1)] : EMPTY;
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
    this.countOnly = 0;
    this.high = 0;
    this.freeHead = -1;
    this.idleHead = -1;
    this.idleTail = -1;
  }
}
