// Two real `trakx run` processes on one redis-server, then on one valkey-server (db.type
// redis): a peer announced to one is in the other's reply, over HTTP and UDP, IPv4 and
// IPv6; scrape counts agree; a peer expires by its own torrent's lazy expiry (no sweep)
// and its keys by EXPIRE.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../helpers/process.ts';
import { engines, RedisServer, SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { announce, scrape } from '../helpers/tracker-process.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeAnnounceReply, hash20 } from '../udp/packets.ts';
import { compactPeers, type Instance, startInstance } from './instances.ts';

const ID_A = Buffer.from('-TS0001-instance-aaa');
const ID_B = Buffer.from('-TS0001-instance-bbb');

for (const { engine, skip } of engines()) {
  describe(`two trakx processes on one ${engine}`, { skip }, () => {
    const redis = new RedisServer(engine);
    let a: Instance;
    let b: Instance;
    before(async () => {
      await redis.start();
      // Only A writes peer events: B's announces must not show up in the stream.
      [a, b] = await Promise.all([
        startInstance(redis, { TRAKX_EVENTS_STREAM: 'test:events', TRAKX_EVENTS_MAXLEN: '1000' }),
        startInstance(redis),
      ]);
    });
    after(async () => {
      await Promise.all([a?.run.stop(), b?.run.stop()]);
      await redis.stop();
    });

    for (const [from, family] of [
      ['127.0.0.2', 4],
      ['::1', 6],
    ] as const) {
      test(`HTTP over IPv${family}: a peer announced to one is in the other's reply, both ways`, async () => {
        const hash = hash20(`http-shared-${family}`);
        await announce(a.port, { hash, id: ID_A, port: 6001, from });
        const fromB = await announce(b.port, { hash, id: ID_B, port: 6002, from });
        const self = family === 4 ? from : '0:0:0:0:0:0:0:1';
        assert.deepEqual(compactPeers(fromB, family), [`${self}:6001`]);
        assert.equal(fromB.incomplete, 2);
        const fromA = await announce(a.port, { hash, id: ID_A, port: 6001, from });
        assert.deepEqual(compactPeers(fromA, family), [`${self}:6002`]);
        // Scrape on either instance counts both.
        for (const port of [a.port, b.port]) {
          assert.deepEqual(await scrape(port, [hash]), [{ complete: 0, downloaded: 0, incomplete: 2 }]);
        }
        // Stopped on B removes the peer A announced from that address and port.
        await announce(b.port, { hash, id: ID_A, port: 6001, from, event: 'stopped' });
        assert.deepEqual(
          compactPeers(await announce(a.port, { hash, id: ID_B, port: 6002, from }), family),
          [],
        );
      });
    }

    for (const [host, family] of [
      ['127.0.0.1', 4],
      ['::1', 6],
    ] as const) {
      test(`UDP over IPv${family}: connect to one, announce to both, each sees the other's peer`, async () => {
        const c1 = await UdpClient.open(host);
        const c2 = await UdpClient.open(host);
        try {
          const hash = hash20(`udp-shared-${family}`);
          const id1 = await c1.connect(a.port);
          const r1 = await c1.request(
            announcePacket({ connId: id1, txid: 1, infoHash: hash, port: 7001 }),
            a.port,
          );
          assert.ok(r1, 'no reply from the first instance');
          assert.equal(decodeAnnounceReply(r1, family).leechers, 1);
          // The second client connects to A and announces to B: one shared secret.
          const id2 = await c2.connect(a.port);
          const r2 = await c2.request(
            announcePacket({ connId: id2, txid: 2, infoHash: hash, port: 7002, left: 0n }),
            b.port,
          );
          assert.ok(r2, 'no reply from the second instance');
          const reply = decodeAnnounceReply(r2, family);
          assert.deepEqual([reply.leechers, reply.seeders], [1, 1]);
          const ip = family === 4 ? '127.0.0.1' : '0:0:0:0:0:0:0:1';
          assert.deepEqual(reply.peers, [{ ip, port: 7001 }]);
        } finally {
          await Promise.all([c1.close(), c2.close()]);
        }
      });
    }

    test('events.stream: each announce to that instance is one stream entry with its fields', async () => {
      const hash = hash20('events');
      const hex = hash.toString('hex');
      await announce(a.port, { hash, id: ID_A, port: 6301, from: '127.0.0.2', event: 'started' });
      await announce(a.port, { hash, id: ID_A, port: 6301, from: '127.0.0.2', left: 0, event: 'completed' });
      await announce(b.port, { hash, id: ID_B, port: 6302, from: '::1' });
      await announce(a.port, { hash, id: ID_B, port: 6302, from: '::1', left: 0 });
      await announce(a.port, { hash, id: ID_A, port: 6301, from: '127.0.0.2', event: 'stopped' });
      const out = execFileSync('redis-cli', [
        '-p',
        String(redis.port),
        '--json',
        'XRANGE',
        'test:events',
        '-',
        '+',
      ]);
      const entries = (JSON.parse(out.toString()) as [string, string[]][])
        .map(([, fields]) =>
          Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[v, fields[i + 1]]]))),
        )
        .filter((f) => f.info_hash === hex);
      for (const e of entries)
        assert.ok(Math.abs(Number(e.time) - Date.now() / 1000) < 120, `time ${e.time}`);
      assert.deepEqual(
        entries.map((e) => [e.event, e.family, e.seeder]),
        [
          ['started', '4', '0'],
          ['completed', '4', '1'],
          ['none', '6', '1'],
          ['stopped', '4', '0'],
        ],
      );
    });

    test('a peer of the other family is sent when the own family has too few', async () => {
      const hash = hash20('cross-family');
      await announce(a.port, { hash, id: ID_A, port: 6101, from: '::1' });
      const reply = await announce(b.port, { hash, id: ID_B, port: 6102, from: '127.0.0.5' });
      assert.deepEqual(compactPeers(reply, 6), ['0:0:0:0:0:0:0:1:6101']);
      assert.deepEqual(compactPeers(reply, 4), []);
    });
  });
}

describe('expiry in Redis without any sweep', { skip: SKIP_NO_REDIS }, () => {
  const redis = new RedisServer();
  let a: Instance;
  let b: Instance;
  const TTL = 3;
  before(async () => {
    await redis.start();
    const env = { TRAKX_DB_EXPIRY: `${TTL}s`, TRAKX_DB_TRIM: '1h' };
    [a, b] = await Promise.all([startInstance(redis, env), startInstance(redis, env)]);
  });
  after(async () => {
    await Promise.all([a?.run.stop(), b?.run.stop()]);
    await redis.stop();
  });

  test("a silent peer leaves the other instance's replies after db.expiry, then its keys leave Redis", async () => {
    const hash = hash20('expiry');
    await announce(a.port, { hash, id: ID_A, port: 6201, from: '127.0.0.2' });
    const seen = await announce(b.port, { hash, id: ID_B, port: 6202, from: '127.0.0.3' });
    assert.deepEqual(compactPeers(seen, 4), ['127.0.0.2:6201']);
    // B's peer keeps announcing; A's does not. Bounded: expiry plus the clocks' seconds.
    await waitFor(
      'the silent peer to expire',
      15_000,
      async () => {
        const r = await announce(b.port, { hash, id: ID_B, port: 6202, from: '127.0.0.3' });
        return compactPeers(r, 4).length === 0 && r.incomplete === 1;
      },
      500,
    );
    // Nobody announces now: every key of the torrent goes by its EXPIRE (ttl + ttl/4).
    const prefix = `trakx:{${hash.toString('hex')}}`;
    const keys = ['m', 's4', 'l4', 's6', 'l6'].map((k) => `${prefix}${k}`);
    const exists = () =>
      Number(
        execFileSync('redis-cli', ['-p', String(redis.port), 'EXISTS', ...keys])
          .toString()
          .trim(),
      );
    assert.ok(exists() > 0, 'the torrent is in Redis while announced to');
    await sleep(1000);
    await waitFor('the torrent keys to expire', 15_000, async () => exists() === 0, 250);
  });
});
