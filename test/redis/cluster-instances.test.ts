// Two real `trakx run` processes on a private three-primary Redis Cluster
// (db.redis.cluster, each seeded with a different node, db.maxTorrents at its default):
// a peer announced to one is in the other's reply over HTTP and UDP, and the peer
// events land in the stream on the node of the stream's own slot.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keySlot } from '../../app/swarm/redis/slot.ts';
import { RedisClusterNodes } from '../helpers/redis-cluster.ts';
import { SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { announce, scrape } from '../helpers/tracker-process.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeAnnounceReply, hash20 } from '../udp/packets.ts';
import { compactPeers, type Instance, startInstance } from './instances.ts';

const ID_A = Buffer.from('-TS0001-cluster-aaaa');
const ID_B = Buffer.from('-TS0001-cluster-bbbb');
const STREAM = 'cluster:events';

describe('two trakx processes on one Redis Cluster', { skip: SKIP_NO_REDIS, timeout: 180_000 }, () => {
  const cluster = new RedisClusterNodes();
  let a: Instance;
  let b: Instance;
  before(async () => {
    await cluster.start();
    const on = { TRAKX_DB_REDIS_CLUSTER: 'true' };
    [a, b] = await Promise.all([
      startInstance({ url: cluster.url(0) }, { ...on, TRAKX_EVENTS_STREAM: STREAM }),
      startInstance({ url: cluster.url(2) }, on),
    ]);
  });
  after(async () => {
    await Promise.all([a?.run.stop(), b?.run.stop()]);
    await cluster.stop();
  });

  test("HTTP: a peer announced to one is in the other's reply, on torrents of every node", async () => {
    const seen = new Set<number>();
    for (let i = 0; seen.size < 3 || i < 6; i++) {
      const hash = hash20(`cluster-http-${i}`);
      seen.add(await cluster.owner(keySlot(`{${hash.toString('hex')}}`)));
      await announce(a.port, { hash, id: ID_A, port: 6001, from: '127.0.0.2' });
      const fromB = await announce(b.port, { hash, id: ID_B, port: 6002, from: '127.0.0.3' });
      assert.deepEqual(compactPeers(fromB, 4), ['127.0.0.2:6001']);
      const fromA = await announce(a.port, { hash, id: ID_A, port: 6001, from: '127.0.0.2' });
      assert.deepEqual(compactPeers(fromA, 4), ['127.0.0.3:6002']);
      for (const port of [a.port, b.port]) {
        assert.deepEqual(await scrape(port, [hash]), [{ complete: 0, downloaded: 0, incomplete: 2 }]);
      }
    }
  });

  test("UDP: connect to one, announce to both, each sees the other's peer", async () => {
    const c1 = await UdpClient.open('127.0.0.1');
    const c2 = await UdpClient.open('127.0.0.1');
    try {
      const hash = hash20('cluster-udp');
      const id1 = await c1.connect(a.port);
      const r1 = await c1.request(
        announcePacket({ connId: id1, txid: 1, infoHash: hash, port: 7001 }),
        a.port,
      );
      assert.ok(r1, 'no reply from the first instance');
      assert.equal(decodeAnnounceReply(r1, 4).leechers, 1);
      const id2 = await c2.connect(b.port);
      const r2 = await c2.request(
        announcePacket({ connId: id2, txid: 2, infoHash: hash, port: 7002, left: 0n }),
        b.port,
      );
      assert.ok(r2, 'no reply from the second instance');
      const reply = decodeAnnounceReply(r2, 4);
      assert.deepEqual([reply.leechers, reply.seeders], [1, 1]);
      assert.deepEqual(reply.peers, [{ ip: '127.0.0.1', port: 7001 }]);
    } finally {
      await Promise.all([c1.close(), c2.close()]);
    }
  });

  test('events.stream lives on the node of its own slot', async () => {
    const hash = hash20('cluster-events');
    await announce(a.port, { hash, id: ID_A, port: 6301, from: '127.0.0.2', event: 'started' });
    const node = await cluster.owner(keySlot(STREAM));
    const entries = await cluster.cli(node, 'XRANGE', STREAM, '-', '+');
    assert.ok(entries.includes(hash.toString('hex')), entries);
  });
});
