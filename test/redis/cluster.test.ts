// The Redis swarm on a real three-primary Redis Cluster: requests reach the node of
// their torrent's slot, a slot moved to another node (MOVED) or being moved (ASK) is
// followed without failing a request, scripts flushed on one node are loaded again,
// db.maxTorrents holds after a refresh of the index, and a lost node is noticed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisUnavailableError } from '../../app/swarm/redis/connection.ts';
import { RedisStore } from '../../app/swarm/redis/redis-store.ts';
import type { RedisSwarm } from '../../app/swarm/redis/redis-swarm.ts';
import { torrentSlot } from '../../app/swarm/redis/slot.ts';
import { ANNOUNCE_OK } from '../../app/swarm/redis/types.ts';
import { PUT_OK, PUT_TORRENT_LIMIT } from '../../app/swarm/store.ts';
import { waitFor } from '../helpers/process.ts';
import { RedisClusterNodes } from '../helpers/redis-cluster.ts';
import { SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { announce, remove as storeRemove } from '../helpers/store-ops.ts';
import { addrOf, type Caps, counts, hashOf, key, makeSwarm, put, waitUp } from './swarm-helpers.ts';

const cluster = new RedisClusterNodes();
const closing: { close(): Promise<void> }[] = [];

/** A RedisStore on the cluster through node `seed`, keys under `prefix`. */
async function makeStore(seed: number, prefix: string, maxTorrents: number): Promise<RedisStore> {
  const s = new RedisStore({
    url: cluster.url(seed),
    cluster: true,
    prefix,
    peerTtl: 3600,
    maxTorrents,
    maxPeersPerTorrent: 100,
    now: () => 1000,
  });
  closing.push(s);
  await waitUp(s.swarm);
  return s;
}

async function swarm(caps: Caps = {}, seed = 0): Promise<RedisSwarm> {
  const s = await makeSwarm(cluster.url(seed), { ...caps, cluster: true });
  closing.push(s);
  return s;
}

/** Hashes (from hashOf(start)) whose slots are served by node `node`, `n` of them. */
async function hashesOn(node: number, n: number, start: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = start; out.length < n; i++) {
    const h = hashOf(i);
    if ((await cluster.owner(torrentSlot(h, 0))) === node) out.push(h);
  }
  return out;
}

describe('redis swarm on a Redis Cluster', { skip: SKIP_NO_REDIS, timeout: 180_000 }, () => {
  before(async () => {
    await cluster.start();
  });
  after(async () => {
    for (const s of closing) await s.close();
    await cluster.stop();
  });

  test('each torrent lives on the node of its slot and every node is used', async () => {
    const s = await swarm();
    const hashes = [...(await hashesOn(0, 2, 1)), ...(await hashesOn(1, 2, 1)), ...(await hashesOn(2, 2, 1))];
    for (const h of hashes) {
      assert.equal((await put(s, h, 4, 1, 6881)).code, ANNOUNCE_OK);
      const r = await put(s, h, 6, 2, 6882, { numwant: 10 });
      assert.deepEqual([r.code, r.leechers, r.peers], [ANNOUNCE_OK, 2, []]);
      const r4 = await put(s, h, 4, 3, 6883, { numwant: 10 });
      assert.deepEqual(r4.peers, [key(4, 1, 6881)]);
      assert.deepEqual(await counts(s, h), { seeders: 0, leechers: 3, downloaded: 0 });
    }
    for (const [i, h] of hashes.entries()) {
      const node = Math.floor(i / 2);
      const k = `${s.prefixOf(h)}l4`;
      for (let n = 0; n < 3; n++) {
        const there = await cluster.cli(n, 'EXISTS', k);
        assert.equal(there === '1', n === node, `${k} on node ${n}: ${there}`);
      }
    }
  });

  test('a slot moved to another node (MOVED) is followed: no failure, peers kept', async () => {
    const s = await swarm();
    const [h] = await hashesOn(0, 1, 100);
    const slot = torrentSlot(h, 0);
    assert.equal((await put(s, h, 4, 1, 7001)).code, ANNOUNCE_OK);
    await cluster.moveSlot(slot, 1);
    assert.equal(await cluster.owner(slot), 1);
    // The swarm still thinks node 0 serves the slot: node 0 answers MOVED.
    const r = await put(s, h, 4, 2, 7002, { numwant: 10 });
    assert.deepEqual([r.code, r.leechers, r.peers], [ANNOUNCE_OK, 2, [key(4, 1, 7001)]]);
    assert.equal(await cluster.cli(1, 'ZCARD', `${s.prefixOf(h)}l4`), '2');
    assert.deepEqual(await counts(s, h), { seeders: 0, leechers: 2, downloaded: 0 });
  });

  test('a slot being moved (ASK, TRYAGAIN): announces wait for the move and are answered', async () => {
    // Redis refuses scripts over several keys of a slot in the middle of a move (TRYAGAIN
    // from both nodes, ASK from the old one for a torrent it does not have): they are
    // re-sent, ASKING the new node when told to, until the move is done.
    const s = await swarm({ timeout: 20_000 });
    const [old] = await hashesOn(2, 1, 200);
    const slot = torrentSlot(old, 0);
    let fresh = old;
    for (let i = 10_000; fresh === old; i++) if (torrentSlot(hashOf(i), 0) === slot) fresh = hashOf(i);
    assert.equal((await put(s, old, 4, 1, 7101)).code, ANNOUNCE_OK);
    const asked = async () =>
      Number(/cmdstat_asking:calls=(\d+)/.exec(await cluster.cli(0, 'INFO', 'commandstats'))?.[1] ?? 0);
    const askedBefore = await asked();
    await cluster.beginMove(slot, 2, 0);
    const toOld = put(s, old, 4, 2, 7102);
    const toFresh = put(s, fresh, 4, 3, 7103);
    await waitFor('ASKING on the importing node', 10_000, async () => (await asked()) > askedBefore);
    await cluster.finishMove(slot, 2, 0);
    assert.deepEqual([(await toOld).code, (await toOld).leechers], [ANNOUNCE_OK, 2]);
    assert.deepEqual([(await toFresh).code, (await toFresh).leechers], [ANNOUNCE_OK, 1]);
    assert.equal(await cluster.cli(0, 'EXISTS', `${s.prefixOf(fresh)}l4`), '1');
    assert.deepEqual(await counts(s, old), { seeders: 0, leechers: 2, downloaded: 0 });
  });

  test('scripts flushed on a node are loaded again there', async () => {
    const s = await swarm();
    const [h] = await hashesOn(1, 1, 300);
    assert.equal((await put(s, h, 4, 1, 7201)).code, ANNOUNCE_OK);
    assert.equal(await cluster.cli(1, 'SCRIPT', 'FLUSH'), 'OK');
    assert.equal((await put(s, h, 4, 2, 7202)).leechers, 2);
  });

  test('db.maxTorrents holds once the index has been counted', async () => {
    const store = await makeStore(1, 'cap:', 3);
    const hashes = [
      ...(await hashesOn(0, 2, 400)),
      ...(await hashesOn(1, 1, 400)),
      ...(await hashesOn(2, 1, 400)),
    ];
    const put1 = (h: Buffer, n: number) => announce(store, h, 4, addrOf(4, n), 6881, { now: 1000 });
    for (const h of hashes.slice(0, 3)) assert.equal(await put1(h, 1), PUT_OK);
    await store.refreshTotals();
    assert.equal(store.totals().torrents, 3);
    assert.equal(await put1(hashes[3], 1), PUT_TORRENT_LIMIT);
    assert.equal(await put1(hashes[0], 2), PUT_OK, 'a known torrent still takes peers');
    // A torrent freed by its last stop leaves the index: room again after the next count.
    assert.equal(await storeRemove(store, hashes[1], 4, addrOf(4, 1), 6881), true);
    await store.refreshTotals();
    assert.equal(store.totals().torrents, 2);
    assert.equal(await put1(hashes[3], 1), PUT_OK);
  });

  test('a slot without a node fails its requests as unavailable, and serves again once assigned', async () => {
    const store = await makeStore(0, 'hole:', 0);
    const [h] = await hashesOn(1, 1, 500);
    const slot = String(torrentSlot(h, 0));
    const put1 = (n: number) => announce(store, h, 4, addrOf(4, n), 6881, { now: 1000 });
    assert.equal(await put1(1), PUT_OK);
    // Every node forgets who serves the slot: CLUSTER SLOTS leaves it out.
    for (let n = 0; n < 3; n++) await cluster.cli(n, 'CLUSTER', 'DELSLOTS', slot);
    try {
      // CLUSTERDOWN from the node, or no node for the slot once the table is re-read.
      await assert.rejects(
        Promise.resolve(put1(2)),
        (err: Error) => err instanceof RedisUnavailableError && err.reason === 'down',
      );
      await waitFor('degraded', 10_000, async () => store.degraded() ?? undefined);
    } finally {
      await cluster.cli(1, 'CLUSTER', 'ADDSLOTS', slot);
    }
    await cluster.settle();
    await waitFor('up again', 10_000, async () => store.degraded() === null);
    assert.equal(await put1(2), PUT_OK);
    assert.deepEqual(await counts(store.swarm, h), { seeders: 0, leechers: 2, downloaded: 0 });
  });

  test('up once every primary is connected; a lost node makes it degraded', async () => {
    const store = await makeStore(2, 'up:', 0);
    assert.equal(store.degraded(), null);
    await cluster.nodes[2].kill9();
    await waitFor('the store to say degraded', 10_000, async () => store.degraded() ?? undefined);
    assert.match(store.degraded()!, /not answering/);
  });
});
