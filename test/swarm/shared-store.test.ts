// The conformance suite on the shared store, in one thread: as created on the main
// thread, from one slot per table (every growth path), and through two handles of the
// same memory taking turns call by call, so every operation may follow a growth the
// other handle made and must rebuild its views first. Threads: shared-threads.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attachSharedStore,
  createSharedStore,
  MAIN_OWNER,
  type SharedStore,
} from '../../app/swarm/shared/shared-store.ts';
import { PUT_OK } from '../../app/swarm/store.ts';
import { put } from '../helpers/store-ops.ts';
import { addrOf, hashOf, runStoreConformance } from './conformance.ts';

function leechers(store: SharedStore, hash: Uint8Array): number {
  return store.counts(hash, 0, { seeders: 0, leechers: 0, downloaded: 0 }).leechers;
}

/** Every call goes to the next of `stores` in turn. */
function alternating(stores: SharedStore[]): SharedStore {
  let turn = 0;
  return new Proxy(stores[0], {
    get(_target, key) {
      const store = stores[turn];
      const v = Reflect.get(store, key, store);
      if (typeof v !== 'function') return v;
      turn = (turn + 1) % stores.length;
      return v.bind(store);
    },
  });
}

runStoreConformance('SharedStore', (limits) => createSharedStore(limits));

runStoreConformance('SharedStore from capacity 1', (limits) =>
  createSharedStore({ ...limits, initialCapacity: 1 }),
);

runStoreConformance('SharedStore through two handles in turn, from capacity 1', (limits) => {
  const main = createSharedStore({ ...limits, initialCapacity: 1, maxPeersPerIp: 1000 });
  return alternating([main, attachSharedStore(main.handle, 2)]);
});

test('a second handle sees what the first stored, across growth, and owner ids are kept apart', () => {
  const a = createSharedStore({ maxTorrents: 1000, maxPeersPerTorrent: 1000, initialCapacity: 1 });
  const b = attachSharedStore(a.handle, 7);
  assert.equal(a.owner, MAIN_OWNER);
  assert.equal(b.owner, 7);
  assert.throws(() => attachSharedStore(a.handle, MAIN_OWNER), RangeError);
  // b looks first, so it holds views of one-slot tables; a then grows every table.
  assert.equal(leechers(b, hashOf(1)), 0);
  for (let h = 0; h < 200; h++)
    for (let i = 0; i < 3; i++) assert.equal(put(a, hashOf(h), 4, addrOf(4, i), 1), PUT_OK);
  for (let h = 0; h < 200; h++) assert.equal(leechers(b, hashOf(h)), 3, `torrent ${h}`);
  assert.deepEqual(b.totals(), a.totals());
  assert.equal(b.totals().peers4, 600);
  assert.ok(b.lockStats().acquires > 200);
});

test('recover() frees only a lock its owner holds', () => {
  const a = createSharedStore({ maxTorrents: 10, maxPeersPerTorrent: 10 });
  const words = new Int32Array(a.handle.control, 0, 1);
  assert.equal(a.recover(5), false, 'a free lock is not recovered');
  Atomics.store(words, 0, 5); // as a thread with owner 5 that died holding it
  assert.equal(a.recover(6), false, 'not when someone else holds it');
  assert.equal(a.recover(5), true);
  assert.equal(put(a, hashOf(1), 4, addrOf(4, 1), 1), PUT_OK, 'the store is usable again');
});
