// The conformance suite on the in-memory store: once with its normal starting sizes and
// once starting from one slot per table, so every growth, rehash and list-move path
// (torrent table, peer arenas, address counters, list pool) runs under the same checks.
// Then what only the in-memory layout can show: a count-only record holds no peer list
// and the table never grows past db.maxTorrents however many torrents empty.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ListPool } from '../../app/swarm/list-pool.ts';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { PUT_OK } from '../../app/swarm/store.ts';
import { put, remove } from '../helpers/store-ops.ts';
import { addrOf, hashOf, idOf, runStoreConformance } from './conformance.ts';

runStoreConformance('MemoryStore', (limits) => new MemoryStore(limits));

runStoreConformance(
  'MemoryStore from capacity 1',
  (limits) => new MemoryStore({ ...limits, initialCapacity: 1 }),
);

test('count-only records hold no list segment, and emptied torrents never grow the table past maxTorrents', () => {
  const max = 50;
  const store = new MemoryStore({ maxTorrents: max, maxPeersPerTorrent: 100, initialCapacity: 1 });
  const pool = (store as unknown as { pool: ListPool }).pool;
  for (let h = 0; h < 2000; h++) {
    // A swarm of 1–9 peers over both families, one of them completed; then all leave.
    const n = 1 + (h % 9);
    for (let i = 0; i < n; i++) {
      const fam = i % 2 === 0 ? 4 : 6;
      const res = put(store, hashOf(h), fam, addrOf(fam, i), 1, {
        id: idOf(i),
        seeder: i === 0,
        completed: i === 0,
        now: 1000 + h,
      });
      assert.equal(res, PUT_OK);
    }
    for (let i = 0; i < n; i++)
      assert.ok(remove(store, hashOf(h), i % 2 === 0 ? 4 : 6, addrOf(i % 2 === 0 ? 4 : 6, i), 1));
  }
  const t = store.totals();
  assert.deepEqual([t.torrents, t.countOnly, t.peers4, t.peers6], [0, max, 0, 0]);
  assert.ok(store.torrents.high <= max, `${store.torrents.high} torrent records were ever used`);
  assert.equal(pool.top - pool.freeSlots, 0, 'every list segment is free');
  // The newest 50 kept their counts.
  for (let h = 0; h < 2000; h++) {
    const c = store.counts(hashOf(h), 0, { seeders: 0, leechers: 0, downloaded: 0 });
    assert.equal(c.downloaded, h >= 2000 - max ? 1 : 0, `torrent ${h}`);
  }
});
