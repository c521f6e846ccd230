// The conformance suite on the Redis store (db.type redis) against a private
// redis-server, and again against valkey-server: every request operation through Lua
// scripts and one pipelined connection. Its admin side is Redis's own (lazy expiry,
// EXPIRE, no snapshots), so what only a local admin side can show is left out
// (app/swarm/redis/redis-store.ts).

import { after, before, describe } from 'node:test';
import { RedisStore } from '../../app/swarm/redis/redis-store.ts';
import { engines, RedisServer } from '../helpers/redis-server.ts';
import { waitUp } from '../redis/swarm-helpers.ts';
import { runStoreConformance } from './conformance.ts';

for (const { engine, skip } of engines()) {
  describe(`on ${engine}`, { skip }, () => {
    const redis = new RedisServer(engine);
    const stores: RedisStore[] = [];
    let made = 0;
    before(() => redis.start());
    after(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await redis.stop();
    });

    runStoreConformance(
      'RedisStore',
      async (limits) => {
        const store = new RedisStore({
          url: redis.url,
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
      },
      { admin: false },
    );
  });
}
