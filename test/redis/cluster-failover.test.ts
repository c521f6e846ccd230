// A Redis Cluster primary killed (-9) while its replica takes over: requests for its slots
// fail as unavailable meanwhile (never a crash), the store says degraded, then finds the
// promoted replica by itself and serves the torrent with the peers replicated to it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisUnavailableError } from '../../app/swarm/redis/connection.ts';
import { RedisStore } from '../../app/swarm/redis/redis-store.ts';
import { torrentSlot } from '../../app/swarm/redis/slot.ts';
import { PUT_OK } from '../../app/swarm/store.ts';
import { waitFor } from '../helpers/process.ts';
import { RedisClusterNodes } from '../helpers/redis-cluster.ts';
import { SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { announce } from '../helpers/store-ops.ts';
import { addrOf, counts, hashOf, waitUp } from './swarm-helpers.ts';

describe('Redis Cluster failover', { skip: SKIP_NO_REDIS, timeout: 120_000 }, () => {
  const cluster = new RedisClusterNodes(1);
  let store: RedisStore;
  before(async () => {
    await cluster.start();
    store = new RedisStore({
      url: cluster.url(0),
      cluster: true,
      peerTtl: 3600,
      maxTorrents: 1000,
      maxPeersPerTorrent: 100,
      now: () => 1000,
    });
    await waitUp(store.swarm);
  });
  after(async () => {
    await store?.close();
    await cluster.stop();
  });

  test('a killed primary is replaced by its replica without restarting anything', async () => {
    const owner = await cluster.owner(torrentSlot(hashOf(1), 0));
    const replica = await cluster.replicaOf(owner);
    assert.ok(replica >= 0, 'no replica found');
    const h = hashOf(1);
    const put1 = (n: number) => announce(store, h, 4, addrOf(4, n), 6881, { now: 1000 });
    assert.equal(await put1(1), PUT_OK);
    // The peer is on the replica before its primary dies.
    assert.equal(await cluster.cli(owner, 'WAIT', '1', '5000'), '1');
    await cluster.nodes[owner].kill9();
    await waitFor('degraded', 10_000, async () => store.degraded() ?? undefined);
    // Within 20 s, before the periodic 30 s re-read: found by re-reading while degraded.
    const failures = new Set<string>();
    await waitFor('the replica to serve the torrent', 20_000, async () => {
      try {
        return (await put1(2)) === PUT_OK;
      } catch (err) {
        assert.ok(err instanceof RedisUnavailableError, `not an unavailable error: ${err}`);
        failures.add(err.reason);
        return false;
      }
    });
    assert.deepEqual(
      [...failures].filter((r) => r !== 'down' && r !== 'timeout'),
      [],
    );
    assert.deepEqual(await counts(store.swarm, h), { seeders: 0, leechers: 2, downloaded: 0 });
    await waitFor('up again', 10_000, async () => store.degraded() === null);
  });
});
