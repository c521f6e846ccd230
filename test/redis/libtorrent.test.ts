// Real BitTorrent clients across two trakx instances sharing one Redis: libtorrent
// (Debian's python3-libtorrent via test/clients/lt_swarm.py, default client settings)
// seeds through one `trakx run` and leeches through the other, which can hand the
// leecher the seeder only from the shared swarm. Both trackers' scrapes agree.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOWNLOAD_TIMEOUT, missing, runSwarm, type SwarmResult, skip } from '../clients/lt-swarm.ts';
import { waitFor } from '../helpers/process.ts';
import { RedisServer, SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { type Counts, scrape } from '../helpers/tracker-process.ts';
import { type Instance, startInstance } from './instances.ts';

/** Both instances' scrape of every hash the clients announced, until it is `want` (bounded). */
async function scrapesAre(ports: number[], r: SwarmResult, want: Counts, what: string): Promise<void> {
  const hashes = r.tracker_hashes.map((h) => Buffer.from(h, 'hex'));
  await waitFor(what, 5000, async () => {
    for (const port of ports) {
      for (const c of await scrape(port, hashes))
        if (JSON.stringify(c) !== JSON.stringify(want)) return false;
    }
    return true;
  });
}

describe(
  'libtorrent: seed on one instance, leech on the other',
  { skip: skip || SKIP_NO_REDIS, timeout: 120_000 },
  () => {
    const redis = new RedisServer();
    let a: Instance;
    let b: Instance;
    before(async () => {
      assert.equal(missing, null, missing ?? '');
      await redis.start();
      [a, b] = await Promise.all([startInstance(redis), startInstance(redis)]);
    });
    after(async () => {
      await Promise.all([a?.run.stop(), b?.run.stop()]);
      await redis.stop();
    });

    for (const [scheme, host, iface] of [
      ['http', '127.0.0.1', '127.0.0.1:0'],
      ['udp', '[::1]', '[::1]:0'],
    ] as const) {
      test(`${scheme.toUpperCase()} ${host}: the leecher gets the seeder from the other instance and downloads`, async () => {
        const seederUrl = `${scheme}://${host}:${a.port}/announce`;
        const leecherUrl = `${scheme}://${host}:${b.port}/announce`;
        const ports = [a.port, b.port];
        const { result, stopsSent, code, stderr } = await runSwarm(seederUrl, iface, DOWNLOAD_TIMEOUT, {
          leecherAnnounce: leecherUrl,
          // Both seeding now (the leecher announced completed), seen alike by both instances.
          whileRunning: (r) =>
            scrapesAre(ports, r, { complete: 2, downloaded: 1, incomplete: 0 }, 'two seeders'),
          afterStop: (r) =>
            scrapesAre(ports, r, { complete: 0, downloaded: 1, incomplete: 0 }, 'both stopped'),
        });
        assert.equal(code, 0, `lt_swarm.py exit ${code}: ${stderr}`);
        assert.equal(result.verified, true, 'downloaded bytes equal the original');
        assert.equal(stopsSent, true, 'both clients announced stopped');
        assert.deepEqual(result.tracker_errors, [], 'no tracker errors');
        const replies = result.tracker_replies;
        assert.ok(
          replies.every((r) => r.url === (r.who === 'seeder' ? seederUrl : leecherUrl)),
          'each its own tracker',
        );
        assert.ok(
          replies.some((r) => r.who === 'leecher' && r.num_peers >= 1),
          'the leecher was given a peer by its instance',
        );
        assert.deepEqual(
          result.leecher_peer_sources.filter((s) => s !== 'tracker'),
          [],
          'no peer source but the tracker',
        );
      });
    }
  },
);
