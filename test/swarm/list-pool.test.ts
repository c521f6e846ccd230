// The list pool's compaction slides live segments down in place: every list keeps its
// contents and class, free segments disappear, and the pool's array is the same one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListPool, type ListRefs, SIZES } from '../../app/swarm/list-pool.ts';

/** Lists held in plain arrays, as the torrent table holds them in its records. */
class Lists implements ListRefs {
  off: number[] = [];
  cls: number[] = [];
  get lists(): number {
    return this.off.length;
  }
  listOffset(i: number): number {
    return this.off[i];
  }
  listClass(i: number): number {
    return this.cls[i];
  }
  moveList(i: number, off: number): void {
    this.off[i] = off;
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function alloc(pool: ListPool, cls: number): number {
  let off = pool.tryAlloc(cls);
  if (off < 0) {
    pool.grow(SIZES[cls]);
    off = pool.tryAlloc(cls);
  }
  return off;
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: compaction keeps every list's words and frees all free segments, in place`, () => {
    const r = rng(seed);
    const pool = new ListPool(64);
    const refs = new Lists();
    const want: number[][] = [];
    // Lists that get segments, some freed, some moved to a bigger class (the old one freed).
    for (let i = 0; i < 3000; i++) {
      const cls = Math.floor(r() * 8);
      const off = alloc(pool, cls);
      const words = Array.from({ length: SIZES[cls] }, (_, k) => (i * 131 + k * 7) | 0);
      // A first word of -1 or a large negative must survive too (parked during compaction).
      words[0] = i % 5 === 0 ? -1 : i % 7 === 0 ? -2_000_000_000 : words[0];
      pool.data.set(words, off);
      refs.off.push(off);
      refs.cls.push(cls);
      want.push(words);
      const roll = r();
      if (roll < 0.3) {
        pool.release(off, cls);
        refs.off[i] = -1;
      } else if (roll < 0.5 && cls < 7) {
        const next = alloc(pool, cls + 1);
        pool.data.copyWithin(next, refs.off[i], refs.off[i] + SIZES[cls]);
        pool.release(refs.off[i], cls);
        refs.off[i] = next;
        refs.cls[i] = cls + 1;
        want[i] = [...words, ...Array.from({ length: SIZES[cls + 1] - SIZES[cls] }, () => 0)];
        pool.data.fill(0, next + SIZES[cls], next + SIZES[cls + 1]);
      }
    }
    assert.ok(pool.freeSlots > 0, 'the scenario leaves free segments behind');
    const data = pool.data;
    const live = refs.off.reduce((n, off, i) => (off >= 0 ? n + SIZES[refs.cls[i]] : n), 0);
    pool.compact(refs);
    assert.equal(pool.data, data, 'compacted in the same array');
    assert.equal(pool.top, live);
    assert.equal(pool.freeSlots, 0);
    const seen = new Set<number>();
    for (let i = 0; i < refs.lists; i++) {
      const off = refs.off[i];
      if (off < 0) continue;
      assert.ok(!seen.has(off), `two lists at ${off}`);
      seen.add(off);
      assert.deepEqual([...pool.data.subarray(off, off + SIZES[refs.cls[i]])], want[i], `list ${i}`);
    }
    // The pool works afterwards: a fresh segment goes on top, nothing overlaps it.
    const off = alloc(pool, 3);
    assert.equal(off, live);
  });
}
