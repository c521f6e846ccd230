// The conformance suite on the Redis store (db.type redis) against a private
// redis-server, then a private valkey-server: every request operation through Lua
// scripts and one pipelined connection. Its admin side is Redis's own (lazy expiry,
// EXPIRE, no snapshots), so what only a local admin side can show is left out
// (app/swarm/redis/redis-store.ts). Then the same on a private three-primary Redis
// Cluster (db.redis.cluster) with db.maxTorrents on: requests routed by slot, the torrent
// index kept outside the scripts and counted by refreshTotals() (the suite's `settle`),
// as the service does periodically.

import { after, before, describe } from 'node:test';
import { RedisStore } from '../../app/swarm/redis/redis-store.ts';
import { RedisClusterNodes } from '../helpers/redis-cluster.ts';
import { engines, RedisServer, SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { waitUp } from '../redis/swarm-helpers.ts';
import { type MakeStore, runStoreConformance } from './conformance.ts';

const stores: RedisStore[] = [];
let made = 0;
after(() => Promise.all(stores.map((s) => s.close())));

/** Stores on the Redis `url()` names, each under a prefix of its own. */
function storesAt(url: () => string, inCluster: boolean): MakeStore {
  return async (limits) => {
    const store = new RedisStore({
      url: url(),
      cluster: inCluster,
      prefix: `c${++made}:`,
      // The suite's times are small numbers of seconds: nothing may be stale.
      peerTtl: 1_000_000_000,
      maxTorrents: limits.maxTorrents,
      maxPeersPerTorrent: limits.maxPeersPerTorrent,
      now: () => 1_000,
    });
    stores.push(store);
    await waitUp(store.swarm);
    return store;
  };
}

for (const { engine, skip } of engines()) {
  describe(`on ${engine}`, { skip }, () => {
    const redis = new RedisServer(engine);
    before(() => redis.start());
    after(() => redis.stop());
    runStoreConformance(
      'RedisStore',
      storesAt(() => redis.url, false),
      { admin: false },
    );
  });
}

describe('on a Redis Cluster', { skip: SKIP_NO_REDIS }, () => {
  const cluster = new RedisClusterNodes();
  before(() => cluster.start());
  after(() => cluster.stop());
  // Seeds taken in turn: any node leads to the whole cluster.
  runStoreConformance(
    'RedisStore on a Redis Cluster',
    storesAt(() => cluster.url(made % 3), true),
    { admin: false, settle: (s) => (s as RedisStore).refreshTotals() },
  );
});
