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

import { hashBytes } from './hash.ts';
import { EMPTY, ID_MASK, IdIndex } from './id-index.ts';
import type { ListRefs } from './list-pool.ts';
import { HEAP, reviewed, type TableMemory } from './table-memory.ts';

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

// Header words (shared by every thread using the table).
const H_CAP = 0;
const H_SIZE = 1;
const H_COUNT_ONLY = 2;
const H_HIGH = 3;
const H_FREE = 4;
const H_IDLE_HEAD = 5;
const H_IDLE_TAIL = 6;
const H_WORDS = 7;

/**
 * The keyed hash of an info_hash: the torrent index's key, and part of the peer index's
 * key, so a request's peer lookup need not wait for its torrent lookup (tracker.put
 * starts both at once).
 */
export function torrentKey(h: Uint8Array, off: number): number {
  return hashBytes(h, off, 20, 0);
}

export class TorrentTable implements ListRefs {
  /** Records the memory holds: this thread's copy of the header's (changes only with the memory). */
  cap = 0;
  rec: Int32Array;
  /** The same memory as bytes: torrent t's info_hash is bytes[t * 64, t * 64 + 20). */
  bytes: Uint8Array;
  private readonly h: Int32Array;
  private readonly index: IdIndex;
  private readonly homeOf = (t: number): number => this.rec[t * T_WORDS + T_KEY];
  /**
   * One announce looks its torrent up three times (put, counts, select): the last hit
   * is checked first, a 20-byte compare instead of hashing and probing. This thread's
   * own guess: isLast() checks it against the record.
   */
  private last = -1;

  /** @param max most records it must ever hold (db.maxTorrents) */
  constructor(
    initial = 1024,
    private readonly mem: TableMemory = HEAP,
    max = 0,
  ) {
    this.h = mem.ints(H_WORDS);
    let cap = initial;
    while (cap < max) cap *= 2;
    if (mem.attached) {
      this.rec = mem.i32(this.h[H_CAP] * T_WORDS, cap * T_WORDS);
      this.bytes = new Uint8Array(this.rec.buffer, 0, 0);
      this.index = new IdIndex(initial * 1.5, mem, max);
      this.refresh();
      return;
    }
    this.rec = mem.i32(0, cap * T_WORDS);
    this.bytes = new Uint8Array(this.rec.buffer, 0, 0);
    this.grow(initial);
    this.h[H_FREE] = -1;
    this.h[H_IDLE_HEAD] = -1;
    this.h[H_IDLE_TAIL] = -1;
    this.index = new IdIndex(initial * 1.5, mem, max);
  }

  /** Views again after another thread grew the table or its index. */
  refresh(): void {
    this.cap = this.h[H_CAP];
    this.rec = reviewed(this.rec, this.cap * T_WORDS);
    this.bytes = new Uint8Array(this.rec.buffer, 0, this.cap * T_BYTES);
    this.index.refresh();
  }

  /** Records in use, count-only ones included (what db.maxTorrents bounds). */
  get size(): number {
    return this.h[H_SIZE];
  }

  /** Count-only records among them. */
  get countOnly(): number {
    return this.h[H_COUNT_ONLY];
  }

  /** Records [0, high) have been used at least once. */
  get high(): number {
    return this.h[H_HIGH];
  }

  private grow(cap: number): void {
    this.rec = this.mem.grown(this.rec, cap * T_WORDS);
    this.bytes = new Uint8Array(this.rec.buffer, this.rec.byteOffset, cap * T_BYTES);
    this.cap = cap;
    this.h[H_CAP] = cap;
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
    return this.h[H_IDLE_HEAD];
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
    const hd = this.h;
    if (this.index.full(hd[H_SIZE])) this.rehash(this.index.grownSize());
    let t = hd[H_FREE];
    if (t >= 0) {
      hd[H_FREE] = this.rec[t * T_WORDS + T_OFF];
    } else {
      if (hd[H_HIGH] === this.cap) this.grow(this.cap * 2);
      t = hd[H_HIGH]++;
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
    hd[H_SIZE]++;
    return t;
  }

  /**
   * Make torrent t, whose lists the caller has released, a count-only record idle since
   * `now`: the newest in the idle queue.
   */
  retire(t: number, now: number): void {
    const r = t * T_WORDS;
    const rec = this.rec;
    const h = this.h;
    const tail = h[H_IDLE_TAIL];
    rec[r + T_STATE] = COUNT_ONLY;
    rec[r + T_IDLE] = now;
    rec[r + T_NEXT] = -1;
    rec[r + T_PREV] = tail;
    if (tail >= 0) rec[tail * T_WORDS + T_NEXT] = t;
    else h[H_IDLE_HEAD] = t;
    h[H_IDLE_TAIL] = t;
    h[H_COUNT_ONLY]++;
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
    else this.h[H_IDLE_HEAD] = next;
    if (next >= 0) rec[next * T_WORDS + T_PREV] = prev;
    else this.h[H_IDLE_TAIL] = prev;
    this.h[H_COUNT_ONLY]--;
  }

  /** Free a torrent whose lists the caller has already released, or a count-only record. */
  release(t: number): void {
    if (this.isCountOnly(t)) this.unlink(t);
    this.index.delete(t, this.homeOf);
    this.rec[t * T_WORDS + T_STATE] = FREE;
    this.rec[t * T_WORDS + T_OFF] = this.h[H_FREE];
    this.h[H_FREE] = t;
    this.h[H_SIZE]--;
  }

  private rehash(size: number): void {
    this.index.reset(size);
    const high = this.high;
    for (let t = 0; t < high; t++) if (this.live(t)) this.index.place(this.homeOf(t), t);
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
    const h = this.h;
    h[H_SIZE] = 0;
    h[H_COUNT_ONLY] = 0;
    h[H_HIGH] = 0;
    h[H_FREE] = -1;
    h[H_IDLE_HEAD] = -1;
    h[H_IDLE_TAIL] = -1;
  }
}
