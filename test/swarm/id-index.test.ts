// The open-addressing index on its own, against a Map: entries carry their distance
// from home, probes skip entries of other homes, and deletion shifts entries back with
// the right distance, including entries far enough from home (15+) that their distance
// is not stored and wrap-around at the table's end.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY, ID_MASK, IdIndex } from '../../app/swarm/id-index.ts';

/** A probe as the owners do it: walk from home, compare keys only where sameHome says so. */
function find(index: IdIndex, hashOfKey: (k: number) => number, keyOf: (id: number) => number, key: number) {
  let i = index.home(hashOfKey(key));
  let compared = 0;
  for (let d = 0; ; d++) {
    const e = index.table[i];
    if (e === EMPTY) return { id: -1, compared };
    if (index.sameHome(e, d)) {
      compared++;
      if (keyOf(e & ID_MASK) === key) return { id: e & ID_MASK, compared };
    }
    i = index.next(i);
  }
}

/** Every stored entry's recorded distance matches its real one (saturated at 15). */
function checkDistances(index: IdIndex, hashOf: (id: number) => number): void {
  for (let i = 0; i < index.size; i++) {
    const e = index.table[i];
    if (e === EMPTY) continue;
    const home = index.home(hashOf(e & ID_MASK));
    const d = i >= home ? i - home : i + index.size - home;
    assert.equal(e >>> 27, Math.min(d, 15), `bucket ${i}: id ${e & ID_MASK} is ${d} from home`);
  }
}

function run(label: string, size: number, hashOfKey: (k: number) => number, ops: number, seed: number) {
  test(`${label}: random places and deletes agree with a Map`, () => {
    let x = seed;
    const rand = (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    const index = new IdIndex(size);
    // ids are slots 0..size-1; the key of id is keys[id]
    const keys = new Int32Array(size).fill(-1);
    const byKey = new Map<number, number>();
    const free: number[] = [];
    for (let id = size - 1; id >= 0; id--) free.push(id);
    const hashOf = (id: number) => hashOfKey(keys[id]);
    const keyOf = (id: number) => keys[id];
    for (let n = 0; n < ops; n++) {
      const key = rand(size * 2);
      const have = byKey.get(key);
      if (have === undefined && !index.full(byKey.size)) {
        const id = free.pop()!;
        keys[id] = key;
        index.place(hashOfKey(key), id);
        byKey.set(key, id);
      } else if (have !== undefined) {
        index.delete(have, hashOf);
        keys[have] = -1;
        byKey.delete(key);
        free.push(have);
      }
      if (n % 97 === 0) {
        checkDistances(index, hashOf);
        for (let k = 0; k < size * 2; k++) {
          const r = find(index, hashOfKey, keyOf, k);
          assert.equal(r.id, byKey.get(k) ?? -1, `key ${k} after ${n} operations`);
        }
      }
    }
  });
}

const spread = (k: number) => Math.imul(k, 0x9e3779b1);
run('well-spread hashes at up to 85 % load', 64, spread, 4000, 1);
// Eight homes for every key: clusters run far past 15 buckets and wrap around the end.
run(
  'clustered hashes (8 homes): saturated distances and wrap-around',
  96,
  (k) => (k % 8) * 0x1fffffff,
  4000,
  7,
);

test('probes compare keys only for entries of their own home', () => {
  const index = new IdIndex(64);
  // Keys 0..39 all hash to home 10 except key 100, alone at home 11 (so displaced by the cluster).
  const hashOfKey = (k: number) => (k === 100 ? 11 : 10) * Math.ceil(4294967296 / 64);
  const keys = new Map<number, number>();
  for (let id = 0; id < 40; id++) {
    keys.set(id, id);
    index.place(hashOfKey(id), id);
  }
  keys.set(40, 100);
  index.place(hashOfKey(100), 40);
  const hashOf = (id: number) => hashOfKey(keys.get(id)!);
  const r = find(index, hashOfKey, (id) => keys.get(id)!, 100);
  assert.equal(r.id, 40);
  // It sits 39 buckets past its home, beyond what an entry records: every entry as far
  // from home is a candidate, but none of the 39 nearer ones with home 10 was compared.
  assert.ok(r.compared <= 40 - 14, `compared ${r.compared} keys`);
  index.delete(0, hashOf);
  checkDistances(index, hashOf);
  assert.equal(find(index, hashOfKey, (id) => keys.get(id)!, 100).id, 40);
});
